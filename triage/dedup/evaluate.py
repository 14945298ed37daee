"""Pair metrics of a dedup run against a labelled file (one truth cluster per record).

Pure functions of labels: a predicted duplicate pair is two records in one predicted
merge group; a true pair is two records sharing a truth cluster. Possible-duplicate
pairs are left to a person and so are *not* merges; they are counted separately.
Pair precision and recall are what the dedup literature reports. bib-dedupe's own
benchmark counts records instead (how many records a merge removes rightly or wrongly),
so :func:`record_metrics` gives that count too: the two tools can then be compared on
the numbers bib-dedupe publishes.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from triage.dedup.engine import DedupResult, find_duplicates
from triage.dedup.match import reports_one_study
from triage.errors import EvaluationError
from triage.records.load import read_file
from triage.records.model import Record

__all__ = [
    "DedupEvaluation", "PairExample", "PairMetrics", "RecordMetrics", "evaluate_records", "load_labelled",
    "pair_metrics", "record_metrics",
]


@dataclass(frozen=True)
class PairMetrics:
    """Pair counts and rates; precision/recall/F1 in 0-1 (1.0 when undefined by 0/0)."""

    true_pairs: int
    predicted_pairs: int
    true_positives: int

    @property
    def false_positives(self) -> int:
        return self.predicted_pairs - self.true_positives

    @property
    def false_negatives(self) -> int:
        return self.true_pairs - self.true_positives

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _pairs_in(n: int) -> int:
    return n * (n - 1) // 2


def pair_metrics(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> PairMetrics:
    """Pair metrics from two cluster labellings of the same records (same order).

    Counted from cluster sizes, not by listing pairs, so a 100,000-record set is
    instant: TP = sum over (truth, predicted) cells of C(n, 2).
    """
    if len(truth) != len(predicted):
        raise EvaluationError(f"{len(truth)} truth labels but {len(predicted)} predictions")
    true_pairs = sum(_pairs_in(n) for n in Counter(truth).values())
    pred_pairs = sum(_pairs_in(n) for n in Counter(predicted).values())
    tp = sum(_pairs_in(n) for n in Counter(zip(truth, predicted)).values())
    return PairMetrics(true_pairs, pred_pairs, tp)


@dataclass(frozen=True)
class RecordMetrics:
    """Record counts as bib-dedupe's benchmark reports them.

    A *positive* is a record that merging should remove (every member of a truth
    cluster but one). A merge group keeps one record and removes the rest; a removed
    record is a true positive when the group still holds another record of its truth
    cluster, else a false positive (a distinct publication lost).
    """

    records: int
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def true_negatives(self) -> int:
        return self.records - self.true_positives - self.false_positives - self.false_negatives

    @property
    def sensitivity(self) -> float:
        positives = self.true_positives + self.false_negatives
        return self.true_positives / positives if positives else 1.0

    @property
    def precision(self) -> float:
        removed = self.true_positives + self.false_positives
        return self.true_positives / removed if removed else 1.0

    @property
    def specificity(self) -> float:
        negatives = self.true_negatives + self.false_positives
        return self.true_negatives / negatives if negatives else 1.0

    def to_dict(self) -> dict[str, float | int]:
        return {"TP": self.true_positives, "FP": self.false_positives, "FN": self.false_negatives,
                "TN": self.true_negatives, "sensitivity": self.sensitivity, "precision": self.precision,
                "specificity": self.specificity}


def record_metrics(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> RecordMetrics:
    """Record-level counts from two cluster labellings of the same records (same order).

    A group of ``n`` records spanning ``m`` truth clusters rightly removes ``n - m``
    records (one kept per truth cluster) and wrongly removes ``m - 1``; summed over
    groups, TP = records - (truth, predicted) cells and removed = records - groups.
    """
    if len(truth) != len(predicted):
        raise EvaluationError(f"{len(truth)} truth labels but {len(predicted)} predictions")
    n = len(truth)
    cells = len(set(zip(truth, predicted)))
    tp = n - cells
    fp = (n - len(set(predicted))) - tp
    fn = (n - len(set(truth))) - tp
    return RecordMetrics(n, tp, fp, fn)


@dataclass(frozen=True)
class PairExample:
    """One false merge or miss, for a person to look at (``status`` of a miss: how
    triage treated the pair: ``possible``, ``related`` (reports of one study), ``comment``
    (a comment or reply linked to its article) or ``distinct``)."""

    id_a: str
    id_b: str
    title_a: str
    title_b: str
    status: str = ""


@dataclass
class DedupEvaluation:
    """Everything ``triage evaluate dedup`` prints or writes as JSON."""

    file: str
    records: int
    true_clusters: int
    predicted_clusters: int
    metrics: PairMetrics
    record_level: RecordMetrics
    possible_pairs: int
    related_pairs: int
    seconds: float
    false_merges: list[PairExample] = field(default_factory=list)
    misses: list[PairExample] = field(default_factory=list)
    #: Related-version links (a study's reports, screened together) between records the
    #: truth keeps in different clusters: like a false merge, the goal is none.
    false_links: list[PairExample] = field(default_factory=list)

    #: Related pairs that link reports of one study (comments and replies left out).
    study_links: int = 0

    @property
    def link_precision(self) -> float:
        """Share of the study links that join records of one truth cluster."""
        return 1.0 - len(self.false_links) / self.study_links if self.study_links else 1.0

    def to_dict(self) -> dict[str, Any]:
        m = self.metrics
        return {
            "file": self.file, "records": self.records, "true_duplicate_clusters": self.true_clusters,
            "predicted_duplicate_clusters": self.predicted_clusters, "true_pairs": m.true_pairs,
            "predicted_pairs": m.predicted_pairs, "true_positives": m.true_positives,
            "false_positives": m.false_positives, "false_negatives": m.false_negatives,
            "precision": m.precision, "recall": m.recall, "f1": m.f1, "possible_pairs": self.possible_pairs,
            "related_pairs": self.related_pairs, "seconds": self.seconds,
            "record_level": self.record_level.to_dict(),
            "false_merges": [asdict(x) for x in self.false_merges], "misses": [asdict(x) for x in self.misses],
            "study_links": self.study_links, "false_links": [asdict(x) for x in self.false_links],
            "link_precision": self.link_precision,
        }


def evaluate_records(file: str, records: Sequence[Record], truth: Sequence[str], ids: Sequence[str]) -> DedupEvaluation:
    """Run dedup on ``records`` and score it against ``truth`` cluster labels."""
    started = time.perf_counter()
    result = find_duplicates(records)
    seconds = time.perf_counter() - started
    predicted: list[Hashable] = [("single", i) for i in range(len(records))]
    for g, members in enumerate(result.groups):
        for i in members:
            predicted[i] = ("group", g)
    metrics = pair_metrics(list(truth), predicted)
    by_truth: dict[str, list[int]] = defaultdict(list)
    for i, label in enumerate(truth):
        by_truth[label].append(i)

    def example(i: int, j: int, status: str = "") -> PairExample:
        return PairExample(ids[i], ids[j], records[i].title or "", records[j].title or "", status)

    false_merges = [example(i, j) for members in result.groups for i, j in combinations(members, 2)
                    if truth[i] != truth[j]]
    status = _pair_status(result, len(records))
    misses = [example(i, j, status.get((i, j), "distinct")) for members in by_truth.values()
              for i, j in combinations(members, 2) if predicted[i] != predicted[j]]
    return DedupEvaluation(
        file=file, records=len(records), true_clusters=sum(1 for m in by_truth.values() if len(m) > 1),
        predicted_clusters=len(result.groups), metrics=metrics,
        record_level=record_metrics(list(truth), predicted), possible_pairs=len(result.possible),
        related_pairs=len(result.related), seconds=seconds, false_merges=false_merges, misses=misses,
        study_links=sum(1 for f in result.related if reports_one_study(f.reason)),
        false_links=[example(f.i, f.j, "related") for f in result.related
                     if reports_one_study(f.reason) and truth[f.i] != truth[f.j]],
    )


def _pair_status(result: DedupResult, n: int) -> dict[tuple[int, int], str]:
    """How triage left each pair of records it did not merge, by group: queue findings
    are kept once per pair of groups, so every member pair inherits the verdict."""
    group = result.group_of()
    members: dict[object, list[int]] = defaultdict(list)
    for i in range(n):
        members[group.get(i, ("r", i))].append(i)
    status: dict[tuple[int, int], str] = {}
    for kind, findings in (("related", result.related), ("possible", result.possible)):
        for f in findings:
            # A comment or reply is linked to its article for reviewers, but is no report of
            # the study: such a link does not count as finding the pair.
            shown = "comment" if kind == "related" and not reports_one_study(f.reason) else kind
            for x in members[group.get(f.i, ("r", f.i))]:
                for y in members[group.get(f.j, ("r", f.j))]:
                    status[(min(x, y), max(x, y))] = shown
    return status


def load_labelled(path: Path, truth_column: str, *, encoding: str | None = None) -> tuple[list[Record], list[str], list[str]]:
    """Records, truth labels and record ids (``record_id`` column, else row number) of a CSV.

    Reads through the project's CSV reader, so the file is understood exactly as
    ``triage import`` would; the truth column comes from each record's verbatim ``raw``.
    """
    result = read_file(path, encoding=encoding)
    if not result.records:
        raise EvaluationError(f"{path.name}: no records could be read",
                              hint="check that it is a CSV with a header row")
    first = result.records[0].raw
    if truth_column not in first:
        columns = ", ".join(sorted(first)) or "none"
        raise EvaluationError(f"{path.name}: no column {truth_column!r}", hint=f"--truth must be one of: {columns}")
    truth: list[str] = []
    ids: list[str] = []
    for n, record in enumerate(result.records, start=1):
        label = str(record.raw.get(truth_column) or "").strip()
        rid = str(record.raw.get("record_id") or f"row {n}")
        truth.append(label or f"unlabelled:{n}")  # an empty label is a cluster of its own
        ids.append(rid)
    return list(result.records), truth, ids
