"""Blocking, clustering and the pure run: conflicting identifiers never chain into one
group, and a person's "keep apart" is honoured."""

from __future__ import annotations

from triage.dedup.blocking import block_keys, candidate_pairs
from triage.dedup.cluster import cluster_pairs
from triage.dedup.engine import find_duplicates
from triage.dedup.evaluate import pair_metrics, record_metrics
from triage.dedup.keys import record_keys
from triage.dedup.merge import canonical_record, choose_representative
from triage.records.model import Record

TITLE = "Eculizumab in atypical haemolytic uraemic syndrome after kidney transplantation"


def rec(**fields: object) -> Record:
    base: dict[str, object] = {"title": TITLE, "authors": ["Zuber, J.", "Le Quintrec, M."], "year": 2011,
                               "journal": "Nature Reviews Nephrology", "volume": "7", "pages": "23-35"}
    base.update(fields)
    return Record(**base)  # type: ignore[arg-type]


def test_blocking_pairs_records_sharing_any_key_only() -> None:
    keys = [record_keys(i, r) for i, r in enumerate([
        rec(), rec(title=TITLE.upper() + "."), rec(title="Something else entirely about renal biopsies",
                                                   authors=["Smith, A."], year=1999, volume="3", pages="1-2"),
    ])]
    assert candidate_pairs(keys) == {(0, 1)}
    assert any(k.startswith("tp:") for k in block_keys(keys[0]))


def test_oversized_block_is_windowed_not_quadratic() -> None:
    keys = [record_keys(i, Record(title=f"Editorial {i}", authors=["Anonymous"], year=2000)) for i in range(300)]
    pairs = candidate_pairs(keys, max_block=50, window=5)
    assert 0 < len(pairs) <= 300 * 5


def test_duplicates_group_and_distinct_stay_apart() -> None:
    records = [rec(), rec(title=TITLE.lower(), journal="Nat Rev Nephrol", pages="23-5"),
               rec(title="Eculizumab in atypical HUS: Part 2", pages="36-40")]
    result = find_duplicates(records)
    assert result.groups == [[0, 1]]


def test_clusters_refuse_to_join_conflicting_dois() -> None:
    # 0~1 and 1~2 are duplicate edges, but 0 and 2 carry different DOIs: no chain.
    records = [rec(doi="10.1000/a"), rec(), rec(doi="10.1000/b")]
    keys = [record_keys(i, r) for i, r in enumerate(records)]
    groups, refused = cluster_pairs(keys, [(1.0, 0, 1), (0.99, 1, 2)])
    assert groups == [[0, 1]]
    assert refused == [(1, 2, "different DOI")]


def test_kept_apart_pair_is_never_grouped_or_queued() -> None:
    records = [rec(), rec(title=TITLE + ".")]
    assert find_duplicates(records).groups == [[0, 1]]
    result = find_duplicates(records, kept_apart=[(1, 0)])
    assert result.groups == [] and result.possible == []


def test_incremental_run_only_scores_pairs_with_new_records() -> None:
    records = [rec(), rec(title=TITLE + "."), rec(title=TITLE + "!")]
    result = find_duplicates(records, new=[2], initial_groups=[[0, 1]])
    assert result.groups == [[0, 1, 2]]
    assert result.compared == 2  # (0, 2) and (1, 2); (0, 1) is not re-scored


def test_canonical_record_takes_the_most_complete_fields() -> None:
    short = rec(authors=["Zuber, J."], pages="23-5", abstract=None)
    full = rec(pages="23-35", abstract="Background ...", doi="10.1038/nrneph.2010.155")
    canonical = canonical_record([short, full])
    assert canonical["authors"] == ["Zuber, J.", "Le Quintrec, M."]
    assert canonical["abstract"] == "Background ..."
    assert canonical["doi"] == "10.1038/nrneph.2010.155"
    assert choose_representative([(5, short), (9, full)]) == 9


def test_pair_metrics_count_pairs_from_cluster_sizes() -> None:
    m = pair_metrics(["a", "a", "a", "b", "c"], [1, 1, 2, 3, 3])
    assert (m.true_pairs, m.predicted_pairs, m.true_positives) == (3, 2, 1)
    assert m.precision == 0.5 and round(m.recall, 4) == 0.3333 and round(m.f1, 4) == 0.4


def test_record_metrics_count_records_a_merge_removes() -> None:
    # Truth: {0,1,2} one paper, 3 and 4 two others. Predicted: 0+1 merged, 2 alone, 3+4 merged.
    m = record_metrics(["a", "a", "a", "b", "c"], [1, 1, 2, 3, 3])
    # Two records should go (1 and 2 of "a"); one went rightly, one stayed; 3+4 lost a paper.
    assert (m.true_positives, m.false_negatives, m.false_positives, m.true_negatives) == (1, 1, 1, 2)
    assert m.sensitivity == 0.5 and m.precision == 0.5
    perfect = record_metrics(["a", "a", "b"], ["x", "x", "y"])
    assert perfect.sensitivity == 1.0 and perfect.false_positives == 0 and perfect.specificity == 1.0
