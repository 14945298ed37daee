"""Dedup pair scoring on a Dask cluster: partitions of candidate pairs scored on workers.

Blocking (which pairs to compare) and clustering (which pairs become merge groups) need
every record at once and stay in the calling process; scoring a pair needs only its two
records, and is the part that grows with the number of pairs. Each partition travels
with the keys of just the records it names, so no worker holds the whole project.
The partitions come back in order, so the result is the single-process one exactly.

Measured (``evaluation/reports/cluster.md``, ``docs/scaling.md``): pickling the keys costs the
client about twice the CPU that scoring the pairs in-process would, so this does not yet make
dedup faster; computing the keys on the workers and keeping them there is the step that would.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from distributed import Client

from triage.cluster.client import gather_in_order
from triage.dedup.engine import PairScorer, Progress, ScoredPair, score_pairs
from triage.dedup.keys import RecordKeys

__all__ = ["PARTITION_PAIRS", "cluster_scorer"]

#: Pairs per partition: a third of a second of scoring (16 µs of CPU a pair on the shared
#: sets), so the scheduler's few milliseconds per call do not count.
PARTITION_PAIRS = 20_000


def cluster_scorer(client: Client, *, partition_pairs: int = PARTITION_PAIRS) -> PairScorer:
    """A :data:`~triage.dedup.engine.PairScorer` that scores on ``client``'s workers."""

    def score(keys: Sequence[RecordKeys], pairs: Sequence[tuple[int, int]],
              progress: Progress | None) -> list[ScoredPair]:
        sizes = [min(partition_pairs, len(pairs) - start) for start in range(0, len(pairs), partition_pairs)]
        done = 0

        def partitions() -> Iterator[tuple[dict[int, RecordKeys], Sequence[tuple[int, int]]]]:
            for start in range(0, len(pairs), partition_pairs):
                part = pairs[start:start + partition_pairs]
                yield {i: keys[i] for pair in part for i in pair}, part

        def tell(n: int, _found: list[ScoredPair]) -> None:
            nonlocal done
            done += sizes[n]
            if progress is not None:
                progress(done, len(pairs))

        found = gather_in_order(client, score_pairs, partitions(), on_result=tell)
        return [pair for part in found for pair in part]

    return score
