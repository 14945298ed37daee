"""Deduplication: find duplicate records and the canonical record of each group.

Pure computation lives in ``keys`` (normalised keys), ``blocking`` (candidate pairs),
``match`` (pair rules), ``names`` (journal and author matching), ``cluster`` (union-find with vetoes),
``engine`` (one run) and ``merge`` (canonical fields, the representative); ``evaluate`` scores
it against labelled files. Applying it to a project (runs, merges, the review queue, undo)
is the store's: :mod:`triage.store.dedup_runs`, :mod:`triage.store.merges`,
:mod:`triage.store.dedup_review`.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from triage.dedup.engine import DedupResult, PairFinding, find_duplicates
    from triage.dedup.match import Outcome, Verdict, classify_pair

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

#: Public names that live in the store now; imported on first use, because the store's
#: merge code imports this package's pure functions (an import at the top would be a cycle).
_FROM_THE_STORE = frozenset({"run_dedup", "undo_last_run", "undo_merge_id"})


#: The engine's and matcher's names, imported on first use too: importing any submodule runs this
#: file first, and the store imports the light :mod:`triage.dedup.links` on every decision, which
#: should not pay for rapidfuzz and the blocking, key and clustering modules.
_LAZY = {"DedupResult": "engine", "PairFinding": "engine", "find_duplicates": "engine",
         "Outcome": "match", "Verdict": "match", "classify_pair": "match"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"triage.dedup.{_LAZY[name]}"), name)
    if name in _FROM_THE_STORE:
        from triage.store import dedup_runs

        return getattr(dedup_runs, name)
    raise AttributeError(f"module 'triage.dedup' has no attribute {name!r}")
