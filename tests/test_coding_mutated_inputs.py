"""Damaged papers, codebooks and criteria files never end in a traceback: the demo's papers
(Markdown, text, JATS XML), the shared syntheses' Markdown, the shared and demo codebooks and
criteria files, mutated (:mod:`_mutations`), are read or refused with a TriageError."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _mutations import mutated

from triage.coding.codebook_io import read_codebook
from triage.coding.documents import read_document
from triage.criteria import load_criteria
from triage.errors import TriageError


def test_mutated_papers_codebooks_and_criteria_are_read_or_refused(shared_data: Path, repo_root: Path,
                                                                  tmp_path: Path) -> None:
    demo = repo_root / "corpora" / "demo"
    inputs: list[tuple[Path, Callable[[Path], Any]]] = [
        *((p, read_document) for p in sorted((demo / "coding").glob("study-*"))),
        *((p, read_document) for p in sorted((shared_data / "coding").glob("qes-*/source.md"))),
        *((p, read_codebook) for p in sorted((shared_data / "coding").glob("*/codebook.json"))),
        (demo / "coding" / "codebook.json", read_codebook),
        *((p, load_criteria) for p in sorted((shared_data.parent / "examples").glob("*.toml"))),
        (demo / "criteria.toml", load_criteria),
    ]
    assert len(inputs) > 10
    rng = random.Random(3)
    crashes = []
    for n in range(150):
        source, read = rng.choice(inputs)
        damaged = tmp_path / f"damaged{n}{source.suffix}"
        damaged.write_bytes(mutated(source.read_bytes()[:300_000], rng))
        try:
            read(damaged)
        except TriageError:
            pass
        except Exception as exc:  # noqa: BLE001  (what the test is for: any other exception is a traceback)
            crashes.append(f"{source.name} -> {damaged.name}: {type(exc).__name__}: {exc}")
    assert not crashes, crashes
