"""A coder's project map in a project (issue 18, round 10): refitted when due, kept in the store per coder,
used by every suggestion (SQLite and PostgreSQL; the web's background refit: tests/test_web_coding.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from _web_support import build_coding_demo
from typer.testing import CliRunner

from triage.cli.main import app
from triage.coding.adapt import map_is_due
from triage.coding.learn import build_suggester, refit_project_map
from triage.embeddings import Encoder, load_encoder
from triage.store import code_decisions as appl
from triage.store import coding as store
from triage.store.db import Project
from triage.store.project_maps import stored_project_map
from triage.store.schema_coding import CodeSuggestionRow

runner = CliRunner()


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return load_encoder()


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture()
def coded_project(tmp_path: Path, database: str | None) -> Iterator[Project]:
    """The demo codebook and two studies, on SQLite and on PostgreSQL."""
    path = build_coding_demo(tmp_path / "review")
    with Project.open(path, database) as project:
        yield project


def _accept(project: Project, coder: str, n: int, *, skip: int = 0) -> list[tuple[int, str]]:
    """``coder`` accepts a code on ``n`` sentences (after the first ``skip``), codes taken in turn."""
    with project.transaction() as session:
        codebook = store.load_codebook(session)
        codes = [c.id for c in codebook.codable()]
        sentences = store.sentence_segments(session)[skip:skip + n]
        made = [(s.id, codes[i % len(codes)]) for i, s in enumerate(sentences)]
        for segment_id, code_id in made:
            appl.record_code_decision(session, codebook, segment_id, code_id, "accept", coder=coder)
    return made


def test_the_refit_rule() -> None:
    """After every change up to 63 accepts, then as a 32nd of them has changed."""
    assert not map_is_due(None, 0) and map_is_due(None, 1)
    assert map_is_due(10, 1) and map_is_due(63, 1)
    assert not map_is_due(64, 1) and map_is_due(64, 2)
    assert not map_is_due(3200, 99) and map_is_due(3200, 100)


def test_a_map_is_fitted_when_due_kept_per_coder_and_used(coded_project: Project, encoder: Encoder) -> None:
    project = coded_project
    assert refit_project_map(project, encoder, "ana") is False  # nothing accepted: nothing to learn
    with project.reading() as session:
        assert stored_project_map(session, encoder.name, "ana") is None
    made = _accept(project, "ana", 4)
    assert refit_project_map(project, encoder, "ana") is True
    assert refit_project_map(project, encoder, "ana") is False  # nothing changed since
    with project.reading() as session:
        kept = stored_project_map(session, encoder.name, "ana")
        assert kept is not None and kept.accepts == frozenset(made)
        assert not np.allclose(kept.matrix, np.eye(kept.matrix.shape[0]), atol=1e-4)  # it learned something
        assert stored_project_map(session, encoder.name, "ben") is None  # another coder's is their own
        codebook = store.load_codebook(session)
        mapped = build_suggester(session, codebook, encoder, coder="ana")
        plain = build_suggester(session, codebook, encoder, coder="ana", project_map=False)
        other = build_suggester(session, codebook, encoder, coder="ben")
        x = np.vstack([encoder.encode(["Parents said the social worker never listened to them."])])
        assert mapped.name.endswith("+map") and not plain.name.endswith("+map") and not other.name.endswith("+map")
        assert not np.allclose(mapped.decision_function(x), plain.decision_function(x))
    more = _accept(project, "ana", 1, skip=4)  # one more change at 4 accepts: due again
    assert refit_project_map(project, encoder, "ana") is True
    with project.reading() as session:
        again = stored_project_map(session, encoder.name, "ana")
        assert again is not None and again.accepts == frozenset(made + more)
        assert not np.allclose(again.matrix, kept.matrix)


def test_code_suggest_refits_and_records_the_mapped_suggester(coded_project: Project) -> None:
    p = ["-p", str(coded_project.directory)]
    _accept(coded_project, "ana", 3)
    _run("code", "suggest", "--limit", "1", "--coder", "ana", *p)
    with coded_project.reading() as session:
        assert stored_project_map(session, load_encoder().name, "ana") is not None
        shown = [m for (m,) in session.query(CodeSuggestionRow.model).distinct()]
    assert any(m.startswith("prototype-knn+logreg+map/") for m in shown), shown
