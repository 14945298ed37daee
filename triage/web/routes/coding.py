"""Coding: a document's results text with its segments, suggested codes, the code tree.

Calls the coding library (:mod:`triage.coding`). Suggestions come from the coder's
own accepts and rejects so far (the model is refitted per request: a few ms plus
encoding the code texts), so a decision shapes the next suggestion at once; the coder's
project map is refitted in the background when due (:meth:`CodingModels.refresh_map`). The
sentence encoder is loaded once per app, on first use (:class:`CodingModels`).
Keys (``static/coding.js``): ``j``/``k`` next/previous segment, ``1``-``3`` accept a
suggestion, ``x`` reject the first, ``c`` pick another code, ``n`` new code.
"""

from __future__ import annotations

import csv
import io
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from triage.coding.codebook import Code, Codebook, slugify
from triage.embeddings import Encoder, load_encoder
from triage.errors import DecisionError, TriageError
from triage.store import code_decisions as appl
from triage.store import coding as store
from triage.store.coding_in_force import rows_in_force
from triage.store.coding_team import segments_to_code
from triage.store.db import Project, Session, StoreUnavailable
from triage.store.schema_coding import CodingDocumentRow, CodingSegmentRow
from triage.web.context import context_of, reviewer_of
from triage.web.markdown import markdown_blocks
from triage.web.routes.reviewer import require_reviewer

__all__ = ["SUGGESTIONS", "CodingModels", "MemoEncoder", "router"]

router = APIRouter()

#: Codes suggested per segment (keys 1-3 accept them).
SUGGESTIONS = 3


class MemoEncoder(Encoder):
    """An encoder that remembers the vectors of texts it has seen.

    ``build_suggester`` encodes every code's name, description and examples on each
    call (so edits count at once); across requests those texts rarely change, so
    remembering them saves most of a suggestion's time. Bounded: cleared past ``limit``.
    """

    def __init__(self, inner: Encoder, limit: int = 20000) -> None:
        super().__init__(model=None, name=inner.name)
        self._inner = inner
        self._limit = limit
        self._memo: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._memo]
            if missing:
                if len(self._memo) + len(missing) > self._limit:
                    self._memo.clear()
                vectors = self._inner.encode(missing, batch_size=batch_size, progress=progress)
                self._memo.update(zip(missing, vectors, strict=True))
            if not texts:
                return np.zeros((0, self.dimension), dtype=np.float32)
            return np.vstack([self._memo[t] for t in texts])


class CodingModels:
    """The sentence encoder for code suggestions, loaded once per app (~2-5 s): on first use,
    or ahead of it by :meth:`warm_up` when the server starts on a project with coding."""

    def __init__(self, project: Project, encoder: Encoder | None = None) -> None:
        self.project = project
        self._lock = threading.Lock()
        self._encoder: Encoder | None = MemoEncoder(encoder) if encoder is not None else None
        #: Set once a warm-up has finished (or found nothing to warm).
        self.warmed = threading.Event()
        self._closing = threading.Event()
        self._vectors_lock = threading.Lock()
        self._maps_lock = threading.Lock()
        self._maps_wanted: set[str] = set()
        self._maps_thread: threading.Thread | None = None
        self._warm_thread: threading.Thread | None = None

    def warm_up(self) -> threading.Thread:
        """Build a suggester once in the background: the encoder, spaCy and the project's word
        index are then ready before the first coder opens the coding page (after a start on the
        demo project that page took 11 s, every later one 0.1 s). A project without coded
        documents or codes loads nothing."""
        # Not a daemon, said explicitly (a thread inherits daemon from the thread that starts it,
        # and the app may start in one): the interpreter waits for it at exit. A daemon thread
        # still inside torch when the interpreter exits aborts the process ("terminate called
        # without an active exception", exit 134); a server stopped during the warm-up waits.
        thread = threading.Thread(target=self._warm, name="coding-warm-up", daemon=False)
        self._warm_thread = thread
        thread.start()
        return thread

    def ready_vectors(self, codebook: Codebook | None = None) -> None:
        """Store a vector for every sentence, span and code text that has none
        (:func:`~triage.coding.learn.store_missing_vectors`, outside any transaction of the
        caller's); without codes, nothing (no model is loaded). ``codebook``: the one the caller
        read (else read here). One thread at a time, so a request and the warm-up never encode
        the same texts twice."""
        from triage.coding.learn import store_missing_vectors

        with self._vectors_lock:
            if codebook is None:
                with self.project.reading() as session:
                    codebook = store.load_codebook(session)
            if not codebook.codable():
                return
            store_missing_vectors(self.project, self.encoder(), codebook)

    def _warm(self) -> None:
        from triage.coding.learn import build_suggester

        try:
            with self.project.reading() as session:
                wanted = bool(store.documents(session)) and bool(store.load_codebook(session).codable())
            if wanted and not self._closing.is_set():
                self.ready_vectors()
                if self._closing.is_set():
                    return  # the server is stopping: close() waits for this thread, so stop early
                with self.project.reading() as session:  # every vector is stored: nothing to write
                    build_suggester(session, store.load_codebook(session), self.encoder())
        except TriageError:
            pass  # the first coding page meets the same problem and says it
        except Exception:
            if not self._closing.is_set():
                raise
            # The server stopped (and closed the store) while the warm-up ran: nothing to warm.
        finally:
            self.warmed.set()

    def refresh_map(self, coder: str) -> None:
        """Refit ``coder``'s project map in the background when it is due
        (:func:`~triage.coding.learn.refit_project_map`: a quarter of a second to seconds, more than a
        page may take); pages meanwhile suggest in the map kept before, so a suggestion lags the
        newest accepts by one refit at most. One refit at a time; coders asking meanwhile are
        served after it."""
        with self._maps_lock:
            self._maps_wanted.add(coder)
            if self._maps_thread is not None or self._closing.is_set():
                return
            # Not a daemon, for the reason given in warm_up.
            self._maps_thread = threading.Thread(target=self._refit_maps, name="coding-map", daemon=False)
            self._maps_thread.start()

    def _refit_maps(self) -> None:
        from triage.coding.learn import refit_project_map

        try:
            while True:
                with self._maps_lock:
                    if not self._maps_wanted or self._closing.is_set():
                        return
                    coder = self._maps_wanted.pop()
                try:
                    # The page that asked ran ready_vectors first: every vector is stored.
                    refit_project_map(self.project, self.encoder(), coder, vectors_ready=True)
                except TriageError:
                    pass  # the coding page meets the same problem and says it
                except StoreUnavailable:
                    pass  # the store was busy past its timeout (a long write elsewhere): the next page asks again
                except Exception:
                    if not self._closing.is_set():
                        raise
                    return  # the server stopped (and closed the store) during the fit
        finally:
            with self._maps_lock:
                self._maps_thread = None

    def close(self) -> None:
        """The server is stopping: a warm-up still running stops after its current step and a map
        being refitted is finished (seconds at most), both waited for, then no other starts.

        Waited for before the store closes: a connection one of them holds while the engine is
        disposed goes back to a pool nobody closes, and psycopg warns when the garbage collector
        closes it (the ResourceWarning once seen in CI)."""
        self._closing.set()
        with self._maps_lock:
            running = self._maps_thread
        for thread in (self._warm_thread, running):
            if thread is not None:
                thread.join(timeout=30)

    def encoder(self) -> Encoder:
        with self._lock:
            if self._encoder is None:
                loaded = load_encoder(self.project.get_setting("embedding_model"))  # type: ignore[arg-type]
                self._encoder = MemoEncoder(loaded)
            return self._encoder


def _models(request: Request) -> CodingModels:
    models: CodingModels = context_of(request).coding
    return models


def _perspective(document: CodingDocumentRow, segment: CodingSegmentRow) -> str:
    return str(store.segment_attributes(document, segment).get("perspective", ""))


def _parts(document: CodingDocumentRow, segments: list[CodingSegmentRow]) -> list[tuple[str, CodingSegmentRow | None]]:
    """The document's text cut into sentence segments and the text between them (escaped by Jinja)."""
    parts: list[tuple[str, CodingSegmentRow | None]] = []
    cursor = 0
    for seg in sorted(segments, key=lambda s: s.start):
        if seg.start < cursor:
            continue
        if seg.start > cursor:
            parts.append((document.text[cursor:seg.start], None))
        parts.append((document.text[seg.start:seg.end], seg))
        cursor = seg.end
    parts.append((document.text[cursor:], None))
    return parts


def _spans(every: list[CodingSegmentRow], sentences: list[CodingSegmentRow]) -> dict[int, list[CodingSegmentRow]]:
    """The document's coded spans by the sentence each starts in (shown beside that sentence)."""
    out: dict[int, list[CodingSegmentRow]] = {}
    for span in sorted((s for s in every if s.kind == "span"), key=lambda s: (s.start, s.end)):
        holder = next((s for s in sentences if s.start <= span.start < s.end), None)
        if holder is not None:
            out.setdefault(holder.id, []).append(span)
    return out


def _where(document: CodingDocumentRow, segment: CodingSegmentRow) -> dict[str, Any]:
    """The section heading and page a paper's segment stands under (kept by ``triage code import``)."""
    attributes = store.segment_attributes(document, segment)
    return {k: attributes[k] for k in ("section", "page") if attributes.get(k) not in (None, "")}


def _tree(codebook: Codebook) -> list[tuple[Code, int]]:
    return [(code, depth) for code, _, depth in codebook.walk()]


def _suggest(session: Session, models: CodingModels, codebook: Codebook, segment: CodingSegmentRow,
             coder: str) -> list[Any]:
    from triage.coding.learn import build_suggester, segment_vectors

    encoder = models.encoder()  # its vectors were readied before the page's transaction began
    model = build_suggester(session, codebook, encoder, coder=coder)
    return list(model.suggest(segment_vectors(session, encoder, [segment.id]), k=SUGGESTIONS)[0])


@router.get("/coding", response_class=HTMLResponse)
def coding_page(request: Request, document: int | None = None, segment: int | None = None,
                perspective: str = "") -> Response:
    ctx = context_of(request)
    coder = reviewer_of(request)
    # The codebook is read once: the vectors readied and the page below use the same one (read again in the
    # page's transaction, a codebook edited in between would have texts without vectors, encoded in it).
    with ctx.project.reading() as session:
        codebook = store.load_codebook(session)
    if coder:
        _models(request).ready_vectors(codebook)  # before the transaction: see CodingModels.ready_vectors
        _models(request).refresh_map(coder)
    with ctx.project.transaction() as session:  # stores a vector only if one appeared since
        docs = store.documents(session)
        perspectives = sorted({p for d in docs for s in store.sentence_segments(session, d.id)
                               if (p := _perspective(d, s))})
        if perspective:
            docs = [d for d in docs if any(_perspective(d, s) == perspective
                                           for s in store.sentence_segments(session, d.id))]
        doc = next((d for d in docs if d.id == document), docs[0] if docs else None)
        segments = store.sentence_segments(session, doc.id) if doc else []
        visible = [s for s in segments if not perspective or _perspective(doc, s) == perspective]  # type: ignore[arg-type]
        current = next((s for s in visible if s.id == segment), None)
        applied: dict[int, list[str]] = {}
        rejected: set[tuple[int, str]] = set()
        if coder:
            for d in appl.current_code_decisions(session, codebook, coder):
                if d.decision == "accept":
                    applied.setdefault(d.segment_id, []).append(d.code_id)
                elif d.decision == "reject":
                    rejected.add((d.segment_id, d.code_id))
        if current is None and visible:  # the coder's next segment: their allocation's, not coded yet
            mine = {s.id for s in segments_to_code(session, codebook, coder)} if coder else set()
            current = next((s for s in visible if s.id in mine), visible[0])
        suggestions = []
        if current is not None and coder and codebook.codable():
            suggestions = _suggest(session, _models(request), codebook, current, coder)
        ids = [s.id for s in visible]
        at = ids.index(current.id) if current is not None else -1
        spans = _spans(store.document_segments(session, doc.id) if doc else [], segments)
        context = {
            "docs": docs, "doc": doc, "blocks": markdown_blocks(doc.text, _parts(doc, segments)) if doc else [], "visible": set(ids),
            "current": current, "applied": applied, "rejected": rejected, "suggestions": suggestions,
            "names": {c.id: c.name for c in codebook.codes()}, "tree": _tree(codebook),
            "codable": codebook.codable(), "themes": [c for c in codebook.codes() if not c.codable],
            "perspective": perspective, "perspectives": perspectives,
            "current_perspective": _perspective(doc, current) if doc and current else "",
            "where": _where(doc, current) if doc and current else {}, "spans_in": spans,
            "spans_here": [sp for sp in sorted((sp for group in spans.values() for sp in group), key=lambda sp: sp.start)
                           if current is not None and sp.paragraph == current.paragraph],
            "previous": ids[at - 1] if at > 0 else None, "next": ids[at + 1] if 0 <= at < len(ids) - 1 else None,
        }
        return ctx.templates.TemplateResponse(request, "coding.html", context)


def _back(document: int, segment: int, perspective: str) -> RedirectResponse:
    query = f"/coding?document={document}&segment={segment}" + (f"&perspective={perspective}" if perspective else "")
    return RedirectResponse(query, status_code=303)


@router.post("/coding/decide")
def coding_decide(
    request: Request,
    segment_id: Annotated[int, Form()],
    code_id: Annotated[str, Form()],
    decision: Annotated[str, Form()],
    score: Annotated[float | None, Form()] = None,
    rank: Annotated[int | None, Form()] = None,
    reason: Annotated[str, Form()] = "",
    perspective: Annotated[str, Form()] = "",
    back: Annotated[int | None, Form()] = None,
) -> Response:
    """Accept, reject or retract one code on one segment (appended; what was suggested is kept).

    ``back`` is the sentence to show next when the segment is a span inside it.
    """
    coder = require_reviewer(request)
    ctx = context_of(request)
    with ctx.project.transaction() as session:
        codebook = store.load_codebook(session)
        appl.record_code_decision(session, codebook, segment_id, code_id, decision, coder=coder, score=score,
                                  rank=rank, reason=reason or None)
        document_id = store.segments_by_id(session, [segment_id])[segment_id].document_id
    return _back(document_id, back or segment_id, perspective)


@router.post("/coding/span")
def coding_span(
    request: Request,
    segment_id: Annotated[int, Form()],
    code_id: Annotated[str, Form()],
    quote: Annotated[str, Form()] = "",
    start: Annotated[str, Form()] = "",
    end: Annotated[str, Form()] = "",
    perspective: Annotated[str, Form()] = "",
) -> Response:
    """Apply a code to the words selected in a segment (``start``/``end`` within its text when
    the page could count them, else the ``quote``), as ``triage code accept --span/--quote``."""
    coder = require_reviewer(request)
    span = (int(start), int(end)) if start.strip().isdigit() and end.strip().isdigit() else None
    if span is None and not quote.strip():
        raise DecisionError("select the words to code", hint="select them in the text, or type them under "
                                                             "'Selected words'")
    ctx = context_of(request)
    with ctx.project.transaction() as session:
        codebook = store.load_codebook(session)
        selected = store.add_selection(session, segment_id, quote=None if span else quote, span=span)
        appl.record_code_decision(session, codebook, selected.id, code_id, "accept", coder=coder,
                                  reason="words selected on the coding page")
        document_id = selected.document_id
    return _back(document_id, segment_id, perspective)


@router.post("/coding/codes")
def coding_new_code(
    request: Request,
    name: Annotated[str, Form()],
    segment_id: Annotated[int, Form()],
    parent: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    apply: Annotated[str, Form()] = "",
    perspective: Annotated[str, Form()] = "",
) -> Response:
    """Add a code to the tree (with history) and, if asked, apply it to the current segment."""
    coder = require_reviewer(request)
    name = " ".join(name.split())
    if not name:
        raise DecisionError("a new code needs a name", hint="type the code's name")
    ctx = context_of(request)
    with ctx.project.transaction() as session:
        codebook = store.load_codebook(session)
        code = codebook.add(Code(id=slugify(name), name=name, description=description.strip() or None),
                            parent or None)
        store.save_codebook(session, codebook, coder)
        if apply:
            appl.record_code_decision(session, codebook, segment_id, code.id, "accept", coder=coder,
                                      reason="new code made while coding")
        document_id = store.segments_by_id(session, [segment_id])[segment_id].document_id
    return _back(document_id, segment_id, perspective)


@router.post("/coding/attributes")
def coding_attributes(
    request: Request,
    segment_id: Annotated[int, Form()],
    value: Annotated[str, Form()],
    perspective: Annotated[str, Form()] = "",
) -> Response:
    """Set the perspective of one segment (e.g. a practitioner quoted in a parents' study)."""
    require_reviewer(request)
    ctx = context_of(request)
    with ctx.project.transaction() as session:
        store.set_attributes(session, {"perspective": value.strip()}, segment_ids=[segment_id])
        document_id = store.segments_by_id(session, [segment_id])[segment_id].document_id
    return _back(document_id, segment_id, perspective)


#: Codebook formats offered for download, as ``triage codebook export FILE.<suffix>``.
CODEBOOK_FORMATS: dict[str, str] = {
    "json": "application/json", "toml": "application/toml", "csv": "text/csv", "qdc": "application/xml",
}


def _download(body: str | bytes, name: str, media_type: str) -> Response:
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@router.get("/export/codebook.{fmt}")
def export_codebook(request: Request, fmt: str) -> Response:
    """The codebook as ``triage codebook export`` writes it (REFI-QDA ``.qdc`` included)."""
    from triage.coding.codebook_io import write_codebook
    from triage.web.errors import NotFoundError

    if fmt not in CODEBOOK_FORMATS:
        raise NotFoundError(f"no codebook format {fmt!r}", hint=f"use one of: {', '.join(CODEBOOK_FORMATS)}")
    with context_of(request).project.reading() as session:
        codebook = store.load_codebook(session)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"codebook.{fmt}"
        write_codebook(codebook, path)
        body = path.read_bytes()
    return _download(body, f"codebook.{fmt}", CODEBOOK_FORMATS[fmt])


@router.get("/export/coded-segments.csv")
def export_coded_segments(request: Request, view: str = "") -> Response:
    """The coding in force, one row per coded segment and code, as ``triage code export``
    (:mod:`triage.store.coding_in_force`); ``?view=coders``: each coder's own rows, as ``--every-coder``."""
    with context_of(request).project.reading() as session:
        codebook = store.load_codebook(session)
        every = view == "coders"
        rows = appl.coded_rows(session, codebook) if every else rows_in_force(session, codebook).rows
    return _download(_csv(rows, appl.coded_columns(rows, in_force=not every)), "coded-segments.csv", "text/csv")


@router.get("/export/coded-counts.csv")
def export_coded_counts(request: Request) -> Response:
    """Coded segments in force per code, study and perspective, as ``triage code export --counts``."""
    with context_of(request).project.reading() as session:
        codebook = store.load_codebook(session)
        table = appl.count_table(rows_in_force(session, codebook).rows, codebook, by=("study", "perspective"))
    return _download(_csv(table, list(table[0]) if table else ["code_id"]), "coded-counts.csv", "text/csv")
