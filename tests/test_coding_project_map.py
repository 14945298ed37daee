"""A coder's project map in a project (issue 18, round 10): refitted when due, kept in the store per coder,
used by every suggestion (SQLite and PostgreSQL; the web's background refit: tests/test_web_coding.py)."""

from __future__ import annotations

import io
import subprocess
import sys
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
from triage.store.project_maps import save_project_map, stored_map_accepts, stored_project_map
from triage.store.ranking_state import load_state, save_state, state_summaries
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
        assert kept is not None and stored_map_accepts(session, encoder.name, "ana") == frozenset(made)
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
        assert again is not None and stored_map_accepts(session, encoder.name, "ana") == frozenset(made + more)
        assert not np.allclose(again.matrix, kept.matrix)


def test_code_suggest_refits_and_records_the_mapped_suggester(coded_project: Project) -> None:
    p = ["-p", str(coded_project.directory)]
    _accept(coded_project, "ana", 3)
    _run("code", "suggest", "--limit", "1", "--coder", "ana", *p)
    with coded_project.reading() as session:
        assert stored_project_map(session, load_encoder().name, "ana") is not None
        shown = [m for (m,) in session.query(CodeSuggestionRow.model).distinct()]
    assert any(m.startswith("prototype-knn+logreg+map/") for m in shown), shown


def test_a_refit_at_the_command_line_imports_no_torch(coded_project: Project) -> None:
    """``code suggest`` after an accept refits the coder's map (due after every change below 64 accepts) in a
    fresh interpreter, with every vector stored: the fit is numpy's, so neither torch nor the encoder loads
    (torch's import was half of such a call: 9.9 s against 5.0 s for the next one on the demo)."""
    p = ["-p", str(coded_project.directory)]
    _accept(coded_project, "ana", 2)
    _run("code", "suggest", "--limit", "1", "--coder", "ana", *p)  # stores every vector, fits the first map
    more = _accept(coded_project, "ana", 1, skip=2)
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from triage.cli.main import app\n"
        f"r = CliRunner().invoke(app, ['code', 'suggest', '--limit', '1', '--coder', 'ana', '-p', "
        f"{str(coded_project.directory)!r}])\n"
        "assert r.exit_code == 0, r.output\n"
        "print('LOADED', sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert result.stdout.splitlines()[-1] == "LOADED []", result.stdout[-2000:]
    with coded_project.reading() as session:
        fitted_on = stored_map_accepts(session, load_encoder().name, "ana")
        assert fitted_on is not None and set(more) <= fitted_on  # the map was refitted on the new accept


def test_the_refit_check_reads_the_accepts_not_the_matrix(coded_project: Project, encoder: Encoder) -> None:
    """A coding page asks whether the coder's map is due (refit_project_map): that needs the accepts it was fitted
    on, kept apart from the map's 590 KB matrix, so the check works whatever the matrix's piece holds."""
    project = coded_project
    made = sorted(_accept(project, "ana", 3))
    assert refit_project_map(project, encoder, "ana") is True
    with project.transaction() as session:
        sizes = {s["kind"]: s["bytes"] for s in state_summaries(session) if s["stage"] == "coding"}
        assert sizes["coding_map_accepts"] * 100 < sizes["coding_map"]  # 384 x 384 floats against three pairs
        # The map's piece made unreadable: the check does not open it.
        kept = load_state(session, "coding_map", stage="coding", preset=f"{encoder.name}|ana")
        assert kept is not None
        with np.load(io.BytesIO(kept.data)) as archive:  # still there for a triage from before they were apart
            assert sorted(zip(archive["accepted_segments"].tolist(), archive["accepted_codes"].tolist())) == made
        save_state(session, "coding_map", stage="coding", preset=f"{encoder.name}|ana", key=kept.key,
                   data=b"not an archive", meta=kept.meta)
    assert refit_project_map(project, encoder, "ana") is False  # nothing changed: not due, matrix never read
    with project.reading() as session:
        assert stored_map_accepts(session, encoder.name, "ana") == frozenset(made)


def test_a_map_kept_with_its_accepts_inside_still_tells_them(coded_project: Project, encoder: Encoder) -> None:
    """A map kept before the accepts were kept apart (one archive with both) still says what it was fitted on."""
    made = sorted(_accept(coded_project, "ana", 2))
    buffer = io.BytesIO()
    dim = encoder.dimension
    np.savez(buffer, center=np.zeros(dim, dtype=np.float32), matrix=np.eye(dim, dtype=np.float32),
             accepted_segments=np.array([s for s, _ in made], dtype=np.int64),
             accepted_codes=np.array([c for _, c in made], dtype=str))
    with coded_project.transaction() as session:
        save_state(session, "coding_map", stage="coding", preset=f"{encoder.name}|ana", key="old",
                   data=buffer.getvalue(), meta={"accepts": 2, "coder": "ana"})
    with coded_project.reading() as session:
        assert stored_map_accepts(session, encoder.name, "ana") == frozenset(made)
        kept = stored_project_map(session, encoder.name, "ana")
        assert kept is not None and np.array_equal(kept.matrix, np.eye(dim, dtype=np.float32))
    assert refit_project_map(coded_project, encoder, "ana") is False  # fitted on these two: not due
    with coded_project.transaction() as session:  # a new fit keeps them apart
        save_project_map(session, encoder.name, "ana", np.zeros(dim), np.eye(dim), made)
        assert load_state(session, "coding_map_accepts", stage="coding", preset=f"{encoder.name}|ana") is not None


def test_an_accepted_paragraph_has_its_vector_readied(coded_project: Project, encoder: Encoder) -> None:
    """A coder may accept a code for a whole paragraph (``code accept PARAGRAPH``): the suggester learns from it
    and the map is fitted on it, so its vector is stored with the sentences' before any transaction
    (store_missing_vectors), not encoded inside the transaction a page suggests in (build_suggester)."""
    from triage.coding.learn import store_missing_vectors

    with coded_project.transaction() as session:
        codebook = store.load_codebook(session)
        paragraph = next(s for s in store.document_segments(session, store.documents(session)[0].id)
                         if s.kind == "paragraph")
        appl.record_code_decision(session, codebook, paragraph.id, codebook.codable()[0].id, "accept", coder="ana")
    store_missing_vectors(coded_project, encoder)
    with coded_project.reading() as session:
        assert paragraph.id in store.stored_segment_vectors(session, encoder.name, [paragraph.id])
        assert not store.segments_without_vectors(session, encoder.name)
