"""One deduplication run over a list of records: keys, blocking, scoring, clustering.

Pure computation on :class:`~triage.records.model.Record` objects (no database), so
the store integration, the evaluation command and the benchmark all run exactly the
same code.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from triage.dedup.blocking import candidate_pairs
from triage.dedup.cluster import cluster_pairs
from triage.dedup.keys import RecordKeys, record_keys
from triage.dedup.match import Outcome, Verdict, classify_pair
from triage.records.model import Record

__all__ = [
    "DedupResult",
    "PairFinding",
    "PairScorer",
    "Progress",
    "ScoredPair",
    "find_duplicates",
    "score_pairs",
]

#: ``progress(done, total)`` callback for long runs (pairs scored so far, pairs to score).
Progress = Callable[[int, int], None]
#: A candidate pair that is not distinct: ``(i, j, verdict)``.
ScoredPair = tuple[int, int, Verdict]
#: Scores sorted candidate pairs and returns the pairs that are not distinct, in the
#: order given: :func:`score_pairs` in this process, or a cluster's (``triage.cluster``).
PairScorer = Callable[[Sequence[RecordKeys], Sequence[tuple[int, int]], Progress | None], list[ScoredPair]]


@dataclass(frozen=True, slots=True)
class PairFinding:
    """A pair left to a person (``possible``) or grouped as versions (``related``).

    ``i`` and ``j`` index the records given to :func:`find_duplicates`; ``score`` is the
    title similarity (0-1); ``reason`` says why in words.
    """

    i: int
    j: int
    score: float
    reason: str


@dataclass
class DedupResult:
    """What a run found: merge groups (indices, two or more each), queue and versions."""

    groups: list[list[int]]
    possible: list[PairFinding] = field(default_factory=list)
    related: list[PairFinding] = field(default_factory=list)
    compared: int = 0

    def group_of(self) -> dict[int, int]:
        """Map each grouped index to its group's position in :attr:`groups`."""
        return {i: g for g, members in enumerate(self.groups) for i in members}


def find_duplicates(
    records: Sequence[Record],
    *,
    new: Collection[int] | None = None,
    initial_groups: Iterable[Sequence[int]] = (),
    kept_apart: Collection[tuple[int, int]] = (),
    progress: Progress | None = None,
    scorer: PairScorer | None = None,
) -> DedupResult:
    """Find duplicate groups among ``records``.

    ``new`` (indices) makes the run incremental: only pairs with at least one new
    record are scored, and ``initial_groups`` (earlier merges) are kept as they are.
    ``kept_apart`` pairs ``(i, j)`` (a person's decision) are never put in one group
    and never queued again. ``scorer`` scores the candidate pairs elsewhere (a cluster);
    by default :func:`score_pairs` here. Blocking and clustering stay in this process.
    """
    keys = [record_keys(i, r) for i, r in enumerate(records)]
    return find_duplicates_keys(keys, new=new, initial_groups=initial_groups, kept_apart=kept_apart,
                                progress=progress, scorer=scorer)


def score_pairs(
    keys: Sequence[RecordKeys] | Mapping[int, RecordKeys],
    pairs: Sequence[tuple[int, int]],
    progress: Progress | None = None,
) -> list[ScoredPair]:
    """Classify ``pairs`` (indices into ``keys``) and keep the ones that are not distinct,
    in the order given. ``keys`` may be a mapping holding only the records the pairs
    name: a cluster worker receives just those."""
    total = len(pairs)
    found: list[ScoredPair] = []
    for done, (i, j) in enumerate(pairs, start=1):
        if progress is not None and done % 5000 == 0:
            progress(done, total)
        verdict = classify_pair(keys[i], keys[j])
        if verdict.outcome is not Outcome.DISTINCT:
            found.append((i, j, verdict))
    if progress is not None:
        progress(total, total)
    return found


def find_duplicates_keys(
    keys: Sequence[RecordKeys],
    *,
    new: Collection[int] | None = None,
    initial_groups: Iterable[Sequence[int]] = (),
    kept_apart: Collection[tuple[int, int]] = (),
    progress: Progress | None = None,
    scorer: PairScorer | None = None,
) -> DedupResult:
    """:func:`find_duplicates` on precomputed keys (the benchmark times both steps)."""
    pairs = candidate_pairs(keys)
    new_set = set(new) if new is not None else None
    if new_set is not None:
        pairs = {p for p in pairs if p[0] in new_set or p[1] in new_set}
    apart = {(min(i, j), max(i, j)) for i, j in kept_apart}
    total = len(pairs)
    edges: list[tuple[float, int, int]] = []
    possible: list[PairFinding] = []
    related: list[PairFinding] = []
    to_score = [p for p in sorted(pairs) if p not in apart]
    for i, j, verdict in (scorer or score_pairs)(keys, to_score, progress):
        if verdict.outcome is Outcome.DUPLICATE:
            edges.append((verdict.score, i, j))
        elif verdict.outcome is Outcome.POSSIBLE:
            possible.append(PairFinding(i, j, verdict.score, verdict.reason))
        elif verdict.outcome is Outcome.RELATED:
            related.append(PairFinding(i, j, verdict.score, verdict.reason))
    groups, refused = cluster_pairs(
        keys, edges, initial=initial_groups,
        kept_apart=(lambda x, y: (min(x, y), max(x, y)) in apart) if apart else None,
    )
    possible.extend(PairFinding(i, j, 1.0, f"refused merge: {why}") for i, j, why in refused
                    if why != "a person kept these apart")
    result = DedupResult(groups=groups, compared=total)
    result.possible = _one_per_group_pair(possible, result)
    result.related = _one_per_group_pair(related, result)
    return result


def _one_per_group_pair(findings: list[PairFinding], result: DedupResult) -> list[PairFinding]:
    """Drop pairs now inside one group and keep the best pair per two groups.

    A person decides once whether two groups are the same publication, not once per
    member pair.
    """
    group = result.group_of()
    best: dict[tuple[object, object], PairFinding] = {}
    for f in findings:
        ga, gb = group.get(f.i, ("r", f.i)), group.get(f.j, ("r", f.j))
        if ga == gb:
            continue
        key = (ga, gb) if str(ga) <= str(gb) else (gb, ga)
        if key not in best or f.score > best[key].score:
            best[key] = f
    return sorted(best.values(), key=lambda f: (f.i, f.j))
