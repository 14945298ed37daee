"""``triage code ...`` and ``triage codebook ...``: coding results sections with suggestions.

Every code application is the coder's ``accept``; ``suggest`` only shows ranked codes
with reasons and logs what it showed.
"""

# spaCy, scikit-learn and the encoder are imported inside the commands that use them: CLI start-up time.
from __future__ import annotations

import csv
import json
import os
import re
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Column, Table

from triage.cli.acting import REVIEWER_ENV, act_as, acting_name
from triage.cli.app import app, console, sub_app
from triage.cli.layout import print_hanging
from triage.cli.options import ProjectOption, open_project
from triage.coding.codebook import Code, slugify
from triage.coding.codebook_io import adopt_ids, read_codebook, write_codebook
from triage.coding.documents import DocumentText, read_document
from triage.coding.fulltext.sections import RESULTS_ONLY
from triage.errors import DecisionError, TriageError
from triage.roles import Action
from triage.store import code_decisions as appl
from triage.store import coding as store
from triage.store.coding_team import codebook_history, segments_to_code
from triage.store.db import Project, Session

if TYPE_CHECKING:
    from triage.coding.codebook import Codebook
    from triage.embeddings import Encoder

code_app = sub_app("Code results sections: import, suggest, accept/reject, export, agreement.")
codebook_app = sub_app("Show, import, export and edit the project's codebook (with history).")
app.add_typer(code_app, name="code")
app.add_typer(codebook_app, name="codebook")

CoderOption = Annotated[str | None, typer.Option("--coder", help="Coder name (default: $TRIAGE_REVIEWER, else the 'reviewer' setting).")]


def _coder(project: Project, coder: str | None, action: Action = "code", what: str | None = None) -> str:
    """The acting coder's name; on a team project an active user whose role may do ``action``
    (restructuring the codebook, ``codebook``, is a lead's: it moves every coder's coding)."""
    return acting_name(project, coder, action, option="--coder",
                       what=what or ("a codebook change" if action == "codebook" else "a coding decision"))


def _encoder(project: Project) -> Encoder:
    """The project's encoder, loaded only if a vector is missing from the store (segment and code
    vectors are kept there): a suggestion then costs no model load."""
    from triage.embeddings import LazyEncoder

    return LazyEncoder(project.get_setting("embedding_model"))  # type: ignore[arg-type]


def _attrs(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise DecisionError(f"attribute {pair!r} is not KEY=VALUE", hint="write e.g. perspective=parent")
        out[key.strip()] = value.strip()
    return out


@code_app.command("import")
def import_cmd(
    files: Annotated[list[Path], typer.Argument(help="Papers (.pdf, JATS .xml, .html, .md: the results section is kept) "
                                                     "or results-section text (.txt, .docx), or a REFI-QDA project "
                                                     "(.qdpx: sources, codebook and coding).")],
    study: Annotated[str | None, typer.Option(help="Study label for exports (default: file name).")] = None,
    record: Annotated[int | None, typer.Option(help="Record id of the included study.")] = None,
    attr: Annotated[list[str] | None, typer.Option(help="Document attribute KEY=VALUE, e.g. perspective=parent.")
                    ] = None,
    from_heading: Annotated[str | None, typer.Option(
        help="Papers: keep from this heading on (instead of the results heading found).")] = None,
    to_heading: Annotated[str | None, typer.Option(
        help="Papers: stop before this heading (instead of the next section at the results' level).")] = None,
    whole: Annotated[bool, typer.Option("--whole", help="Papers: keep every section, not only the results.")
                     ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the headings and the span kept; store nothing.")
                       ] = False,
    replace: Annotated[bool, typer.Option("--replace", help="Import a file again (e.g. with other boundaries) in "
                                          "place of its earlier import, which nobody has coded yet.")] = False,
    hide_coded: Annotated[bool, typer.Option(
        "--hide-coded", help=".qdpx: import even where its codebook lacks codes with coded segments here (their "
        "coding leaves exports, counts and the synthesis; kept, back when those codes are).")] = False,
    coder: CoderOption = None,
    project: ProjectOption = None,
) -> None:
    """Import results-section text, split into paragraphs and sentences; from a paper, its results section."""
    from triage.text import load_nlp

    with open_project(project) as proj:
        attributes = _attrs(attr or [])
        loaded: list[Any] = []

        def nlp() -> Any:  # spaCy only for what is stored (a --dry-run reads and shows, ~0.3 s and up saved)
            if not loaded:
                loaded.append(load_nlp(proj.get_setting("spacy_pipeline")))  # type: ignore[arg-type]
            return loaded[0]

        for path in files:
            if path.suffix.lower() == ".qdpx":
                if dry_run:
                    console.print(f"{escape(path.name)}: a REFI-QDA project is imported whole (--dry-run shows papers)")
                    continue
                _import_qdpx(proj, nlp(), path, coder, hide_coded=hide_coded)
                continue
            doc = read_document(path, from_heading=from_heading, to_heading=to_heading, whole=whole)
            if doc.how and (dry_run or doc.how != RESULTS_ONLY):
                _show_boundaries(doc)
            if dry_run:
                continue
            with proj.transaction() as session:
                row = store.import_document(session, nlp(), doc, study=study, record_id=record, attributes=attributes,
                                            replace=replace)
                n = len(store.sentence_segments(session, row.id))
                console.print(f"document {row.id} ({escape(row.study)}): {n} sentences from {escape(path.name)}")
            for problem in doc.problems:
                console.print(f"[yellow]warning:[/] {escape(str(problem))}")


def _show_boundaries(doc: DocumentText) -> None:
    """The headings of a paper, kept or dropped, and the first and last words kept: to check before coding."""
    name = Path(doc.path).name
    console.print(f"{escape(name)}: {escape(doc.how)}")
    for entry in doc.outline:
        page = f"p.{entry.page}" if entry.page is not None else ""
        mark = "[green]kept[/]   " if entry.kept else "[dim]dropped[/]"
        console.print(f"  {mark} {page:>5} {escape(entry.heading)}")
    words = [w for w in doc.text.split() if not re.fullmatch(r"#{1,6}|>", w)]  # without Markdown marks
    if words:
        console.print(f"  kept text starts: {escape(' '.join(words[:8]))} ...")
        console.print(f"  kept text ends:   ... {escape(' '.join(words[-8:]))}")
    console.print("  correct with --from-heading/--to-heading or --whole; preview with --dry-run")


def _import_qdpx(proj: Project, nlp: Any, path: Path, coder: str | None, *, hide_coded: bool) -> None:
    from triage.coding.qdpx import import_qdpx, read_qdpx

    qdpx = read_qdpx(path)
    # Signs the codebook import only; on a team project the acting user, checked like any other edit.
    signer = act_as(proj, coder, "code") or coder or proj.get_setting("reviewer") or "refi-qda import"
    with proj.transaction() as session:
        if not hide_coded:  # its codebook replaces the project's
            _refuse_hiding_coding(session, adopt_ids(qdpx.codebook, store.load_codebook(session)), path,
                                  "import it into a new project (triage init)")
        done = import_qdpx(session, nlp, qdpx, path=path, coder=str(signer))
    console.print(f"{escape(path.name)}: {done.documents} document(s), {len(qdpx.codebook.codes())} code(s), "
                  f"{done.codings} coding(s) by their coders"
                  + (f", {done.resolutions} lead resolution(s)" if done.resolutions else ""))
    if done.resolutions_as_memos:
        console.print(f"[yellow]warning:[/] {escape(path.name)}: {done.resolutions_as_memos} lead resolution(s) "
                      "kept as memos on their segments: the coders' disagreement they settled is not in the file")
    if done.left_out:
        console.print(f"[yellow]warning:[/] {escape(path.name)}: {done.left_out} coding(s) of a heading alone left "
                      "out: a heading is the section of the segments under it, not coded")
    if done.widened:
        console.print(f"[yellow]warning:[/] {escape(path.name)}: {done.widened} selection(s) across paragraphs "
                      "were coded on the sentences they cover")


@code_app.command("documents")
def documents_cmd(project: ProjectOption = None) -> None:
    """List imported documents with their attributes."""
    with open_project(project) as proj, proj.reading() as session:
        rows = [(doc.id, doc.study, doc.record_id, len(store.sentence_segments(session, doc.id)),
                 ", ".join(f"{k}={v}" for k, v in sorted(doc.attributes.items())),  # as `code attr` takes them
                 len(doc.problems)) for doc in store.documents(session)]
    if console.width < _DOCUMENTS_TABLE_WIDTH:
        for doc_id, study, record_id, n, attributes, warnings in rows:
            print_hanging(f"{doc_id}: {study}" + (f" (record {record_id})" if record_id else "")
                          + f", {n} sentences" + (f", {attributes}" if attributes else "")
                          + (f", {warnings} warnings" if warnings else ""))
        return
    table = Table("id", "study", "record", "sentences", "attributes", "warnings")
    for doc_id, study, record_id, n, attributes, warnings in rows:
        table.add_row(str(doc_id), escape(study), str(record_id or ""), str(n), escape(attributes), str(warnings))
    console.print(table)


#: Below this many columns documents are listed one a line: six columns at 80 cut a study's
#: id ("study-a-hollis-20…", its year hidden).
_DOCUMENTS_TABLE_WIDTH = 100


@code_app.command("attr")
def attr_cmd(
    pairs: Annotated[list[str], typer.Argument(help="KEY=VALUE pairs (empty VALUE removes).")],
    document: Annotated[int | None, typer.Option(help="Set on this document (all its segments).")] = None,
    segment: Annotated[list[int] | None, typer.Option(help="Set on this segment (repeatable).")] = None,
    project: ProjectOption = None,
) -> None:
    """Set attributes such as perspective on a document or on single segments."""
    if document is None and not segment:
        raise DecisionError("say where to set attributes", hint="pass --document ID or --segment ID")
    with open_project(project) as proj, proj.transaction() as session:
        n = store.set_attributes(session, _attrs(pairs), document_id=document, segment_ids=segment or [])
    console.print(f"set on {n} item(s)")


@code_app.command("suggest")
def suggest_cmd(
    document: Annotated[int | None, typer.Option(help="Only this document.")] = None,
    segment: Annotated[list[int] | None, typer.Option(help="Only this segment (repeatable).")] = None,
    k: Annotated[int, typer.Option("-k", min=1, help="Codes suggested per segment.")] = 3,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Segments shown at most.")] = 10,
    all_segments: Annotated[bool, typer.Option("--all", help="Include segments you decided on already.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
    coder: CoderOption = None,
    project: ProjectOption = None,
) -> None:
    """Suggest codes for segments, learning from your accepts and rejects so far."""
    from triage.coding.learn import build_suggester, refit_project_map, segment_vectors

    with open_project(project) as proj:
        name = _coder(proj, coder)
        encoder = _encoder(proj)
        refit_project_map(proj, encoder, name)  # before the transaction: see store_missing_vectors
        with proj.transaction() as session:
            codebook = store.load_codebook(session)
            model = build_suggester(session, codebook, encoder, coder=name)
            segments = store.sentence_segments(session, document, segment or [])
            _refuse_unsuggested(session, [i for i in segment or [] if i not in {s.id for s in segments}])
            if not all_segments:  # the coder's own (their allocation's), not coded yet
                todo = {s.id for s in segments_to_code(session, codebook, name, document_id=document)}
                segments = [s for s in segments if s.id in todo]
            segments = segments[:limit]
            # No segment left: no vectors (asking the encoder would load it) and nothing to rank.
            suggestions = model.suggest(segment_vectors(session, encoder, [s.id for s in segments]), k=k) \
                if segments else []
            # The text is what the coder judges: it keeps a readable width (wrapping), as the reason does.
            table = Table(Column("segment", no_wrap=True), Column("text", min_width=_TEXT_WIDTH, ratio=3),
                          Column("score", no_wrap=True), Column("reason", min_width=_REASON_WIDTH, ratio=2),
                          show_lines=True)
            # Code ids are what `code accept` needs: never cut or wrapped, whatever the terminal width.
            code_width = max((len(s.code_id) for ranked in suggestions for s in ranked), default=4)
            table.add_column("code", no_wrap=True, overflow="ignore", min_width=code_width)
            for seg, ranked in zip(segments, suggestions):
                appl.record_suggestions(session, seg.id, ranked, model=f"{model.name}/{encoder.name}", coder=name)
                if as_json:  # JSON lines, one object per segment, as `triage next --json` prints
                    print(json.dumps({"segment_id": seg.id, "text": seg.text, "suggestions": [
                        {"code_id": s.code_id, "score": round(s.score, 4), "reason": s.reason} for s in ranked]},
                        ensure_ascii=False))
                    continue
                table.add_row(str(seg.id), escape(seg.text), "\n".join(s.shown_score for s in ranked),
                              "\n".join(escape(s.reason) for s in ranked), "\n".join(s.code_id for s in ranked))
        if not as_json:
            # Piped or redirected (no terminal: Rich assumes 80 columns), long code ids left the text a few
            # letters wide; there the table is as wide as its columns need. A terminal keeps its own width.
            wide = None if console.is_terminal else max(console.width, 16 + 8 + _TEXT_WIDTH + 6 + _REASON_WIDTH
                                                         + code_width)
            console.print(table if segments else "nothing left to code; pass --all to see coded segments", width=wide,
                          crop=False)


#: Columns ``code suggest`` gives the segment's text and the reasons at the least (characters).
_TEXT_WIDTH, _REASON_WIDTH = 40, 30


def _refuse_unsuggested(session: Session, asked: list[int]) -> None:
    """One line for a --segment that gets no suggestions: unknown, a heading, or a paragraph or span."""
    found = store.segments_by_id(session, asked)
    for seg_id in asked:
        seg = found.get(seg_id)
        if seg is None:
            raise store.unknown_segment(seg_id)
        if seg.kind == "heading":
            raise appl.heading_refused(seg_id, seg.text)
        raise DecisionError(f"segment {seg_id} is a {seg.kind}: codes are suggested for sentences",
                            hint="ask for one of its sentences (triage code next)")


def _decide(decision: str, segment_id: int, codes: list[str], coder: str | None, project: Path | None,
            span: str | None = None, quote: str | None = None) -> None:
    with open_project(project) as proj:
        name = _coder(proj, coder)
        with proj.transaction() as session:
            codebook = store.load_codebook(session)
            codes = [codebook.find(code) for code in codes]
            made = ""
            if span is not None or quote is not None:
                for code_id in codes:  # an unknown code is refused before a span is made (and announced)
                    codebook.get(code_id)
                selected = store.add_span(session, segment_id, span=_span(span) if span is not None else None,
                                          quote=quote)
                made = f"span {selected.id} in segment {segment_id}: {escape(selected.text)}"
                segment_id = selected.id
            for code_id in codes:
                shown = appl.last_suggestion(session, segment_id, codebook.resolve(code_id))
                appl.record_code_decision(session, codebook, segment_id, code_id, decision, coder=name,
                                          score=shown.score if shown else None, rank=shown.rank if shown else None,
                                          reason=shown.reason if shown else None)
        if made:  # only once the span is kept: the transaction above may still refuse the decision
            console.print(made)
        console.print(f"{decision}ed {', '.join(codes)} for segment {segment_id} ({escape(name)})")


def _span(text: str) -> tuple[int, int]:
    start, sep, end = text.partition(":")
    if not (sep and start.strip().isdigit() and end.strip().isdigit()):
        raise DecisionError(f"span {text!r} is not START:END", hint="give character offsets, e.g. --span 12:48")
    return int(start), int(end)


@code_app.command("accept")
def accept_cmd(segment_id: int, codes: Annotated[list[str], typer.Argument(help="Codes to apply (ids or names).")],
               span: Annotated[str | None, typer.Option(
                   help="Code only characters START:END of the segment's text (from 0, end excluded).")] = None,
               quote: Annotated[str | None, typer.Option(
                   help="Code only this text, which must occur once in the segment.")] = None,
               coder: CoderOption = None, project: ProjectOption = None) -> None:
    """Apply codes to a segment, or to a span inside it (your decision, recorded with your name and the time)."""
    _decide("accept", segment_id, codes, coder, project, span, quote)


@code_app.command("reject")
def reject_cmd(segment_id: int, codes: Annotated[list[str], typer.Argument(help="Suggested codes to refuse (ids or names).")],
               coder: CoderOption = None, project: ProjectOption = None) -> None:
    """Refuse suggested codes for a segment; the model learns them as negatives."""
    _decide("reject", segment_id, codes, coder, project)


@code_app.command("retract")
def retract_cmd(segment_id: int, codes: Annotated[list[str], typer.Argument(help="Codes (ids or names).")],
                coder: CoderOption = None, project: ProjectOption = None) -> None:
    """Withdraw your earlier accept or reject."""
    _decide("retract", segment_id, codes, coder, project)


def _write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


@code_app.command("export")
def export_cmd(
    out: Annotated[Path, typer.Argument(help="Coded segments CSV to write, or a REFI-QDA project (.qdpx) for NVivo, "
                                             "ATLAS.ti, MAXQDA and QualCoder.")],
    counts: Annotated[Path | None, typer.Option(help="Also write per code / study / perspective counts here.")] = None,
    coder: Annotated[str | None, typer.Option(help="Only this coder's applications.")] = None,
    every_coder: Annotated[bool, typer.Option(
        "--every-coder", help="Each coder's own applications (one row per coder), not the coding in force.")] = False,
    project: ProjectOption = None,
) -> None:
    """Export coded segments and their counts: the coding in force (where coders differ, a lead's
    resolution; codes still disputed are left out and counted), or one coder's or every coder's own."""
    from triage.store.coding_in_force import rows_in_force

    for path, kinds in ((out, (".csv", ".qdpx")), (counts, (".csv",))):
        if path is not None and path.suffix.lower() not in kinds:
            raise TriageError(f"{path}: 'code export' writes {' or '.join(kinds)} files, not "
                              f"{path.suffix or 'a file without a suffix'}",
                                           hint=f"name it {path.stem}.csv" + (
                                  f" (coded segments) or {path.stem}.qdpx (a REFI-QDA project for NVivo, ATLAS.ti, "
                                  "MAXQDA and QualCoder)" if ".qdpx" in kinds else ""))
    with open_project(project) as proj:
        if out.suffix.lower() == ".qdpx":
            from triage import __version__
            from triage.coding.qdpx import write_qdpx

            with proj.reading() as session:
                n = write_qdpx(session, store.load_codebook(session), out, name=proj.directory.name,
                               origin=f"triage {__version__}", coder=coder)
            console.print(f"wrote {n} coding(s) with their sources and codebook to {escape(str(out))}")
            return
        disputed: tuple[int, ...] = ()
        awaiting: tuple[int, ...] = ()
        with proj.reading() as session:
            codebook = store.load_codebook(session)
            if coder is not None or every_coder:
                rows = appl.coded_rows(session, codebook, coder)
            else:
                found = rows_in_force(session, codebook)
                rows, disputed, awaiting = found.rows, found.disputed_units, found.awaiting_units
        _write_csv(out, rows, appl.coded_columns(rows, in_force=coder is None and not every_coder))
        console.print(f"wrote {len(rows)} coded segment(s) to {escape(str(out))}")
        if disputed:
            console.print(f"left out: codes coders dispute on {len(disputed)} segment(s) no lead has resolved "
                          f"({', '.join(map(str, disputed[:10]))}{' ...' if len(disputed) > 10 else ''}); "
                          "see 'triage code disagreements'")
        _say_awaiting(awaiting)
        if counts is not None:
            table = appl.count_table(rows, codebook, by=("study", "perspective"))
            _write_csv(counts, table, list(table[0]) if table else ["code_id"])
            console.print(f"wrote counts for {len(table)} code(s) to {escape(str(counts))}")


@code_app.command("memo")
def memo_cmd(
    text: Annotated[str, typer.Argument(help="The memo's text (in quotes).")],
    code: Annotated[str | None, typer.Option(help="Memo on this code (id or name).")] = None,
    segment: Annotated[int | None, typer.Option(help="Memo on this segment.")] = None,
    coder: CoderOption = None,
    project: ProjectOption = None,
) -> None:
    """Write a memo on a code or a segment (kept with your name and the time; exported in .qdpx)."""
    with open_project(project) as proj:
        name = _coder(proj, coder, what="a memo")
        with proj.transaction() as session:
            codebook = store.load_codebook(session)
            row = store.add_memo(session, codebook, text, coder=name, code_id=codebook.find(code) if code else None,
                                 segment_id=segment)
            where = f"code {row.code_id}" if row.code_id else f"segment {row.segment_id}"
        console.print(f"memo {row.id} on {escape(where)} ({escape(name)})")


@code_app.command("memos")
def memos_cmd(
    code: Annotated[str | None, typer.Option(help="Only memos on this code.")] = None,
    segment: Annotated[int | None, typer.Option(help="Only memos on this segment.")] = None,
    coder: Annotated[str | None, typer.Option(
        "--coder", help="Who reads (default: $TRIAGE_REVIEWER): on a segment coded twice that waits for its "
                        "second coder, blind coding shows only the reader's own memos.")] = None,
    project: ProjectOption = None,
) -> None:
    """List memos on codes and segments, oldest first."""
    with open_project(project) as proj, proj.reading() as session:
        rows = appl.shared_memos(session, store.load_codebook(session), viewer=coder or os.environ.get(REVIEWER_ENV),
                                 code_id=code, segment_id=segment)
        table = Table("memo", "on", "coder", "written", "text")
        for row in rows:
            table.add_row(str(row.id), escape(f"code {row.code_id}" if row.code_id else f"segment {row.segment_id}"),
                          escape(row.coder), row.created_at.isoformat(timespec="seconds"), escape(row.text))
    console.print(table if rows else "no memos yet; write one with 'triage code memo TEXT --code ID'")


@code_app.command("synthesis")
def synthesis_cmd(
    out: Annotated[Path, typer.Argument(help="CSV to write: one row per theme and code.")],
    quotes: Annotated[int, typer.Option(min=0, help="Quotations shown per theme or code.")] = 3,
    coder: Annotated[str | None, typer.Option(help="Only this coder's applications.")] = None,
    project: ProjectOption = None,
) -> None:
    """Study-by-theme matrix for the synthesis (GRADE-CERQual): studies, perspectives, counts, quotes.

    Documents whose records are reports of one study (linked by dedup or by 'triage studies link')
    count as one study."""
    from triage.coding.synthesis import synthesis_table
    from triage.store.coding_in_force import synthesis_rows

    with open_project(project) as proj, proj.reading() as session:
        codebook = store.load_codebook(session)
        found = synthesis_rows(session, codebook, coder)
        table = synthesis_table(found.rows, codebook, quotes=quotes)
    _write_csv(out, table, list(table[0]) if table else ["code_id"])
    console.print(f"wrote {len(table)} theme and code row(s) to {escape(str(out))}")
    if found.disputed_units:
        console.print(f"not counted: codes coders dispute on {len(found.disputed_units)} segment(s) no lead has "
                      "resolved; see 'triage code disagreements'")
    _say_awaiting(found.awaiting_units)


def _say_awaiting(units: tuple[int, ...]) -> None:
    """Coding blind double coding holds back is counted nowhere yet; say so rather than nothing."""
    if units:
        console.print(f"not counted yet: {len(units)} segment(s) coded once wait for a second coder (blind double "
                      f"coding): {', '.join(map(str, units[:10]))}{' ...' if len(units) > 10 else ''}; "
                      "see 'triage code next --coder NAME'")


@code_app.command("candidates")
def candidates_cmd(
    threshold: Annotated[float, typer.Option(help="Segments whose best score is below this fit no code.")] = 0.3,
    min_size: Annotated[int, typer.Option(min=1, help="Smallest group proposed.")] = 3,
    coder: CoderOption = None,
    project: ProjectOption = None,
) -> None:
    """Propose candidate new codes from groups of segments that fit no code well."""
    from triage.coding.inductive import candidate_codes
    from triage.coding.learn import build_suggester, refit_project_map, segment_vectors

    with open_project(project) as proj:
        encoder = _encoder(proj)
        refit_project_map(proj, encoder, coder)  # before the transaction: see store_missing_vectors
        with proj.transaction() as session:
            codebook = store.load_codebook(session)
            model = build_suggester(session, codebook, encoder, coder=coder)
            segments = store.sentence_segments(session)
            X = segment_vectors(session, encoder, [s.id for s in segments])
        best = model.decision_function(X).max(axis=1) if len(segments) else X[:, 0]
        found = candidate_codes([s.text for s in segments], X, best, threshold=threshold, min_size=min_size)
        if not found:
            console.print("no candidate codes: every group of poorly-fitting segments is too small")
        for cand in found:
            console.print(f"[bold]{escape(cand.label)}[/] ({len(cand.members)} segments, cohesion {cand.cohesion:.2f})")
            for i in cand.members[:5]:  # cut at a word, marked, and wrapped under its id
                print_hanging(f"{segments[i].id}: {textwrap.shorten(segments[i].text, 100, placeholder=' …')}",
                              indent=2)


# -- codebook ---------------------------------------------------------------------
@codebook_app.command("show")
def codebook_show(history: Annotated[bool, typer.Option(help="Show the codebook's edits.")] = False,
                  project: ProjectOption = None) -> None:
    """Print the codebook as a tree (and its history)."""
    with open_project(project) as proj, proj.reading() as session:
        codebook = store.load_codebook(session)
        if not codebook.codes():  # said, not silent: an empty print looked like a broken command
            console.print("The codebook has no codes yet: import one with 'triage codebook import FILE' "
                          "(.json, .toml, .csv, .qdc) or add codes with 'triage codebook add NAME'.")
        for code, _, depth in codebook.walk():
            console.print("  " * depth + f"{escape(code.name)} [dim]({code.id})[/]")
        if history:
            for row in codebook_history(session):
                console.print(f"{row.created_at:%Y-%m-%d %H:%M} {escape(row.coder)} {row.action} {row.code_id} "
                              f"{escape(json.dumps(row.detail))}")


@codebook_app.command("import")
def codebook_import(
    file: Path,
    hide_coded: Annotated[bool, typer.Option(
        "--hide-coded", help="Import even where the file lacks codes with coded segments: their coding "
        "leaves exports, counts and the synthesis (kept, back when a codebook with those ids is imported).")
    ] = False,
    coder: CoderOption = None,
    project: ProjectOption = None,
) -> None:
    """Import a codebook (.json, .toml, .csv, .qdc), replacing the project's.

    A .csv has one row per code with the columns name and parent (the parent's name or
    id, empty for a theme), optionally id, description and examples. A file that lacks
    codes with coded segments is refused unless --hide-coded.
    """
    with open_project(project) as proj:
        codebook = read_codebook(file)
        with proj.transaction() as session:
            codebook = adopt_ids(codebook, store.load_codebook(session))
            if not hide_coded:
                _refuse_hiding_coding(session, codebook, file, "add them to the file")
            store.save_codebook(session, codebook, _coder(proj, coder, what="a codebook import"),
                                imported_from=file.name)
        console.print(f"imported {len(codebook.codes())} codes ({len(codebook.codable())} codable) from {escape(file.name)}")


@codebook_app.command("export")
def codebook_export(file: Path, project: ProjectOption = None) -> None:
    """Export the codebook; the format follows the suffix (.json, .toml, .csv, .qdc)."""
    with open_project(project) as proj, proj.reading() as session:
        codebook = store.load_codebook(session)
    write_codebook(codebook, file)
    console.print(f"wrote {len(codebook.codes())} codes to {escape(str(file))}")


def _refuse_hiding_coding(session: Session, codebook: Codebook, file: Path, first: str) -> None:
    """Refuse a codebook that would replace the project's without codes that hold coding (named, counted)."""
    left_out = appl.coded_codes_left_out(session, codebook)
    if left_out:
        named = ", ".join(f"{code_id} ({n} coded segment{'s' if n != 1 else ''})" for code_id, n in left_out.items())
        raise DecisionError(
            f"{file.name} lacks codes with coding: {named}",
            hint=f"{first}, or merge them into a code it has first (triage codebook merge SOURCE TARGET), "
            "or pass --hide-coded to import anyway",
        )


def _edit(project: Path | None, coder: str | None, change: Any) -> None:
    with open_project(project) as proj:
        name = _coder(proj, coder, what="a codebook change")
        with proj.transaction() as session:
            codebook = store.load_codebook(session)
            change(codebook)
            store.save_codebook(session, codebook, name)


@codebook_app.command("add")
def codebook_add(name: str, parent: Annotated[str | None, typer.Option(help="Parent theme (id or name).")] = None,
                 code_id: Annotated[str | None, typer.Option("--id", help="Id (default: from the name).")] = None,
                 description: Annotated[str | None, typer.Option(help="What the code covers.")] = None,
                 coder: CoderOption = None, project: ProjectOption = None) -> None:
    """Add a code (or a theme, without --parent); a code that gets its first subcode is said to be a theme now."""
    with open_project(project) as proj:
        who = _coder(proj, coder, what="a codebook change")
        with proj.transaction() as session:
            codebook = store.load_codebook(session)
            parent_id = codebook.find(parent) if parent else None
            notice = appl.theme_notice(session, codebook, parent_id)
            codebook.add(Code(code_id or slugify(name), name, description), parent_id)
            store.save_codebook(session, codebook, who)
    console.print(f"added {code_id or slugify(name)}")
    if notice:
        console.print(escape(notice))


@codebook_app.command("rename")
def codebook_rename(code_id: str, name: str, coder: CoderOption = None, project: ProjectOption = None) -> None:
    """Rename a code; its id and applications stay."""
    _edit(project, coder, lambda cb: cb.rename(cb.find(code_id), name))
    console.print(f"renamed {code_id}")


@codebook_app.command("merge")
def codebook_merge(source: str, target: str, coder: CoderOption = None, project: ProjectOption = None) -> None:
    """Merge SOURCE into TARGET: its coded segments, learned examples and memos count for TARGET."""
    from triage.store.codebook_changes import merge_codes

    with open_project(project) as proj:
        name = _coder(proj, coder, "codebook")
        with proj.transaction() as session:
            book = store.load_codebook(session)
            source, target = book.find(source), book.find(target)
            merge_codes(session, source, target, coder=name)
        console.print(f"merged {source} into {target} (undo: triage codebook unmerge {source})")


@codebook_app.command("move")
def codebook_move(code_id: str, parent: Annotated[str | None, typer.Option(help="New parent, id or name (none: top).")] = None,
                  coder: CoderOption = None, project: ProjectOption = None) -> None:
    """Move a code under another theme (its coded segments and memos stay with it)."""
    from triage.store.codebook_changes import move_code

    with open_project(project) as proj:
        name = _coder(proj, coder, "codebook")
        with proj.transaction() as session:
            book = store.load_codebook(session)
            code_id, parent_id = book.find(code_id), book.find(parent) if parent else None
            notice = appl.theme_notice(session, book, parent_id)
            move_code(session, code_id, parent_id, coder=name)
        console.print(f"moved {code_id}")
        if notice:
            console.print(escape(notice))


@codebook_app.command("split")
def codebook_split(
    code_id: str,
    into: Annotated[list[str], typer.Option("--into", help="Name of a new code (give two or more).")],
    assign: Annotated[list[str] | None, typer.Option(
        help="SEGMENT=CODE: the new code (id or name) a segment coded with CODE_ID goes to.")] = None,
    rest: Annotated[str | None, typer.Option(help="The new code for every coded segment not assigned.")] = None,
    coder: CoderOption = None,
    project: ProjectOption = None,
) -> None:
    """Split a code into new codes; each coded segment goes to the one you assign (rejects go to all)."""
    from triage.store.codebook_changes import parse_assignments, split_code

    targets = parse_assignments(assign or [])
    with open_project(project) as proj:
        name = _coder(proj, coder, "codebook")
        with proj.transaction() as session:
            code_id = store.load_codebook(session).find(code_id)
            done = split_code(session, code_id, into, targets, coder=name, rest=rest)
        console.print(f"split {code_id} into {', '.join(done['into'])}: {len(done['withdrawn'])} decision(s) carried")


@codebook_app.command("undo")
def codebook_undo(change: Annotated[int | None, typer.Option(
                      help="History row to undo (default: the latest merge, split or move not undone).")] = None,
                  coder: CoderOption = None, project: ProjectOption = None) -> None:
    """Undo a merge, split or move: the coded segments, examples and memos go back with it."""
    from triage.store.codebook_changes import undo_change

    with open_project(project) as proj:
        name = _coder(proj, coder, "codebook")
        with proj.transaction() as session:
            row = undo_change(session, coder=name, change_id=change)
            done = f"undid change {row.id}: {row.action} of {row.code_id}"
        console.print(escape(done))


@codebook_app.command("unmerge")
def codebook_unmerge(source: str, coder: CoderOption = None, project: ProjectOption = None) -> None:
    """Take SOURCE (id or name) out of the code it was merged into, with its own coded segments and memos."""
    from triage.store.codebook_changes import undo_change

    with open_project(project) as proj:
        name = _coder(proj, coder, "codebook")
        with proj.transaction() as session:
            source = store.load_codebook(session).find(source)
            row = undo_change(session, coder=name, code_id=source, action="merge")
            target = row.detail.get("into")
        console.print(f"unmerged {escape(source)} from {escape(str(target))}")

