"""Deduplication: find, merge (reversibly) and review duplicate records.

Pure computation lives in ``keys`` (normalised keys), ``blocking`` (candidate pairs),
``match`` (pair rules), ``names`` (journal and author matching), ``cluster`` (union-find with vetoes) and ``engine`` (one run);
``merge``, ``project`` and ``review`` apply it to a project store; ``evaluate`` scores
it against labelled files.
"""

from triage.dedup.engine import DedupResult, PairFinding, find_duplicates
from triage.dedup.match import Outcome, Verdict, classify_pair
from triage.dedup.project import run_dedup, undo_last_run, undo_merge_id

__all__ = [
    "DedupResult",
    "Outcome",
    "PairFinding",
    "Verdict",
    "classify_pair",
    "find_duplicates",
    "run_dedup",
    "undo_last_run",
    "undo_merge_id",
]
