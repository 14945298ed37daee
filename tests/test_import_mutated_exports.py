"""Damaged exports never end in a traceback: real exports, mutated as files get damaged in
transit (bytes flipped, cut short, lines lost or repeated, stray braces, tags, NULs), are read
or refused with a TriageError (one clear line), whatever the damage.

A seeded sample of mutations of every shared export (``../shared/data/exports``), through the
real readers. The mutations that found a traceback are kept in the sample: a CSV row with
several unquoted values past its last column (the warning named a column past the header).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from _mutations import mutated

from triage.errors import TriageError
from triage.records.load import read_file


@pytest.mark.parametrize("seed", [1, 2])
def test_mutated_exports_are_read_or_refused_in_one_line(shared_data: Path, tmp_path: Path, seed: int) -> None:
    exports = sorted(p for p in (shared_data / "exports").glob("*/*") if p.name != "README.md")
    assert len(exports) > 50
    rng = random.Random(seed)
    crashes = []
    for n in range(200):
        source = rng.choice(exports)
        damaged = tmp_path / f"damaged{n}{source.suffix}"
        damaged.write_bytes(mutated(source.read_bytes()[:200_000], rng))
        try:
            read_file(damaged)
        except TriageError as exc:
            assert "\n" not in str(exc).strip(), f"{source.name}: a refusal of more than one line"
        except Exception as exc:  # noqa: BLE001  (what the test is for: any other exception is a traceback)
            crashes.append(f"{source.name} -> {damaged.name}: {type(exc).__name__}: {exc}")
    assert not crashes, crashes
