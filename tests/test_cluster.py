"""The cluster extra: embeddings and dedup pair scoring on a Dask LocalCluster of two
worker processes (one thread each) give what one process gives.

Real shared data: a dedup benchmark set with ground truth for the pair scoring, a
screening set's titles and abstracts for the embeddings. The slow test loads the model
in both worker processes (about 10 s each on an idle 2-core machine); the quick ones use
worker threads inside this process, where the model is already loaded.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import running_in_ci
from typer.testing import CliRunner

if not running_in_ci():  # CI installs the extra (scripts/setup.sh): there a missing Dask fails
    pytest.importorskip("distributed", reason='the cluster extra is not installed (pip install "triage-review[cluster]")')

from distributed import LocalCluster

from triage.cli.main import app
from triage.cluster.client import connect
from triage.cluster.dedup import cluster_scorer
from triage.cluster.embed import ClusterEncoder
from triage.dedup.engine import find_duplicates
from triage.dedup.evaluate import load_labelled
from triage.embeddings import load_encoder
from triage.errors import TriageError
from triage.ranking.features import record_text
from triage.store.db import Project
from triage.store.embeddings import stored_embeddings
from triage.store.merges import active_merges

runner = CliRunner()


@pytest.fixture(scope="module")
def two_workers() -> Iterator[str]:
    """The scheduler address of a local cluster: two worker processes, one thread each."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        yield str(cluster.scheduler_address)


@pytest.fixture(scope="module")
def two_worker_threads() -> Iterator[str]:
    """Two workers as threads of this process (the model loaded here is shared)."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster:
        yield str(cluster.scheduler_address)


def _slice(source: Path, rows: int, target: Path) -> Path:
    """The first ``rows`` records of a shared CSV, as a file to import."""
    with source.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        lines = [next(reader) for _ in range(rows + 1)]
    with target.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(lines)
    return target


def _invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_pair_scoring_on_two_workers_gives_the_single_process_result(shared_data: Path, two_workers: str) -> None:
    records, truth, _ = load_labelled(shared_data / "dedup" / "haematology.csv", "cluster_id")
    here = find_duplicates(records)
    seen: list[tuple[int, int]] = []
    with connect(two_workers) as client:
        # 500 pairs a partition: 13 partitions of the set's 6,392 pairs, several in flight at once
        there = find_duplicates(records, scorer=cluster_scorer(client, partition_pairs=500),
                                progress=lambda done, total: seen.append((done, total)))
    assert there == here  # groups, pairs for review, related versions, pairs compared
    assert len(here.groups) > 50 and here.compared > 5000
    assert len(seen) > 10 and seen[-1] == (here.compared, here.compared)
    # the groups are real duplicates: every group shares one ground-truth cluster
    assert all(len({truth[i] for i in group}) == 1 for group in here.groups)


def test_dedup_cluster_option_merges_what_a_plain_run_merges(shared_data: Path, two_workers: str,
                                                             tmp_path: Path) -> None:
    source = shared_data / "dedup" / "respiratory.csv"
    groups = []
    for name, extra in (("plain", []), ("cluster", ["--cluster", two_workers])):
        directory = tmp_path / name
        _invoke("init", str(directory))
        _invoke("import", str(source), "-p", str(directory))
        output = _invoke("dedup", "-p", str(directory), *extra)
        assert "merges made" in output
        with Project.open(directory) as project, project.reading() as session:
            groups.append(sorted(sorted(m.members) for m in active_merges(session)))
    assert groups[0] == groups[1]
    assert len(groups[0]) > 100


def test_encoder_on_worker_threads_gives_the_local_vectors_in_order(shared_data: Path,
                                                                    two_worker_threads: str) -> None:
    records, _, _ = load_labelled(shared_data / "screening" / "Cohen_2006_ADHD.csv", "record_id")
    texts = [record_text(r) for r in records[:24]]
    local = load_encoder()
    with connect(two_worker_threads) as client:
        encoder = ClusterEncoder(client, batch_texts=5)  # 5 batches, sorted by length inside
        calls: list[tuple[int, int]] = []
        vectors = encoder.encode(texts, progress=lambda done, total: calls.append((done, total)))
    assert (encoder.name, encoder.dimension) == (local.name, local.dimension)
    np.testing.assert_allclose(vectors, local.encode(texts), atol=1e-5)
    assert len(calls) == 5 and calls[-1] == (24, 24)


@pytest.mark.slow
def test_embed_cluster_option_stores_the_vectors_of_one_process(shared_data: Path, two_workers: str,
                                                                tmp_path: Path) -> None:
    data = _slice(shared_data / "screening" / "Cohen_2006_ADHD.csv", 120, tmp_path / "adhd.csv")
    stored = []
    for name, extra in (("plain", []), ("cluster", ["--cluster", two_workers])):
        directory = tmp_path / name
        _invoke("init", str(directory))
        _invoke("import", str(data), "-p", str(directory))
        assert '"embedded": 120' in _invoke("embed", "--json", "-p", str(directory), *extra)
        assert '"embedded": 0' in _invoke("embed", "--json", "-p", str(directory), *extra)  # kept in the store
        with Project.open(directory) as project, project.reading() as session:
            stored.append(stored_embeddings(session, load_encoder().name))
    plain, there = stored
    assert sorted(plain) == sorted(there) and len(plain) == 120
    for rid, (text_hash, vector) in plain.items():
        assert there[rid][0] == text_hash
        np.testing.assert_allclose(np.frombuffer(there[rid][1], dtype=np.float32),
                                   np.frombuffer(vector, dtype=np.float32), atol=1e-5)


def test_an_unreachable_scheduler_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(TriageError, match=r"cannot reach a Dask scheduler at tcp://127\.0\.0\.1:9 "):
        connect("tcp://127.0.0.1:9", timeout=0.5)
    _invoke("init", str(tmp_path / "p"))
    result = runner.invoke(app, ["dedup", "--cluster", "127.0.0.1", "-p", str(tmp_path / "p")])
    assert result.exit_code == 1
    assert result.output.startswith("error: cannot reach a Dask scheduler at 127.0.0.1 (missing port number")
    assert "Traceback" not in result.output
