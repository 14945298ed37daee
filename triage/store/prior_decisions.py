"""Recording the decisions another tool wrote into an imported export, as earlier decisions.

Each becomes an ordinary, append-only decision at title/abstract by the reviewer
``imported: FILE`` (or ``imported: FILE (NAME)`` where the tool names its reviewers, as
Rayyan does), at the time of the import, so the history is kept, the decisions count in
status and they teach the model. Only done when a person asks (``triage import
--decisions``); nothing is decided by default.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.errors import DecisionError
from triage.records.prior_labels import PriorLabel, prior_labels
from triage.store.decisions import reasons_required, record_decision
from triage.store.schema import DecisionRow, RecordRow, SourceRow

__all__ = ["PriorDecisions", "count_prior_labels", "record_prior_decisions"]

#: Reason given to an imported exclusion that names none where the project requires one.
NO_REASON = "not given in the imported file"


def _labelled(session: Session, source_id: int) -> list[tuple[int, list[PriorLabel]]]:
    rows = session.execute(select(RecordRow.id, RecordRow.raw).where(RecordRow.source_id == source_id)
                           .order_by(RecordRow.id))
    return [(rid, labels) for rid, raw in rows if (labels := prior_labels(raw or {}))]


def count_prior_labels(session: Session, source_id: int) -> int:
    """How many of the source's records carry a decision from another tool."""
    return len(_labelled(session, source_id))


#: Where reviewers of the other tool disagree, their decisions are recorded least inclusive
#: first, so the decision in force keeps the record in screening (see record_prior_decisions).
_INCLUSIVE = {"exclude": 0, "maybe": 1, "include": 2}


@dataclass(frozen=True)
class PriorDecisions:
    """What :func:`record_prior_decisions` recorded: how many decisions, and the records
    whose reviewers in the other tool disagreed (an unresolved conflict there)."""

    made: int
    disagreements: tuple[int, ...] = ()

    def note(self, name: str) -> str | None:
        """One line for the user about the disagreements, or about a file with no decision
        in it (else '0 earlier decisions recorded' left them guessing why), or None."""
        if not self.made and not self.disagreements:
            return (f"{name}: the file carries no decisions triage reads: a label_included, included, "
                    "asreview_label or label_abstract_screening column (1/0), ASReview_relevant/"
                    "ASReview_irrelevant or RAYYAN-INCLUSION notes, or a decision column (include/exclude/maybe)")
        if not self.disagreements:
            return None
        ids = ", ".join(map(str, self.disagreements[:10])) + (", ..." if len(self.disagreements) > 10 else "")
        n = len(self.disagreements)
        return (f"{name}: its reviewers disagree on {n} record{'s' if n > 1 else ''} ({ids}); the most inclusive "
                "decision is in force, so none leaves screening; settle each with 'triage decide ID include|exclude'")


def record_prior_decisions(session: Session, source_id: int) -> PriorDecisions:
    """Record the decisions the source's file carries (inside the caller's transaction).

    Where the file's reviewers disagree on a record (Rayyan: one included, one excluded, a
    conflict left unresolved there), each reviewer's decision is recorded, the most
    inclusive last: the latest decision is the one in force, and the order of names in the
    notes must not exclude a record one reviewer included. Those records are returned to
    be named to the user."""
    source = session.get(SourceRow, source_id)
    if source is None:
        raise DecisionError(f"no source {source_id} in this project", hint="see 'triage sources' for ids")
    name = source.file_name
    earlier = session.scalar(select(DecisionRow.id).join(RecordRow, RecordRow.id == DecisionRow.record_id)
                             .where(RecordRow.source_id == source_id,
                                    DecisionRow.reviewer.like(f"imported: {name}%")).limit(1))
    if earlier is not None:
        raise DecisionError(f"the decisions in {name} were recorded already",
                            hint="see them with 'triage records --subset decided'")
    needs_reason = reasons_required(session, "title_abstract")
    made = 0
    disagreements: list[int] = []
    for record_id, labels in _labelled(session, source_id):
        if len({label.decision for label in labels}) > 1:
            disagreements.append(record_id)
            labels = sorted(labels, key=lambda label: _INCLUSIVE[label.decision])
        for label in labels:
            reviewer = f"imported: {name}" + (f" ({label.reviewer})" if label.reviewer else "")
            reasons = label.reasons or ((NO_REASON,) if label.decision == "exclude" and needs_reason else ())
            record_decision(session, record_id, label.decision, reviewer=reviewer, reasons=reasons,
                            note="decision recorded by another tool, imported with the file", model="imported")
            made += 1
    return PriorDecisions(made, tuple(disagreements))
