"""REFI-QDA project exchange (``.qdpx``): the coding travels to NVivo, ATLAS.ti, MAXQDA, QualCoder.

A ``.qdpx`` file is a zip holding ``project.qde`` (XML, namespace ``urn:QDA-XML:project:1.0``,
the REFI-QDA Project schema of March 2019) and the sources' plain text under ``sources/``.
What we write: ``Users`` (one per coder), the ``CodeBook`` (as in ``.qdc``), ``Variables``
(document attributes such as perspective, as text variables) and one ``TextSource`` per
imported document, its text in ``sources/<guid>.txt`` as people read it (without the Markdown marks
that triage keeps: ``###`` of a heading, ``>`` of a block quotation), with a ``PlainTextSelection`` per
coded segment and coder (character offsets into that text, so it covers the words triage coded) and a ``Coding`` per code applied, each
with its coder (``creatingUser``) and time (``creationDateTime``); memos on codes and segments as
``Notes`` referred to from the code or the segment's selection. Rejected suggestions have no
place in the standard and are not exported. GUIDs derive from stable keys (code ids, text
hashes, coder names), so exporting the same project twice gives the same file. Where a lead
resolved coders' disagreement on a segment, the coding in force (:mod:`triage.store.coding_in_force`)
is there too: a selection by the lead with the resolved codes, the note as its ``Description``,
beside each coder's own codings. Reading our own file back, such a selection becomes the lead's
resolution again (not the lead's own codings): it is recognised by its ``Description``
("resolved by LEAD: NOTE", by the selection's creating user). A source with marks also has its
stored text beside it (``sources/<guid>.md``, referred to by nothing in ``project.qde``, so the other
programs pass it by): reading our own file back, the document keeps its headings and block quotations
and each selection goes back onto the stored text's offsets.

Reading keeps what a person coded in another program: selections that match one of our
segments exactly are coded on it; a selection that does not (programs let coders select any
span) is coded on the sentences it covers (at least half of each, or the one it lies in), and
the count of such selections is reported.
"""

from __future__ import annotations

import bisect
import hashlib
import re
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from lxml import etree

from triage.coding.codebook import Codebook
from triage.coding.codebook_io import add_code_elements, adopt_ids, code_guid, codebook_from_codes
from triage.coding.documents import DocumentText
from triage.coding.segments import ShownText, shown_text
from triage.errors import DecisionError, InputError
from triage.store import code_decisions as appl
from triage.store import coding as store
from triage.store.coding_in_force import coding_in_force
from triage.store.coding_team import resolve_coding_disagreement
from triage.store.db import Session
from triage.store.schema_coding import CodingSegmentRow

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = [
    "PROJECT_NAMESPACE",
    "QdpxCoding",
    "QdpxImport",
    "QdpxMemo",
    "QdpxProject",
    "QdpxResolution",
    "import_qdpx",
    "read_qdpx",
    "write_qdpx",
]

PROJECT_NAMESPACE = "urn:QDA-XML:project:1.0"
_NS = f"{{{PROJECT_NAMESPACE}}}"
#: Namespace of the GUIDs we derive (any fixed UUID works; this one is ours).
_GUID_NS = uuid.UUID("9d3c1f0e-6b2a-4c8e-8f57-2a1e4b6c7d90")
_INTERNAL = "internal://"
#: The name ending of a source's stored text (with its Markdown marks) beside its ``.txt``.
_MARKED = ".marked.md"
#: The ``Description`` of a lead's resolution selection, as :func:`_add_resolutions` writes it.
_RESOLUTION = re.compile(r"resolved by (?P<lead>.+?): (?P<note>.*)", re.DOTALL)


def _guid(kind: str, key: str) -> str:
    return str(uuid.uuid5(_GUID_NS, f"{kind}:{key}")).upper()


def _when(moment: datetime) -> str:
    """xsd:dateTime in UTC (stored times without a zone are UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_qdpx(session: Session, codebook: Codebook, path: str | Path, *, name: str, origin: str,
               coder: str | None = None) -> int:
    """Write the project's documents, codebook and accepted codes (``coder``'s only, if given)
    to ``path`` as ``.qdpx``; returns the number of codings written."""
    accepted = [d for d in appl.shared_code_decisions(session, codebook, coder) if d.decision == "accept"]
    resolved = [] if coder else [a for a in coding_in_force(session, codebook).applied if a.basis == "resolved"]
    segments = store.segments_by_id(session, {d.segment_id for d in accepted} | {a.segment_id for a in resolved})
    notes = appl.shared_memos(session, codebook)
    segments.update(store.segments_by_id(session, {m.segment_id for m in notes if m.segment_id}))
    coders = sorted({d.coder for d in accepted} | {m.coder for m in notes} | {a.coder for a in resolved})
    documents = store.documents(session)
    root = etree.Element(_NS + "Project", nsmap={None: PROJECT_NAMESPACE}, name=name, origin=origin)
    if coders:
        users = etree.SubElement(root, _NS + "Users")
        for who in coders:
            etree.SubElement(users, _NS + "User", guid=_guid("user", who), name=who)
    codes_el = etree.SubElement(etree.SubElement(root, _NS + "CodeBook"), _NS + "Codes")
    add_code_elements(codes_el, codebook, PROJECT_NAMESPACE)
    code_els = {el.get("guid"): el for el in codes_el.iter(_NS + "Code")}
    for memo in notes:
        if memo.code_id is not None and memo.code_id in codebook:
            el = code_els[code_guid(codebook.get(memo.code_id))]
            at = 1 if len(el) and _local(el[0]) == "Description" else 0
            el.insert(at + sum(_local(c) == "NoteRef" for c in el), etree.Element(
                _NS + "NoteRef", targetGUID=_guid("memo", str(memo.id))))
    keys = sorted({k for doc in documents for k in doc.attributes})
    if keys:
        variables = etree.SubElement(root, _NS + "Variables")
        for key in keys:
            etree.SubElement(variables, _NS + "Variable", guid=_guid("variable", key), name=key,
                             typeOfVariable="Text")
    texts: dict[str, str] = {}
    marked: dict[str, str] = {}  # the stored text with its Markdown marks, for reading our own file back
    if documents:
        sources = etree.SubElement(root, _NS + "Sources")
        for doc in documents:
            source_guid = _guid("source", f"{doc.id}:{doc.sha256}")
            shown = ShownText.of(doc.text)
            texts[source_guid] = shown.text
            if shown.marks:
                marked[source_guid] = doc.text
            el = etree.SubElement(sources, _NS + "TextSource", guid=source_guid, name=doc.study,
                                  plainTextPath=f"{_INTERNAL}{source_guid}.txt",
                                  creationDateTime=_when(doc.imported_at))
            by_segment: dict[tuple[int, str], list[appl.CurrentCodeDecision]] = {}
            for d in accepted:
                if segments[d.segment_id].document_id == doc.id:
                    by_segment.setdefault((d.segment_id, d.coder), []).append(d)
            memo_refs: dict[int, list[str]] = {}
            for memo in notes:
                if memo.segment_id is not None and segments[memo.segment_id].document_id == doc.id:
                    memo_refs.setdefault(memo.segment_id, []).append(_guid("memo", str(memo.id)))
                    if not any(seg_id == memo.segment_id for seg_id, _ in by_segment):
                        by_segment[(memo.segment_id, memo.coder)] = []  # a selection that carries only the memo
            for (seg_id, who), decisions in sorted(by_segment.items(), key=lambda kv: (segments[kv[0][0]].start,
                                                                                       kv[0][0], kv[0][1])):
                seg = segments[seg_id]
                selection = etree.SubElement(
                    el, _NS + "PlainTextSelection", guid=_guid("selection", f"{seg_id}:{who}"),
                    name=shown_text(seg.text)[:60], startPosition=str(shown.shown(seg.start)),
                    endPosition=str(shown.shown(seg.end)), creatingUser=_guid("user", who))
                if decisions:
                    selection.set("creationDateTime", _when(min(d.created_at for d in decisions)))
                for d in sorted(decisions, key=lambda d: d.code_id):
                    coding = etree.SubElement(selection, _NS + "Coding",
                                              guid=_guid("coding", f"{seg_id}:{who}:{d.code_id}"),
                                              creatingUser=_guid("user", who), creationDateTime=_when(d.created_at))
                    etree.SubElement(coding, _NS + "CodeRef", targetGUID=code_guid(codebook.get(d.code_id)))
                for note_guid in memo_refs.pop(seg_id, []):
                    etree.SubElement(selection, _NS + "NoteRef", targetGUID=note_guid)
            _add_resolutions(el, [a for a in resolved if segments[a.segment_id].document_id == doc.id], segments,
                             codebook, shown)
            for key in keys:
                if key in doc.attributes:
                    value = etree.SubElement(el, _NS + "VariableValue")
                    etree.SubElement(value, _NS + "VariableRef", targetGUID=_guid("variable", key))
                    etree.SubElement(value, _NS + "TextValue").text = str(doc.attributes[key])
    if notes:
        notes_el = etree.SubElement(root, _NS + "Notes")
        for memo in notes:
            note = etree.SubElement(notes_el, _NS + "Note", guid=_guid("memo", str(memo.id)), name=memo.text[:60],
                                    creatingUser=_guid("user", memo.coder), creationDateTime=_when(memo.created_at))
            etree.SubElement(note, _NS + "PlainTextContent").text = memo.text
    qde = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", qde)
        for source_guid, text in texts.items():
            archive.writestr(f"sources/{source_guid}.txt", text.encode("utf-8"))
        for source_guid, text in marked.items():
            archive.writestr(f"sources/{source_guid}{_MARKED}", text.encode("utf-8"))
    return len(accepted) + len(resolved)


def _add_resolutions(source: etree._Element, resolved: list[appl.AppliedCode], segments: dict[int, CodingSegmentRow],
                     codebook: Codebook, shown: ShownText) -> None:
    """The coding in force where a lead resolved coders' disagreement: one selection per segment by
    the lead, its ``Description`` the resolution's note, a ``Coding`` per code that applies. Each
    coder's own codings stay beside it with their attribution; offsets are into ``shown``'s text."""
    by_segment: dict[int, list[appl.AppliedCode]] = {}
    for a in resolved:
        by_segment.setdefault(a.segment_id, []).append(a)
    for seg_id, codes in sorted(by_segment.items(), key=lambda kv: (segments[kv[0]].start, kv[0])):
        seg, first = segments[seg_id], codes[0]
        selection = etree.SubElement(
            source, _NS + "PlainTextSelection", guid=_guid("resolution", f"{seg_id}:{first.coder}"),
            name=shown_text(seg.text)[:60], startPosition=str(shown.shown(seg.start)),
            endPosition=str(shown.shown(seg.end)), creatingUser=_guid("user", first.coder),
            creationDateTime=_when(first.decided_at))
        etree.SubElement(selection, _NS + "Description").text = _resolution_text(first.coder, first.note or "")
        for a in sorted(codes, key=lambda a: a.code_id):
            coding = etree.SubElement(selection, _NS + "Coding", guid=_guid("resolved", f"{seg_id}:{a.code_id}"),
                                      creatingUser=_guid("user", a.coder), creationDateTime=_when(a.decided_at))
            etree.SubElement(coding, _NS + "CodeRef", targetGUID=code_guid(codebook.get(a.code_id)))


def _resolution_text(lead: str, note: str) -> str:
    return f"resolved by {lead}: {note}"


@dataclass
class QdpxCoding:
    """One code applied to a span of a source, by a coder at a time."""

    source: int
    start: int
    end: int
    code_guid: str
    coder: str
    created_at: datetime | None


@dataclass
class QdpxMemo:
    """A note attached to a code (``code_guid``) or to a span of a source."""

    text: str
    coder: str
    created_at: datetime | None
    code_guid: str | None = None
    source: int = -1
    start: int = 0
    end: int = 0


@dataclass
class QdpxResolution:
    """A lead's resolution of coders' disagreement on a span, as triage exports it: the codes that apply."""

    source: int
    start: int
    end: int
    code_guids: list[str]
    lead: str
    note: str
    created_at: datetime | None


@dataclass
class QdpxProject:
    """What a ``.qdpx`` holds that triage keeps: sources (name, text, attributes), codebook, codings,
    memos, and the resolutions of a file triage wrote."""

    codebook: Codebook
    sources: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    codings: list[QdpxCoding] = field(default_factory=list)
    memos: list[QdpxMemo] = field(default_factory=list)
    resolutions: list[QdpxResolution] = field(default_factory=list)


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if _local(c) == name]


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def read_qdpx(path: str | Path) -> QdpxProject:
    """Read a ``.qdpx`` file; InputError names the file (and the XML line) and what to do."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InputError(f"not a readable .qdpx (zip) file ({exc})", path=path,
                         hint="export the project again as REFI-QDA .qdpx") from exc
    with archive:
        members = {PurePosixPath(n).as_posix().lower(): n for n in archive.namelist()}
        qde_name = members.get("project.qde")
        if qde_name is None:
            raise InputError("no project.qde inside", path=path, hint="export the project again as REFI-QDA .qdpx")
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
        try:
            root = etree.fromstring(_keep_carriage_returns(archive.read(qde_name)), parser)
        except etree.XMLSyntaxError as exc:
            raise InputError(f"project.qde: invalid XML: {exc.msg}", path=path, line=exc.lineno) from exc
        if _local(root) != "Project":
            raise InputError(f"project.qde: root element is <{_local(root)}>, not <Project>", path=path,
                             hint="a .qdpx file holds a REFI-QDA project")
        users = {u.get("guid", "").upper().strip("{}"): u.get("name") or u.get("guid", "")
                 for users_el in _children(root, "Users") for u in _children(users_el, "User")}
        book_el = next(iter(_children(root, "CodeBook")), None)
        codes_el = next(iter(_children(book_el, "Codes")), None) if book_el is not None else None
        codebook = codebook_from_codes(codes_el, path) if codes_el is not None else Codebook([])
        variables = {v.get("guid", "").upper().strip("{}"): v.get("name") or ""
                     for vs in _children(root, "Variables") for v in _children(vs, "Variable")}
        project = QdpxProject(codebook)
        notes = {}
        for notes_el in _children(root, "Notes"):
            for note in _children(notes_el, "Note"):
                content = next(iter(_children(note, "PlainTextContent")), None)
                who = (note.get("creatingUser") or "").upper().strip("{}")
                notes[(note.get("guid") or "").upper().strip("{}")] = (
                    _unix_line_breaks(content.text or "")[0] if content is not None else "", users.get(who, who or "unknown"),
                    _parse_time(note.get("creationDateTime")))

        def memo(ref: etree._Element, **where: Any) -> None:
            found = notes.get((ref.get("targetGUID") or "").upper().strip("{}"))
            if found is not None and found[0].strip():
                project.memos.append(QdpxMemo(*found, **where))

        if codes_el is not None:
            for code_el in codes_el.iter(_NS + "Code"):
                for ref in _children(code_el, "NoteRef"):
                    memo(ref, code_guid=(code_el.get("guid") or "").upper().strip("{}"))
        for sources_el in _children(root, "Sources"):
            for source in _children(sources_el, "TextSource"):
                raw = _source_text(archive, members, source, path)
                text, position = _with_marks(archive, members, source, *_unix_line_breaks(raw))
                attributes = {}
                for value in _children(source, "VariableValue"):
                    ref = next(iter(_children(value, "VariableRef")), None)
                    text_value = next(iter(_children(value, "TextValue")), None)
                    key = variables.get((ref.get("targetGUID") or "").upper().strip("{}"), "") if ref is not None else ""
                    if key and text_value is not None and text_value.text:
                        attributes[key] = text_value.text
                index = len(project.sources)
                project.sources.append((source.get("name") or f"source {index + 1}", text, attributes))
                for selection in _children(source, "PlainTextSelection"):
                    try:
                        start, end = int(selection.get("startPosition", "")), int(selection.get("endPosition", ""))
                        start, end = position(start), position(end)
                    except ValueError:
                        raise InputError("project.qde: a selection without whole-number positions", path=path,
                                         line=selection.sourceline) from None
                    for ref in _children(selection, "NoteRef"):
                        memo(ref, source=index, start=start, end=end)
                    resolution = _read_resolution(selection, users, index, start, end)
                    if resolution is not None:
                        project.resolutions.append(resolution)
                        continue
                    for coding in _children(selection, "Coding"):
                        ref = next(iter(_children(coding, "CodeRef")), None)
                        who = coding.get("creatingUser") or selection.get("creatingUser") or ""
                        if ref is not None:
                            project.codings.append(QdpxCoding(
                                index, start, end, (ref.get("targetGUID") or "").upper().strip("{}"),
                                users.get(who.upper().strip("{}"), who or "unknown"),
                                _parse_time(coding.get("creationDateTime") or selection.get("creationDateTime"))))
    return project


def _read_resolution(selection: etree._Element, users: dict[str, str], source: int, start: int,
                     end: int) -> QdpxResolution | None:
    """The lead's resolution if ``selection`` is one triage wrote (its Description names its creating user)."""
    description = next(iter(_children(selection, "Description")), None)
    found = _RESOLUTION.fullmatch((description.text or "") if description is not None else "")
    who = (selection.get("creatingUser") or "").upper().strip("{}")
    if found is None or users.get(who) != found["lead"]:
        return None
    guids = [(ref.get("targetGUID") or "").upper().strip("{}")
             for coding in _children(selection, "Coding") for ref in _children(coding, "CodeRef")]
    return QdpxResolution(source, start, end, guids, found["lead"], found["note"],
                          _parse_time(selection.get("creationDateTime")))


#: A ``PlainTextContent`` element (any prefix; not an empty one) with its content, and a CDATA section.
_CONTENT = re.compile(rb"(<(?:[\w.-]+:)?PlainTextContent\b[^>]*(?<!/)>)(.*?)(</(?:[\w.-]+:)?PlainTextContent\s*>)",
                      re.DOTALL)
_CDATA = re.compile(rb"(<!\[CDATA\[.*?\]\]>)", re.DOTALL)


def _keep_carriage_returns(qde: bytes) -> bytes:
    """``project.qde`` with each carriage return inside a ``PlainTextContent`` written as ``&#13;``.

    Why: an XML parser turns every CRLF of the file into LF before anyone sees the text (XML 1.0,
    2.11; lxml has no option against it), but a source written on Windows counts each \r in its
    selections' positions. A character reference survives, so the text keeps its CRLFs for
    :func:`_unix_line_breaks` to map, as for a source in its own file. Hand-written on the bytes
    for that reason; inside a CDATA section the reference is put between two sections.
    """
    if b"\r" not in qde:
        return qde

    def content(match: re.Match[bytes]) -> bytes:
        parts = _CDATA.split(match.group(2))
        kept = [part.replace(b"\r", b"]]>&#13;<![CDATA[") if part.startswith(b"<![CDATA[")
                else part.replace(b"\r", b"&#13;") for part in parts]
        return match.group(1) + b"".join(kept) + match.group(3)

    return _CONTENT.sub(content, qde)


def _unix_line_breaks(raw: str) -> tuple[str, Callable[[int], int]]:
    """The text with CRLF line breaks as LF, and a map of positions in ``raw`` to positions in it.

    Why: a source written on Windows (NVivo, MAXQDA) has CRLF breaks and the file's selections
    count each \r; the stored text has \n alone, as every imported document does.
    """
    breaks = [match.start() for match in re.finditer("\r\n", raw)]
    return raw.replace("\r\n", "\n"), lambda position: position - bisect.bisect_left(breaks, position)


def _with_marks(archive: zipfile.ZipFile, members: dict[str, str], source: etree._Element, text: str,
                position: Callable[[int], int]) -> tuple[str, Callable[[int], int]]:
    """The stored text of a source triage wrote with its Markdown marks, and positions moved onto it;
    ``text`` and ``position`` as they are for any other source, or where that text is not ours unchanged.

    A position where marks were taken out goes before them: a heading or a block quotation starts at
    its mark (a span from a coder that starts after one is moved there by :func:`_segments_for`).
    """
    where = source.get("plainTextPath") or ""
    stem = PurePosixPath(where[len(_INTERNAL):]).stem if where.startswith(_INTERNAL) else ""
    member = members.get(f"sources/{stem}{_MARKED}".lower()) if stem else None
    if member is None:
        return text, position
    try:
        shown = ShownText.of(archive.read(member).decode("utf-8"))
    except UnicodeDecodeError:
        return text, position
    if shown.text != text:  # edited since: the plain text is what the selections count
        return text, position
    return shown.stored, lambda at: shown.stored_span(position(at))[0]


def _source_text(archive: zipfile.ZipFile, members: dict[str, str], source: etree._Element, path: Path) -> str:
    content = next(iter(_children(source, "PlainTextContent")), None)
    if content is not None:
        return content.text or ""
    where = source.get("plainTextPath") or ""
    if not where.startswith(_INTERNAL):
        raise InputError(f"source {source.get('name')!r}: its text is outside the file ({where or 'no path'})",
                         path=path, line=source.sourceline, hint="export the project with its sources embedded")
    member = members.get(f"sources/{where[len(_INTERNAL):]}".lower())
    if member is None:
        raise InputError(f"source {source.get('name')!r}: {where} is missing from the file", path=path,
                         line=source.sourceline, hint="export the project again with its sources")
    try:
        return archive.read(member).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"source {source.get('name')!r}: not UTF-8 text", path=path) from exc


@dataclass
class QdpxImport:
    """What an import did: documents and codings stored, selections across paragraphs moved to
    sentence bounds, leads' resolutions stored as resolutions, and those kept as a memo because the
    coders' disagreement they settled did not come back (a coder who applied no code there leaves
    nothing in the file)."""

    documents: int
    codings: int
    widened: int
    resolutions: int = 0
    resolutions_as_memos: int = 0
    #: Codings of a heading alone (or of no text): not coded here, a heading is its segments' section.
    left_out: int = 0


def import_qdpx(session: Session, nlp: Language, project: QdpxProject, *, path: str | Path,
                coder: str) -> QdpxImport:
    """Store a read ``.qdpx`` in the caller's transaction: its codebook replaces the project's
    (codes matched by GUID keep their ids), its sources become documents, its codings accepts
    by their coders at their times. ``coder`` signs the codebook import."""
    codebook = adopt_ids(project.codebook, store.load_codebook(session))
    store.save_codebook(session, codebook, coder, imported_from=Path(path).name)
    by_guid = {code_guid(c).upper().strip("{}"): c.id for c in codebook.codes()}
    doc_ids = []
    for name, text, attributes in project.sources:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        document = DocumentText(f"{Path(path).name}#{name}", "qdpx", text, digest)
        row = store.import_document(session, nlp, document, study=name, attributes=attributes)
        doc_ids.append(row.id)
    widened = written = left_out = 0
    for coding in project.codings:
        code_id = by_guid.get(coding.code_guid)
        if code_id is None:
            raise InputError(f"a coding refers to code {coding.code_guid}, which is not in the codebook", path=path,
                             hint="export the project again with its codebook")
        targets, exact = _segments_for(session, doc_ids[coding.source], coding.start, coding.end)
        widened += not exact and bool(targets)
        left_out += not targets
        for seg_id in targets:
            decision = appl.record_code_decision(session, codebook, seg_id, code_id, "accept", coder=coding.coder,
                                                 allocated_only=False, theme_ok=True)
            if coding.created_at is not None:
                decision.created_at = coding.created_at
            written += 1
    for note in project.memos:
        if note.code_guid is not None:
            target: dict[str, Any] = {"code_id": by_guid.get(note.code_guid)}
            if target["code_id"] is None:
                continue
        else:
            ids, _ = _segments_for(session, doc_ids[note.source], note.start, note.end, headings=True)
            if not ids:
                continue
            target = {"segment_id": ids[0]}
        memo_row = store.add_memo(session, codebook, note.text, coder=note.coder, **target)
        if note.created_at is not None:
            memo_row.created_at = note.created_at
    session.flush()
    resolved = as_memos = 0
    for resolution in project.resolutions:
        codes = [by_guid[g] for g in resolution.code_guids if g in by_guid]
        targets, _ = _segments_for(session, doc_ids[resolution.source], resolution.start, resolution.end)
        for seg_id in targets[:1]:
            try:
                with session.begin_nested():
                    resolve_coding_disagreement(session, codebook, seg_id, codes, lead=resolution.lead,
                                                note=resolution.note or "(no note in the file)",
                                                created_at=resolution.created_at)
                resolved += 1
            except DecisionError:
                names = ", ".join(codebook.get(c).name for c in codes) or "no code"
                store.add_memo(session, codebook, f"{_resolution_text(resolution.lead, resolution.note)} ({names})",
                               coder=resolution.lead, segment_id=seg_id)
                as_memos += 1
    session.flush()
    return QdpxImport(len(doc_ids), written, widened, resolved, as_memos, left_out)


def _segments_for(session: Session, document_id: int, start: int, end: int, *,
                  headings: bool = False) -> tuple[list[int], bool]:
    """Segment ids for a selection: the segment with exactly its span (sentence first), else a span
    inside the sentence or paragraph that holds it, else (a selection across paragraphs) the
    sentences at least half inside it, else the sentence it overlaps most. A heading is not coded (its selection gets none) but takes memos."""
    rows = [s for s in store.document_segments(session, document_id) if headings or s.kind != "heading"]
    exact = [s for s in rows if (s.start, s.end) == (start, end)]
    if exact:
        return [min(exact, key=lambda s: s.kind != "sentence").id], True
    holders = [s for s in rows if s.kind in ("sentence", "paragraph") and s.start <= start < end <= s.end]
    if holders:
        holder = min(holders, key=lambda s: s.end - s.start)
        marks = ShownText.of(holder.text)  # a span of a line's words starts after that line's Markdown mark
        at = marks.stored_span(marks.shown(start - holder.start))[1]
        return [store.add_span(session, holder.id, span=(at, end - holder.start)).id], True
    sentences = [s for s in rows if s.kind == "sentence"]

    def overlap(s: CodingSegmentRow) -> int:
        return max(0, min(end, s.end) - max(start, s.start))

    covered = [s.id for s in sentences if overlap(s) * 2 >= s.end - s.start > 0]
    if covered:
        return covered, False
    best = max(sentences, key=overlap, default=None)
    return ([best.id] if best is not None and overlap(best) > 0 else []), False

