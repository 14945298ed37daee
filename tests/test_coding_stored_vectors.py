"""Code suggestions from stored vectors: once a project's segments and code texts are embedded,
``triage code suggest`` answers without loading the sentence encoder (issue 18: a suggestion in
under 100 ms once the embeddings exist; the load alone took 7.5 s of CPU on the demo)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from triage.cli.main import app
from triage.coding.learn import code_text_vectors
from triage.embeddings import LazyEncoder, load_encoder
from triage.store.code_vectors import stored_code_vectors
from triage.store.coding import load_codebook, save_codebook
from triage.store.db import Project

runner = CliRunner()


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture()
def coded_project(project: Project, repo_root: Path) -> Project:
    demo = repo_root / "corpora" / "demo" / "coding"
    p = ["-p", str(project.directory)]
    _run("codebook", "import", str(demo / "codebook.json"), "--coder", "ana", *p)
    _run("code", "import", str(demo / "study-a-hollis-2021.md"), *p)
    return project


@pytest.mark.slow  # a fresh interpreter and a first encoder load: 15-30 s on the shared machine
def test_a_second_suggest_loads_no_encoder_and_suggests_the_same(coded_project: Project) -> None:
    p = ["-p", str(coded_project.directory)]
    first = [json.loads(line) for line in
             _run("code", "suggest", "--limit", "3", "--json", "--coder", "ana", *p).splitlines()]
    # A fresh interpreter: the test process has loaded the encoder already.
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from triage.cli.main import app\n"
        f"r = CliRunner().invoke(app, ['code', 'suggest', '--limit', '3', '--json', '--coder', 'ana', '-p', {str(coded_project.directory)!r}])\n"
        "print(r.output, end='')\n"
        "print('LOADED', sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = result.stdout.splitlines()
    assert lines[-1] == "LOADED []", result.stdout[-2000:] + result.stderr[-2000:]
    again = [json.loads(line) for line in lines[:-1]]
    assert [o["segment_id"] for o in again] == [o["segment_id"] for o in first]
    for a, b in zip(again, first):
        assert [s["code_id"] for s in a["suggestions"]] == [s["code_id"] for s in b["suggestions"]]
        assert np.allclose([s["score"] for s in a["suggestions"]], [s["score"] for s in b["suggestions"]], atol=1e-3)


def test_code_vectors_follow_the_codebook(coded_project: Project) -> None:
    encoder = load_encoder()
    with coded_project.transaction() as s:
        book = load_codebook(s)
        code = book.codable()[0]
        texts = [code.name, "a description nobody wrote before"]
        vectors = code_text_vectors(s, encoder, texts)
        assert np.allclose(vectors, encoder.encode(texts), atol=1e-5)
        book.describe(code.id, "a new description of the code")
        save_codebook(s, book, "ana")
    with coded_project.transaction() as s:
        kept = stored_code_vectors(s, encoder.name)
        assert set(kept) == set(texts)  # the set stored is what was asked last, nothing older
        again = code_text_vectors(s, LazyEncoder(), texts)  # all stored: no encoding needed
        assert np.allclose(again, vectors)
        changed = [code.name, "a new description of the code"]
        assert np.allclose(code_text_vectors(s, encoder, changed)[1], encoder.encode(changed[1:])[0], atol=1e-5)
        assert set(stored_code_vectors(s, encoder.name)) == set(changed)


def test_a_lazy_encoder_loads_only_when_asked_for_vectors(tmp_path: Path) -> None:
    lazy = LazyEncoder(tmp_path / "no-model-here")
    assert lazy.name == "no-model-here" and not lazy.loaded  # the name vectors are stored under, no load
    from triage.errors import TriageError

    with pytest.raises(TriageError, match="cannot load the embedding model"):
        lazy.encode(["text"])
