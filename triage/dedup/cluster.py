"""Clustering duplicate pairs into groups, refusing joins that would contradict.

Union-find over the ``duplicate`` pairs, strongest first. A join is refused when any
record of one group contradicts any record of the other (different DOI or PMID,
Part 1 vs Part 2, erratum vs article, year/volume/pages conflict) or when a person
kept two of their records apart. That stops the classic transitive chain where A~B
and B~C silently merge A with C. Hand-written rather than scipy's connected
components because components cannot refuse an edge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from triage.dedup.keys import RecordKeys
from triage.dedup.match import contradiction

__all__ = ["MAX_CROSS_CHECKS", "cluster_pairs"]

#: Above this many cross pairs, a join checks identifiers only (cost guard for huge groups).
MAX_CROSS_CHECKS = 2500


def cluster_pairs(
    keys: Sequence[RecordKeys],
    edges: Iterable[tuple[float, int, int]],
    *,
    kept_apart: Callable[[int, int], bool] | None = None,
    initial: Iterable[Sequence[int]] = (),
) -> tuple[list[list[int]], list[tuple[int, int, str]]]:
    """Group record indices joined by ``edges`` (``(score, i, j)``).

    ``initial`` groups (earlier merges, including a person's own) are joined first and
    without checks: clustering only ever adds to them. Returns the groups of two or more indices (each sorted) and the refused edges as
    ``(i, j, reason)`` so they can go to a person instead of vanishing.
    """
    parent = list(range(len(keys)))
    members: dict[int, list[int]] = {}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for group in initial:
        root = group[0]
        for other in group[1:]:
            parent[other] = root
        if len(group) > 1:
            members[root] = list(group)
    refused: list[tuple[int, int, str]] = []
    for _score, i, j in sorted(edges, key=lambda e: -e[0]):
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        group_i = members.get(ri, [ri])
        group_j = members.get(rj, [rj])
        reason = _refusal(keys, group_i, group_j, kept_apart)
        if reason:
            refused.append((i, j, reason))
            continue
        if len(group_i) < len(group_j):
            ri, rj, group_i, group_j = rj, ri, group_j, group_i
        parent[rj] = ri
        members[ri] = group_i + group_j
        members.pop(rj, None)
    groups = [sorted(g) for g in members.values() if len(g) > 1]
    groups.sort(key=lambda g: g[0])
    return groups, refused


def _refusal(
    keys: Sequence[RecordKeys],
    group_a: list[int],
    group_b: list[int],
    kept_apart: Callable[[int, int], bool] | None,
) -> str | None:
    check_all = len(group_a) * len(group_b) <= MAX_CROSS_CHECKS
    for x in group_a:
        for y in group_b:
            if kept_apart is not None and kept_apart(x, y):
                return "a person kept these apart"
            a, b = keys[x], keys[y]
            if check_all:
                reason = contradiction(a, b)
                if reason:
                    return reason
            elif (a.doi and b.doi and a.doi != b.doi) or (a.pmid and b.pmid and a.pmid != b.pmid):
                return "different DOI/PMID"
    return None
