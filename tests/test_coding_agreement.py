"""Cohen's kappa per code and overall, and the disagreements."""

from __future__ import annotations

import pytest
from sklearn.metrics import cohen_kappa_score

from triage.coding.agreement import agreement


def test_kappa_per_code_and_overall() -> None:
    segments = [1, 2, 3, 4]
    a = {(1, "x"), (2, "x"), (3, "y")}
    b = {(1, "x"), (3, "x"), (3, "y"), (9, "x")}  # segment 9 not double-coded: ignored
    report = agreement(segments, ["x", "y", "z"], a, b, coders=("ana", "ben"))
    x = report.per_code[0]
    assert x.kappa == pytest.approx(cohen_kappa_score([1, 1, 0, 0], [1, 0, 1, 0]))
    assert (x.n_a, x.n_b, x.observed) == (2, 2, 0.5)
    assert report.per_code[1].kappa == 1.0
    assert report.per_code[2].kappa is None and report.per_code[2].observed == 1.0  # nobody used z
    assert report.overall_kappa == pytest.approx(
        cohen_kappa_score([1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0]))
    assert [(d.segment_id, d.code_id, d.applied_by) for d in report.disagreements] == [
        (2, "x", "ana"), (3, "x", "ben")]


def test_no_segments() -> None:
    report = agreement([], ["x"], set(), set())
    assert report.overall_kappa is None and report.disagreements == []
