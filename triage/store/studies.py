"""Study groups: the reports of one study (conference abstract and article, preprint and
published version, erratum and article, protocol and results) screened side by side.

A merge group is one report found in several databases; a study group joins the merge
groups that report one study. Links come from dedup's rules (``related`` pairs: the same
study in another version; a comment or reply is related to its article but no report of
the study) and from people (``link``/``unlink`` in the pair decision log,
which also overrides a rule's link). Each report keeps its own decision: excluding a
conference abstract must not exclude the journal article; a person may apply one
decision to every report at once (:func:`reports_of`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from triage.errors import DecisionError
from triage.store.base import read_once
from triage.store.decisions_primed import study_state_columns
from triage.store.groups import current_groups, merge_state_version, screened_under, screened_under_each
from triage.store.schema import RecordRow
from triage.store.schema_dedup import DedupPairRow, PairDecisionRow

__all__ = [
    "OtherReport",
    "StudyLink",
    "decide_other_reports",
    "link_reports", "other_reports", "reports_of", "study_groups", "study_groups_version", "study_links",
    "study_state_version"]


@dataclass(frozen=True)
class StudyLink:
    """Two reports (screened records) linked as one study, and why."""

    report_a: int
    report_b: int
    reason: str
    by: str


def study_links(session: Session) -> list[StudyLink]:
    """The links in force between reports: dedup's related pairs and people's links, less
    the pairs a person unlinked; both ends mapped to the records screened now."""
    # Here, not at the top: the dedup package loads in 0.1 s, and 'triage decide' needs none of it.
    from triage.dedup.links import reports_one_study

    groups = current_groups(session)
    person = _person_links(session)
    links: dict[tuple[int, int], StudyLink] = {}

    def add(a: int, b: int, reason: str, by: str) -> None:
        ga, gb = groups.get(a, a), groups.get(b, b)
        if ga != gb:
            links.setdefault((min(ga, gb), max(ga, gb)), StudyLink(min(ga, gb), max(ga, gb), reason, by))

    related = select(DedupPairRow).where(DedupPairRow.kind == "related", DedupPairRow.status == "open")
    for pair in session.scalars(related):
        if not reports_one_study(pair.reason):  # a comment on an article is linked, not one study
            continue
        decided = person.get((min(pair.record_a, pair.record_b), max(pair.record_a, pair.record_b)))
        if decided is None or decided.decision != "unlink":
            add(pair.record_a, pair.record_b, pair.reason, "triage")
    for (a, b), decided in person.items():
        if decided.decision == "link":
            add(a, b, decided.note or "linked by a person", decided.reviewer)
    return sorted(links.values(), key=lambda link: (link.report_a, link.report_b))


def study_state_version(session: Session) -> tuple[int, int, int]:
    """A cheap fingerprint of what :func:`study_groups` reads besides the merges: people's
    pair decisions, dedup's pairs and how many related ones are open."""
    def read() -> tuple[int, int, int]:
        # one round trip (a server asks per request)
        decided, pairs, related = session.execute(select(*study_state_columns())).one()
        return int(decided or 0), int(pairs or 0), int(related or 0)

    # Memoised in a read-only session (triage.store.decisions_primed reads it with a card's other facts).
    return read_once(session, "study_state_version", read)


def study_groups(session: Session) -> dict[int, tuple[int, ...]]:
    """Every report (screened record) in a study of two or more -> all its study's reports."""
    links = study_links(session)
    if not links:
        return {}
    from scipy.sparse import coo_matrix  # loaded only when there are studies to group
    from scipy.sparse.csgraph import connected_components

    nodes = sorted({n for link in links for n in (link.report_a, link.report_b)})
    index = {n: i for i, n in enumerate(nodes)}
    rows = [index[link.report_a] for link in links]
    cols = [index[link.report_b] for link in links]
    graph = coo_matrix(([1] * len(links), (rows, cols)), shape=(len(nodes), len(nodes)))
    _, labels = connected_components(graph, directed=False)
    members: dict[int, list[int]] = defaultdict(list)
    for node, label in zip(nodes, labels, strict=True):
        members[int(label)].append(node)
    return {node: tuple(group) for group in members.values() for node in group}


def _person_links(session: Session, records: list[int] | None = None) -> dict[tuple[int, int], PairDecisionRow]:
    """The latest ``link``/``unlink`` of each record pair (``records``: of the pairs touching them)."""
    stmt = select(PairDecisionRow).where(PairDecisionRow.decision.in_(("link", "unlink"))).order_by(PairDecisionRow.id)
    if records is not None:
        stmt = stmt.where(or_(PairDecisionRow.record_a.in_(records), PairDecisionRow.record_b.in_(records)))
    return {(min(d.record_a, d.record_b), max(d.record_a, d.record_b)): d for d in session.scalars(stmt)}


def reports_of(session: Session, record_id: int, groups: dict[int, tuple[int, ...]] | None = None) -> tuple[int, ...]:
    """The reports of ``record_id``'s study (screened record ids), itself alone if none.

    ``groups``: :func:`study_groups` read earlier (a server keeps them by
    :func:`study_groups_version`). Without them, the study is followed link by link from the
    record (:func:`_study_of`): :func:`study_groups` reads every record's group and every
    link, and loads scipy, for one decision."""
    screened_as = screened_under(session, record_id)
    if groups is not None:
        return groups.get(screened_as, (screened_as,))
    return _study_of(session, screened_as)


def _study_of(session: Session, start: int) -> tuple[int, ...]:
    """The study of the screened record ``start`` as :func:`study_groups` finds it (the same
    links in force: :func:`study_links`), reading only the links that touch its reports."""
    from triage.dedup.links import reports_one_study

    study, frontier = {start}, [start]
    while frontier:
        records = list(session.scalars(select(RecordRow.id).where(
            or_(RecordRow.id.in_(frontier), RecordRow.merged_into.in_(frontier)))))
        person = _person_links(session, records)
        ends: set[int] = set()
        related = select(DedupPairRow).where(DedupPairRow.kind == "related", DedupPairRow.status == "open", or_(
            DedupPairRow.record_a.in_(records), DedupPairRow.record_b.in_(records)))
        for pair in session.scalars(related):
            decided = person.get((min(pair.record_a, pair.record_b), max(pair.record_a, pair.record_b)))
            if reports_one_study(pair.reason) and (decided is None or decided.decision != "unlink"):
                ends.update((pair.record_a, pair.record_b))
        ends.update(rid for pair, decided in person.items() if decided.decision == "link" for rid in pair)
        frontier = sorted(set(screened_under_each(session, sorted(ends)).values()) - study) if ends else []
        study.update(frontier)
    return tuple(sorted(study)) if len(study) > 1 else (start,)


def study_groups_version(session: Session) -> tuple[int, ...]:
    """A cheap fingerprint of everything :func:`study_groups` reads: equal fingerprints, equal groups."""
    return (*study_state_version(session), *merge_state_version(session))


@dataclass(frozen=True)
class OtherReport:
    """Another report of a record's study, as a screening card lists it."""

    record_id: int
    title: str | None
    year: int | None
    decision: str | None


def other_reports(session: Session, record_id: int, *, stage: str = "title_abstract",
                  groups: dict[int, tuple[int, ...]] | None = None) -> list[OtherReport]:
    """The other reports of ``record_id``'s study with their own decisions in force
    (``groups``: see :func:`reports_of`)."""
    from triage.store.decisions import current_decisions  # decisions read groups too; kept one-way

    others = [r for r in reports_of(session, record_id, groups) if r != record_id]
    if not others:
        return []
    decisions = current_decisions(session, stage=stage)
    out = []
    for other in others:
        row = session.get(RecordRow, other)
        decided = decisions.get(other)
        out.append(OtherReport(other, row.title if row else None, row.year if row else None,
                               decided.decision if decided else None))
    return out


def decide_other_reports(
    session: Session, record_id: int, decision: str, *, reviewer: str, stage: str = "title_abstract",
    reasons: tuple[str, ...] | list[str] = (), note: str | None = None,
) -> list[int]:
    """A person's "apply to all reports": the same decision on every other report of
    ``record_id``'s study (inside the caller's transaction); returns their record ids."""
    from triage.store.decisions import record_decision  # decisions read groups too; kept one-way

    screened_as = current_groups(session).get(record_id, record_id)
    others = [r for r in reports_of(session, record_id) if r != screened_as]
    why = f"applied to all reports of the study with record {record_id}" + (f"; {note}" if note else "")
    for other in others:
        record_decision(session, other, decision, reviewer=reviewer, stage=stage, reasons=reasons, note=why)
    return others


def link_reports(session: Session, a: int, b: int, *, link: bool, reviewer: str, note: str | None = None) -> None:
    """A person's link (or unlink) of two reports as one study, appended to the pair log."""
    for record_id in (a, b):
        if session.get(RecordRow, record_id) is None:
            raise DecisionError(f"no record {record_id} in this project", hint="see 'triage records' for ids")
    groups = current_groups(session)
    if groups.get(a, a) == groups.get(b, b):
        raise DecisionError(f"records {a} and {b} are one merge group already",
                            hint="a study's reports are different records; see 'triage dedup merges'")
    if not reviewer.strip():
        raise DecisionError("a link needs a reviewer name", hint="pass --reviewer NAME")
    session.add(PairDecisionRow(record_a=min(a, b), record_b=max(a, b), decision="link" if link else "unlink",
                             reviewer=reviewer.strip(), note=note))
    session.flush()
