"""``evaluate_coding(..., groups=...)``: hit rates split by a label per segment, on real survey answers."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from _evaluation_support import load_evaluation_script

from triage.coding.codebook_io import read_codebook
from triage.coding.evaluate import evaluate_coding, read_gold_segments
from triage.coding.lexical import content_lemmas
from triage.embeddings import load_encoder
from triage.errors import EvaluationError

REPO = Path(__file__).resolve().parents[1]


def _nhs_rows(shared_data: Path, n: int = 30) -> list[dict[str, str]]:
    """The first ``n`` answers of the shared NHS feedback set (they include "Nothing." and "None.")."""
    with (shared_data / "coding" / "nhs-patient-feedback" / "segments.csv").open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))[:n]


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["segment_id", "text", "code"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_groups_split_the_same_runs_and_follow_their_rows(shared_data: Path, tmp_path: Path) -> None:
    rows = _nhs_rows(shared_data)
    book = read_codebook(shared_data / "coding" / "nhs-patient-feedback" / "codebook.json")
    gold = read_gold_segments(_write(tmp_path / "a.csv", rows))
    labels = ["none" if not words else "some" for words in content_lemmas(gold.texts)]
    assert 0 < labels.count("none") < len(labels)  # "Nothing.", "None." and the like are among them
    encoder = load_encoder()
    with pytest.raises(EvaluationError, match="2 group labels for 30 segments"):
        evaluate_coding(book, gold, encoder, groups=["a", "b"])
    # Without the project map (adapt_steps=0): the split is what is tested, and a refit per accept triples the time.
    result = evaluate_coding(book, gold, encoder, protocol="online", seeds=2, groups=labels, adapt_steps=0)
    groups = result["groups"]
    assert sorted(groups) == ["none", "some"]
    assert sum(g["n"] for g in groups.values()) == result["n"] == len(gold.texts)
    assert groups["none"]["n"] == labels.count("none")
    for metric in ("top1", "top3"):  # the groups split the overall rate, weighted by their sizes
        weighted = sum(g["n"] * g[metric] for g in groups.values()) / result["n"]
        assert weighted == pytest.approx(result[metric], abs=1e-3)
    # The labels travel with their rows: the same answers in another order, labels shuffled alike, split
    # the same way (a run sees no file order, so the metrics per group are equal).
    order = list(range(len(rows)))
    random.Random(3).shuffle(order)
    shuffled = read_gold_segments(_write(tmp_path / "b.csv", [rows[i] for i in order]))
    again = evaluate_coding(book, shuffled, encoder, protocol="online", seeds=2, groups=[labels[i] for i in order],
                            adapt_steps=0)
    assert again["groups"] == groups


def test_bench_reports_the_content_split(tmp_path: Path) -> None:
    """``bench_coding.py --by-content``: the groups come from the lexical part's lemmas and the report
    gets a table of them (none measured: no table)."""
    bench = load_evaluation_script(REPO, "bench_coding")
    assert bench.content_groups(["Nothing.", "The nurse was kind."]) == [bench.NO_CONTENT, bench.CONTENT]
    entry = {"set": "nhs-patient-feedback", "variant": "triage", "protocol": "zero-shot", "top3": 0.5,
             "groups": {bench.NO_CONTENT: {"n": 2, "top1": 0.0, "top3": 0.25}, bench.CONTENT: {"n": 6, "top1": 0.5,
                                                                                         "top3": 0.5833}}}
    table = bench._content_table([entry])
    assert "| nhs-patient-feedback | triage | zero-shot | 2 | 0.250 | 6 | 0.583 | 0.500 |" in table
    assert bench._content_table([{k: v for k, v in entry.items() if k != "groups"}]) == []
