"""Documents, segments and the codebook in a project store.

Functions take the caller's session (``with project.transaction() as session:``) so an
import or a codebook edit is one transaction: a failure leaves nothing half-written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from triage.coding.codebook import Code, Codebook
from triage.coding.documents import DocumentText
from triage.coding.fulltext import Region
from triage.coding.segments import quote_spans, segment_text
from triage.errors import DecisionError, InputError
from triage.store.schema import RecordRow
from triage.store.schema_coding import (
    CodeDecisionRow,
    CodeHistoryRow,
    CodeRow,
    CodeSuggestionRow,
    CodingDocumentRow,
    CodingMemoRow,
    CodingResolutionRow,
    CodingSegmentRow,
    SegmentVectorRow,
)
from triage.store.upsert import conflict_insert

if TYPE_CHECKING:  # spaCy (and torch under it) only for the hint; `triage` starts faster
    from spacy.language import Language

__all__ = [
    "add_memo",
    "add_selection",
    "add_span",
    "document_segments",
    "documents",
    "import_document",
    "load_codebook",
    "memos",
    "save_codebook",
    "save_segment_vectors",
    "segment_attributes",
    "segments_by_id",
    "segments_without_vectors",
    "sentence_segments",
    "set_attributes",
    "store_url",
    "stored_segment_vectors",
    "unknown_segment",
]


def unknown_segment(segment_id: int) -> DecisionError:
    """The refusal of a segment id the project lacks, written once for the store and the CLI alike.

    Why here: it was written in the store and in ``code suggest`` with different hints; ``code next``
    is the command that lists segments with their ids.
    """
    return DecisionError(f"no segment {segment_id} in this project",
                         hint="'triage code next' lists segment ids ('--document N' for one document's)")


def import_document(
    session: Session,
    nlp: Language,
    document: DocumentText,
    *,
    study: str | None = None,
    record_id: int | None = None,
    attributes: dict[str, Any] | None = None,
    replace: bool = False,
) -> CodingDocumentRow:
    """Store ``document`` and its segments; InputError when the same file is already in.

    Segments of a paper carry the ``section`` heading and ``page`` they stand under as
    attributes (exported with the coding), from the document's regions. ``replace`` takes
    the earlier import of the same file out first (its study label, record and attributes
    kept unless given): a paper's results boundaries corrected after its import. Refused
    where anyone has coded it, which would be lost.
    """
    if record_id is not None and session.get(RecordRow, record_id) is None:
        raise DecisionError(f"no record {record_id} in this project", hint="see 'triage records' for ids")
    earlier = session.scalars(select(CodingDocumentRow).where(CodingDocumentRow.sha256 == document.sha256)).first()
    if earlier is not None and not replace:
        raise InputError(f"already imported as document {earlier.id} ({earlier.study})", path=document.path,
                         hint="import each study's results once; to import it again with other boundaries, "
                         "add --replace (a document nobody has coded yet)")
    if earlier is not None:
        study = study or earlier.study
        record_id = earlier.record_id if record_id is None else record_id
        attributes = attributes or dict(earlier.attributes or {})
        _take_back(session, earlier, document.path)
    row = CodingDocumentRow(
        record_id=record_id,
        study=study or Path(document.path).stem,
        file_name=Path(document.path).name,
        sha256=document.sha256,
        format=document.format,
        text=document.text,
        attributes=dict(attributes or {}),
        problems=[str(p) for p in document.problems],
    )
    session.add(row)
    session.flush()
    for position, seg in enumerate(segment_text(nlp, document.text)):
        session.add(CodingSegmentRow(
            document_id=row.id, kind=seg.kind, position=position, paragraph=seg.paragraph,
            start=seg.start, end=seg.end, text=seg.text, quote=seg.quote,
            attributes=_where(document.regions, seg.start),
        ))
    session.flush()
    return row


def _take_back(session: Session, document: CodingDocumentRow, path: str) -> None:
    """Delete an imported document nobody has coded: its segments, suggestions shown and vectors."""
    ids = select(CodingSegmentRow.id).where(CodingSegmentRow.document_id == document.id).scalar_subquery()
    work = [(table, session.scalar(select(func.count()).select_from(table).where(table.segment_id.in_(ids))) or 0)
            for table in (CodeDecisionRow, CodingMemoRow, CodingResolutionRow)]
    if any(n for _, n in work):
        decided, memos_on, resolved = (n for _, n in work)
        raise InputError(
            f"document {document.id} ({document.study}) has {decided} coding decision(s), {memos_on} memo(s) and "
            f"{resolved} resolution(s) on it; replacing it would lose them", path=path,
            hint="keep it, or withdraw them first (triage code retract)")
    for table in (CodeSuggestionRow, SegmentVectorRow):
        session.execute(delete(table).where(table.segment_id.in_(ids)))
    session.execute(delete(CodingSegmentRow).where(CodingSegmentRow.document_id == document.id))
    session.delete(document)
    session.flush()


def _where(regions: Sequence[Region], offset: int) -> dict[str, Any]:
    """``{"section": ..., "page": ...}`` of the region holding ``offset`` (papers only; else empty)."""
    for region in regions:
        if region.start <= offset < region.end:
            found = {"section": region.section, "page": region.page}
            return {k: v for k, v in found.items() if v is not None}
    return {}


def documents(session: Session) -> list[CodingDocumentRow]:
    return list(session.scalars(select(CodingDocumentRow).order_by(CodingDocumentRow.id)))


def sentence_segments(session: Session, document_id: int | None = None,
                      segment_ids: Sequence[int] = ()) -> list[CodingSegmentRow]:
    """Sentence segments (the unit suggestions are made for), in reading order."""
    query = select(CodingSegmentRow).where(CodingSegmentRow.kind == "sentence")
    if document_id is not None:
        if session.get(CodingDocumentRow, document_id) is None:
            raise DecisionError(f"no document {document_id} in this project", hint="see 'triage code documents'")
        query = query.where(CodingSegmentRow.document_id == document_id)
    if segment_ids:
        query = query.where(CodingSegmentRow.id.in_(list(segment_ids)))
    return list(session.scalars(query.order_by(CodingSegmentRow.document_id, CodingSegmentRow.position)))


def set_attributes(
    session: Session, attributes: dict[str, str], *, document_id: int | None = None,
    segment_ids: Sequence[int] = (),
) -> int:
    """Set attributes (``perspective=parent``) on a document or on segments; returns rows changed.

    An empty value removes the attribute.
    """
    rows: list[CodingDocumentRow | CodingSegmentRow] = []
    if document_id is not None:
        doc = session.get(CodingDocumentRow, document_id)
        if doc is None:
            raise DecisionError(f"no document {document_id} in this project", hint="see 'triage code documents'")
        rows.append(doc)
    for seg_id in segment_ids:
        seg = session.get(CodingSegmentRow, seg_id)
        if seg is None:
            raise unknown_segment(seg_id)
        rows.append(seg)
    for row in rows:
        merged = {**row.attributes, **attributes}
        row.attributes = {k: v for k, v in merged.items() if v}
    return len(rows)


def segment_attributes(document: CodingDocumentRow, segment: CodingSegmentRow) -> dict[str, Any]:
    """A segment's attributes: the document's, overridden by the segment's own."""
    return {**(document.attributes or {}), **(segment.attributes or {})}


def load_codebook(session: Session) -> Codebook:
    """The project's codebook from the ``codes`` table (merged codes as redirects)."""
    rows = list(session.scalars(select(CodeRow).order_by(CodeRow.position)))
    codes = {r.id: Code(r.id, r.name, r.description, list(r.examples or []), guid=r.guid)
             for r in rows if r.merged_into is None}
    roots = []
    for row in rows:
        if row.merged_into is not None:
            continue
        if row.parent_id is not None and row.parent_id in codes:
            codes[row.parent_id].children.append(codes[row.id])
        else:
            roots.append(codes[row.id])
    codebook = Codebook(roots)
    codebook.merged = {r.id: r.merged_into for r in rows if r.merged_into is not None}
    codebook.merged_names = {r.id: r.name for r in rows if r.merged_into is not None}
    return codebook


def save_codebook(session: Session, codebook: Codebook, coder: str, *, imported_from: str | None = None) -> None:
    """Write ``codebook`` to the store and append its pending history, by ``coder``.

    With ``imported_from`` the codebook replaces the project's (merged rows are kept so
    old decisions still resolve) and one ``import`` history row names the file.
    """
    if not coder or not coder.strip():
        raise DecisionError("a codebook change needs a coder name", hint="pass --coder NAME")
    existing = {r.id: r for r in session.scalars(select(CodeRow))}
    active = set()
    for position, (code, parent, _) in enumerate(codebook.walk()):
        active.add(code.id)
        row = existing.get(code.id) or CodeRow(id=code.id)
        row.parent_id = parent.id if parent else None
        row.position = position
        row.name, row.description, row.examples, row.guid = code.name, code.description, list(code.examples), code.guid
        row.merged_into = None
        session.add(row)
    for code_id, row in existing.items():
        if code_id in active:
            continue
        if code_id in codebook.merged:
            row.merged_into = codebook.resolve(code_id)
        else:
            session.execute(delete(CodeRow).where(CodeRow.id == code_id))
    if imported_from is not None:
        session.add(CodeHistoryRow(code_id="*", action="import", detail={"file": imported_from,
                                                                         "codes": len(active)}, coder=coder))
    for change in codebook.history:
        session.add(CodeHistoryRow(code_id=change.code_id, action=change.action, detail=change.detail, coder=coder))
    codebook.history.clear()
    session.flush()


def add_memo(session: Session, codebook: Codebook, text: str, *, coder: str, code_id: str | None = None,
             segment_id: int | None = None) -> CodingMemoRow:
    """Append a memo on one code or one segment (DecisionError names the fix)."""
    if (code_id is None) == (segment_id is None):
        raise DecisionError("a memo belongs to one code or one segment", hint="pass --code ID or --segment ID")
    if not text.strip():
        raise DecisionError("the memo is empty", hint="write its text in quotes")
    if not coder or not coder.strip():
        raise DecisionError("a memo needs a coder name", hint="pass --coder NAME")
    if code_id is not None:
        code_id = codebook.get(code_id).id
    elif segment_id is not None and session.get(CodingSegmentRow, segment_id) is None:
        raise unknown_segment(segment_id)
    row = CodingMemoRow(code_id=code_id, segment_id=segment_id, text=text.strip(), coder=coder.strip())
    session.add(row)
    session.flush()
    return row


def memos(session: Session, *, code_id: str | None = None, segment_id: int | None = None) -> list[CodingMemoRow]:
    """Memos, oldest first, on one code (with the codes merged into it) or segment if given."""
    query = select(CodingMemoRow).order_by(CodingMemoRow.id)
    if code_id is not None:
        codebook = load_codebook(session)
        code_id = codebook.resolve(code_id)
        merged = [old for old in codebook.merged if codebook.resolve(old) == code_id]
        query = query.where(CodingMemoRow.code_id.in_([code_id, *merged]))
    if segment_id is not None:
        query = query.where(CodingMemoRow.segment_id == segment_id)
    return list(session.scalars(query))


def add_span(session: Session, segment_id: int, *, span: tuple[int, int] | None = None,
             quote: str | None = None) -> CodingSegmentRow:
    """The ``span`` segment for part of segment ``segment_id``, made once and reused after.

    ``span`` is ``(start, end)`` counted in characters of that segment's text; ``quote``
    is text that occurs exactly once in it. DecisionError names the fix when neither
    fits; an existing span with the same offsets is returned as it is.
    """
    parent = session.get(CodingSegmentRow, segment_id)
    if parent is None:
        raise unknown_segment(segment_id)
    if parent.kind not in ("paragraph", "sentence"):
        raise DecisionError(f"segment {segment_id} is a {parent.kind}", hint="select inside a paragraph or sentence")
    if (span is None) == (quote is None):
        raise DecisionError("say which part of the segment", hint="pass --span START:END or --quote TEXT")
    if quote is not None:
        quote = quote.strip()
        found = parent.text.count(quote) if quote else 0
        if found != 1:
            raise DecisionError(f"{quote!r} occurs {found} times in segment {segment_id}",
                                hint="quote more words, or pass --span START:END")
        start = parent.text.index(quote)
        end = start + len(quote)
    else:
        start, end = span or (0, 0)
    if not 0 <= start < end <= len(parent.text):
        raise DecisionError(f"span {start}:{end} is outside segment {segment_id} (0:{len(parent.text)})",
                            hint="count characters of the segment's text from 0, end excluded")
    asked = f"{start}:{end}"
    start, end = _words_within(parent.text, start, end)
    if start == end:  # only a span can come to this: a stripped quote found once has words at both edges
        raise DecisionError(f"span {asked} of segment {segment_id} holds no words",
                            hint="select the words to code")
    first, last = parent.start + start, parent.start + end
    existing = session.scalars(select(CodingSegmentRow).where(
        CodingSegmentRow.document_id == parent.document_id, CodingSegmentRow.kind == "span",
        CodingSegmentRow.start == first, CodingSegmentRow.end == last)).first()
    if existing is not None:
        return existing
    text = parent.text[start:end]
    row = CodingSegmentRow(document_id=parent.document_id, kind="span", position=parent.position,
                           paragraph=parent.paragraph, start=first, end=last, text=text,
                           quote=bool(quote_spans(text)) or parent.text.startswith(">"),
                           attributes=dict(parent.attributes or {}), parent_id=parent.id)
    session.add(row)
    session.flush()
    return row


def _words_within(text: str, start: int, end: int) -> tuple[int, int]:
    """``start:end`` of ``text`` less the white space at either edge (a browser's selection,
    e.g. a double-clicked word, often takes the space after it; one span for the same words)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def add_selection(session: Session, segment_id: int, *, quote: str | None = None,
                  span: tuple[int, int] | None = None) -> CodingSegmentRow:
    """The span a coder selected on the coding page, for segment ``segment_id`` (a sentence).

    ``span`` counts characters of the segment's text. A ``quote`` is matched with any run
    of white space standing for any other (a browser's selection turns line breaks into
    spaces), in the sentence or, when it runs past it (a selection across sentences of one
    paragraph), in the paragraph holding it. DecisionError as for :func:`add_span` when it
    fits neither.
    """
    if span is not None or not quote:
        return add_span(session, segment_id, span=span, quote=quote)
    segment = session.get(CodingSegmentRow, segment_id)
    candidates = [segment] if segment is not None else []
    if segment is not None and segment.kind == "sentence":
        candidates += session.scalars(select(CodingSegmentRow).where(
            CodingSegmentRow.document_id == segment.document_id, CodingSegmentRow.kind == "paragraph",
            CodingSegmentRow.start <= segment.start, CodingSegmentRow.end >= segment.end)).all()
    pattern = r"\s+".join(re.escape(word) for word in quote.split())
    for candidate in candidates:
        found = [(m.start(), m.end()) for m in re.finditer(pattern, candidate.text)] if pattern else []
        if len(found) == 1:
            return add_span(session, candidate.id, span=found[0])
    return add_span(session, segment_id, quote=quote)


def segments_by_id(session: Session, segment_ids: Iterable[int]) -> dict[int, CodingSegmentRow]:
    """The segments with these ids."""
    ids = set(segment_ids)
    if not ids:
        return {}
    return {s.id: s for s in session.scalars(select(CodingSegmentRow).where(CodingSegmentRow.id.in_(ids)))}


def document_segments(session: Session, document_id: int) -> list[CodingSegmentRow]:
    """Every segment of one document (paragraphs and sentences)."""
    return list(session.scalars(select(CodingSegmentRow).where(CodingSegmentRow.document_id == document_id)))


def stored_segment_vectors(session: Session, model: str, segment_ids: Iterable[int]) -> dict[int, bytes]:
    """Segment id -> float32 bytes of the vectors stored for ``model``."""
    stmt = select(SegmentVectorRow).where(SegmentVectorRow.model == model,
                                          SegmentVectorRow.segment_id.in_(list(segment_ids)))
    return {r.segment_id: r.vector for r in session.scalars(stmt)}


def segments_without_vectors(session: Session, model: str) -> dict[int, str]:
    """Segment id -> text of the sentences and spans (what suggestions are made for and learn
    from), and of any other segment a code was decided on (a whole paragraph accepted: the
    suggester learns from it too), with no vector stored for ``model``, in id order: one join,
    no vector read."""
    stored = and_(SegmentVectorRow.segment_id == CodingSegmentRow.id, SegmentVectorRow.model == model)
    decided = select(CodeDecisionRow.segment_id)
    stmt = (select(CodingSegmentRow.id, CodingSegmentRow.text).outerjoin(SegmentVectorRow, stored)
            .where(or_(CodingSegmentRow.kind.in_(("sentence", "span")), CodingSegmentRow.id.in_(decided)),
                   SegmentVectorRow.segment_id.is_(None))
            .order_by(CodingSegmentRow.id))
    return {int(i): str(text) for i, text in session.execute(stmt)}


def save_segment_vectors(session: Session, model: str, vectors: Iterable[tuple[int, bytes]]) -> None:
    """Keep ``(segment id, float32 bytes)`` vectors for ``model``; a vector another process or
    thread stored first is kept (the same segment, the same model: the same vector)."""
    rows = [{"segment_id": segment_id, "model": model, "vector": vector} for segment_id, vector in vectors]
    if rows:
        session.execute(conflict_insert(session)(SegmentVectorRow).on_conflict_do_nothing(), rows)


def store_url(session: Session) -> str:
    """The database the session talks to (a cache key for models fitted on it)."""
    return str(session.get_bind().engine.url)
