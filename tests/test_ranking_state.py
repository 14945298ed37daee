"""The ranking state kept in the project (issue 17): reused while nothing it depends on
changed, rebuilt when a decision, the records or the criteria change, and the same
answers as a queue built from nothing."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from _demo_project import make_demo_project, next_json
from typer.testing import CliRunner

from triage.cli.main import app
from triage.screening.kept_advice import kept_stopping_advice
from triage.screening.kept_queue import kept_queue
from triage.screening.queue import ScreeningQueue
from triage.screening.ranking_state import RankingState
from triage.store.db import Project
from triage.store.records import screenable_records

runner = CliRunner()


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> Path:
    """The demo's Embase export with the demo criteria, ranked once by ``elas_u4`` (words
    and criteria only: no embedding model to load)."""
    return make_demo_project(tmp_path_factory.mktemp("kept") / "review", repo_root)


@pytest.fixture()
def proj(prepared: Path, tmp_path: Path) -> Path:
    path = tmp_path / "review"
    shutil.copytree(prepared, path)
    return path


_next = next_json


def _record_ids(project: Project) -> list[int]:
    with project.reading() as session:
        return [rid for rid, _ in screenable_records(session)]


def _decide(proj: Path, record_id: object, decision: str) -> None:
    result = runner.invoke(app, ["decide", str(record_id), decision, "--reviewer", "ana", "-p", str(proj)])
    assert result.exit_code == 0, result.output


def test_kept_order_serves_what_a_new_queue_computes(proj: Path) -> None:
    with Project.open(proj) as project:
        assert kept_queue(project) is None  # nothing kept before the first ranking
    built = _next(proj, 5)
    with Project.open(proj) as project:
        kept = kept_queue(project)
        assert kept is not None
        served = kept.next(5)
        assert [s.record_id for s in served] == [b["id"] for b in built]
        fresh = ScreeningQueue(project).next(5)
        assert [s.record_id for s in served] == [s.record_id for s in fresh]
        assert [s.score for s in served] == pytest.approx([s.score for s in fresh])
        # the explanation comes from the kept criteria scores: the same words as a fresh one
        assert [kept.explain(s).matched_terms() for s in served] == [
            ScreeningQueue(project).explain(s).matched_terms() for s in fresh  # type: ignore[attr-defined]
        ]
    assert _next(proj, 5) == built  # served from the kept order, the same JSON


def test_a_decision_makes_the_order_stale_and_the_rebuild_reuses_words_and_criteria(proj: Path) -> None:
    first = _next(proj, 3)
    assert first[0]["model_decisions"] == 0
    with Project.open(proj) as project:
        state = RankingState.of_project(project)
        inputs = state.inputs()
        ids = ScreeningQueue(project).record_ids
        assert state.tfidf(inputs, ids) is not None
        assert state.criteria_fit(inputs, ids, semantic=False) is not None
    _decide(proj, first[0]["id"], "include")
    _decide(proj, first[1]["id"], "exclude")
    with Project.open(proj) as project:
        assert kept_queue(project) is None  # two decisions since the kept order
        state = RankingState.of_project(project)
        inputs = state.inputs()
        # words and criteria depend on the records only: still kept after the decisions
        assert state.tfidf(inputs, ids) is not None
        assert state.criteria_fit(inputs, ids, semantic=False) is not None
    after = _next(proj, 3)
    assert after[0]["model_decisions"] == 2
    assert {first[0]["id"], first[1]["id"]}.isdisjoint(a["id"] for a in after)
    with Project.open(proj) as project:
        kept = kept_queue(project)
        assert kept is not None and kept.decisions_seen == 2


def test_new_criteria_rebuild_the_criteria_scores(proj: Path, tmp_path: Path, repo_root: Path) -> None:
    _next(proj, 1)
    criteria = (repo_root / "corpora" / "demo" / "criteria.toml").read_text()
    changed = tmp_path / "criteria.toml"
    changed.write_text(criteria.replace("qualitative", "ethnograph", 1))
    assert "ethnograph" in changed.read_text()
    result = runner.invoke(app, ["criteria", "set", str(changed), "--reviewer", "ana", "-p", str(proj)])
    assert result.exit_code == 0, result.output
    with Project.open(proj) as project:
        assert kept_queue(project) is None
        state = RankingState.of_project(project)
        inputs = state.inputs()
        record_ids = _record_ids(project)
        assert state.criteria_fit(inputs, record_ids, semantic=False) is None
        assert state.tfidf(inputs, record_ids) is not None  # the words did not change


def test_kept_stopping_advice_equals_the_fresh_advice(proj: Path) -> None:
    shown = _next(proj, 12)
    for i, s in enumerate(shown):
        _decide(proj, s["id"], "include" if i % 4 == 0 else "exclude")
    from triage.screening.advice import stopping_advice

    with Project.open(proj) as project:
        first = kept_stopping_advice(project)
        again = kept_stopping_advice(project)
        fresh = json.loads(json.dumps(stopping_advice(project)))
    assert first == again == fresh
    assert first["screened"] == 12 and first["found"] == 3


def test_kept_pieces_are_checked_against_the_records(proj: Path) -> None:
    """A stored piece for other record ids is never used, even under the same key."""
    _next(proj, 1)
    with Project.open(proj) as project:
        state = RankingState.of_project(project)
        inputs = state.inputs()
        record_ids = _record_ids(project)
        assert state.tfidf(inputs, record_ids) is not None
        assert state.tfidf(inputs, list(reversed(record_ids))) is None


@pytest.mark.slow
def test_embeddings_in_the_background_then_used(tmp_path: Path, repo_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the default preset and no embeddings yet, the first order comes at once (words
    and criteria), a detached process embeds the records, and once it finished the kept
    order is stale and the next one is ranked with embeddings."""
    monkeypatch.setenv("TRIAGE_EMBEDDINGS", "background")
    demo = repo_root / "corpora" / "demo"
    path = tmp_path / "review"
    assert runner.invoke(app, ["init", str(path), "--criteria", str(demo / "criteria.toml")]).exit_code == 0
    assert runner.invoke(app, ["import", str(demo / "embase.ris"), "-p", str(path)]).exit_code == 0
    first = _next(path, 3)
    assert first[0]["embeddings_pending"] is True
    assert "(embeddings pending)" not in str(first[0]["model"])  # decisions record the preset as before
    lock = path / "embedding.lock"
    with Project.open(path) as project:
        records = len(_record_ids(project))
        state = RankingState.of_project(project)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and (state.inputs().embedded < records or lock.exists()):
            time.sleep(1)
    assert not lock.exists(), (path / "embedding.log").read_text()
    with Project.open(path) as project:
        assert kept_queue(project) is None  # ranked while pending: stale once they are all there
    after = _next(path, 3)
    assert after[0]["embeddings_pending"] is False
    with Project.open(path) as project:
        queue = ScreeningQueue(project)
        assert queue.cycle.embeddings_pending is False
        assert queue.cycle._embeddings is not None and np.isfinite(queue.cycle._embeddings).all()
    assert os.environ["TRIAGE_EMBEDDINGS"] == "background"


def test_status_says_what_the_ranking_learned_from(proj: Path) -> None:
    def ranking() -> dict[str, object]:
        result = runner.invoke(app, ["status", "--json", "-p", str(proj)])
        assert result.exit_code == 0, result.output
        block: dict[str, object] = json.loads(result.output)["ranking"]
        return block

    assert ranking()["model"] is None  # nothing ranked yet
    shown = _next(proj, 1)
    first = ranking()
    assert first["current"] is True and first["model_decisions"] == 0 and first["model"] == shown[0]["model"]
    _decide(proj, shown[0]["id"], "exclude")
    assert ranking()["current"] is False  # the kept order predates the decision
    _next(proj, 1)
    after = ranking()
    assert after["current"] is True and after["model_decisions"] == 1


def test_next_and_status_from_the_kept_state_load_no_model_libraries(proj: Path) -> None:
    """The kept path is what makes ``next``/``status`` start in a second: neither may import
    scikit-learn, spaCy, SciPy's statistics or torch (seconds each) once the state exists."""
    import subprocess
    import sys

    _next(proj, 1)
    assert runner.invoke(app, ["status", "-p", str(proj)]).exit_code == 0  # keeps the advice
    probe = (
        "import sys\nfrom triage.cli.main import main\npath = sys.argv[1]\n"
        "for args in (['next', '-n', '1', '--json'], ['status', '--json']):\n"
        "    sys.argv = ['triage', *args, '-p', path]\n"
        "    try:\n        main()\n    except SystemExit as exit:\n        assert not exit.code, exit.code\n"
        "heavy = sorted(m for m in ('sklearn', 'spacy', 'torch', 'scipy.stats') if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(proj)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "HEAVY []", done.stdout[-2000:]


def test_kept_status_counts_equal_fresh_ones_and_follow_decisions(proj: Path) -> None:
    from triage.screening.kept_advice import kept_status_facts
    from triage.store.prisma import prisma_counts

    shown = _next(proj, 2)
    with Project.open(proj) as project:
        first = kept_status_facts(project)
        again = kept_status_facts(project)
        with project.reading() as session:
            fresh = prisma_counts(session)
    assert first == again and first.counts == fresh
    _decide(proj, shown[0]["id"], "include")
    result = runner.invoke(app, ["decide", str(shown[0]["id"]), "include", "--stage", "full_text", "--reviewer", "ana",
                                 "-p", str(proj)])
    assert result.exit_code == 0, result.output
    with Project.open(proj) as project:
        after = kept_status_facts(project)
    assert after.counts.screened == first.counts.screened + 1
    assert after.counts.full_text_assessed == first.counts.full_text_assessed + 1


def test_embed_command_takes_the_background_runs_lock(proj: Path) -> None:
    """``triage embed`` and the background run never embed one project at once: a live
    holder of the lock makes the command stop with one line; a dead one's lock is taken
    over, and the command leaves no lock behind."""
    lock = proj / "embedding.lock"
    lock.write_text(str(os.getpid()))  # this test's process: alive
    result = runner.invoke(app, ["embed", "--json", "-p", str(proj)])
    assert result.exit_code == 1
    assert "another process is embedding" in result.output and "Traceback" not in result.output
    with Project.open(proj) as project:
        assert RankingState.of_project(project).inputs().embedded == 0
    lock.write_text("999999999")  # no such process: a dead run's lock
    result = runner.invoke(app, ["embed", "--json", "-p", str(proj)])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)
    with Project.open(proj) as project:
        assert counts["embedded"] == counts["records"] == len(_record_ids(project))
        assert RankingState.of_project(project).inputs().embedded == counts["records"]
    assert not lock.exists()
