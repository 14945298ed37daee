"""The coding page: results text with segments, suggestions to accept or reject, new codes, perspectives."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _web_support import HTML, JSON, build_coding_demo, build_demo, web_client

from triage.embeddings import Encoder, load_encoder
from triage.store import code_decisions as appl
from triage.store import coding as store
from triage.store.db import Project


@pytest.fixture(scope="module")
def coding_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_coding_demo(tmp_path_factory.mktemp("coding") / "template")


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    """Loaded once for the module (seconds), passed to each app as a real object."""
    return load_encoder()


@pytest.fixture()
def coding_dir(coding_template: Path, tmp_path: Path) -> Path:
    shutil.copytree(coding_template, tmp_path / "review")
    return tmp_path / "review"


def _decisions(project_dir: Path) -> list[tuple[int, str, str, str]]:
    with Project.open(project_dir) as project, project.reading() as session:
        codebook = store.load_codebook(session)
        return sorted((d.segment_id, d.code_id, d.decision, d.coder) for d in appl.current_code_decisions(session, codebook))


def test_accept_and_reject_suggestions_then_add_a_code(coding_dir: Path, encoder: Encoder) -> None:
    with web_client(coding_dir, encoder=encoder) as (client, token):
        page = client.get("/coding", headers=HTML).text
        assert "<h1>study-a-hollis-2021</h1>" in page and 'class="segment current' in page
        segment = int(re.search(r'<h2 id="segment-heading">Segment (\d+)</h2>', page).group(1))
        codes = re.findall(r'<li data-code="([\w-]+)">', page)
        assert len(codes) == 3 and "<strong>Code tree</strong>" not in page
        assert re.search(r'class="hint">\d\.\d\d · [^<]+</span>', page)  # score and reason shown
        form = {"csrf_token": token, "segment_id": segment, "perspective": ""}
        client.post("/coding/decide", data={**form, "code_id": codes[0], "decision": "accept", "rank": 1})
        client.post("/coding/decide", data={**form, "code_id": codes[1], "decision": "reject", "rank": 2})
        response = client.post("/coding/codes", data={**form, "name": "Waiting for help", "apply": "1"},
                               follow_redirects=False)
        assert response.status_code == 303
        after = client.get(response.headers["location"], headers=HTML).text
        assert '<span class="chip code">Waiting for help</span>' in after
        bad = client.post("/coding/decide", headers=JSON, data={**form, "code_id": "nope", "decision": "accept"})
        assert bad.status_code == 400 and bad.json()["error"]["message"] == "no code 'nope' in the codebook"
        # the export buttons: coded segments, counts, the codebook in each format
        coded = list(csv.DictReader(io.StringIO(client.get("/export/coded-segments.csv").text)))
        assert sorted(r["code_id"] for r in coded) == sorted([codes[0], "waiting-for-help"])
        assert {r["coder"] for r in coded} == {"ana"} and coded[0]["perspective"] == "parent"
        counts = {r["code_id"]: r for r in csv.DictReader(io.StringIO(client.get("/export/coded-counts.csv").text))}
        assert counts["waiting-for-help"]["total"] == "1" and counts["waiting-for-help"]["perspective: parent"] == "1"
        tree = json.loads(client.get("/export/codebook.json").text)
        assert any(code["id"] == "waiting-for-help" for code in tree)
        qdc = client.get("/export/codebook.qdc")
        assert qdc.headers["content-disposition"] == 'attachment; filename="codebook.qdc"'
        assert b"urn:QDA-XML:codebook:1.0" in qdc.content and b'name="Waiting for help"' in qdc.content
        missing = client.get("/export/codebook.docx", headers=JSON)
        assert missing.status_code == 404 and missing.json()["error"]["message"] == "no codebook format 'docx'"
    assert _decisions(coding_dir) == sorted([
        (segment, codes[0], "accept", "ana"), (segment, codes[1], "reject", "ana"),
        (segment, "waiting-for-help", "accept", "ana"),
    ])


def test_perspective_filter_and_segment_attribute(coding_dir: Path, encoder: Encoder) -> None:
    with web_client(coding_dir, reviewer=None, encoder=encoder) as (client, token):
        page = client.get("/coding?perspective=practitioner", headers=HTML).text
        assert "<h1>study-b-okafor-2022</h1>" in page and "study-a-hollis-2021</option>" not in page
        assert "Choose your coder name" in page
    with web_client(coding_dir, encoder=encoder) as (client, token):
        page = client.get("/coding?perspective=practitioner", headers=HTML).text
        segment = int(re.search(r'<h2 id="segment-heading">Segment (\d+)</h2>', page).group(1))
        document = int(re.search(r'<option value="(\d+)" selected>', page).group(1))
        client.post("/coding/attributes", data={"csrf_token": token, "segment_id": segment, "value": "parent"})
        parents = client.get(f"/coding?perspective=parent&document={document}", headers=HTML).text
        assert "study-b-okafor-2022 (practitioner)</option>" in parents  # one of its segments is a parent's now
        assert f'id="seg-{segment}"' in parents


def test_a_server_start_readies_suggestions_before_the_first_coding_page(coding_dir: Path, encoder: Encoder) -> None:
    """The encoder, spaCy and the project's word index are built in the background at start,
    so the first coder does not wait for them; a project with nothing to code builds nothing."""
    from triage.coding import learn

    with Project.open(coding_dir) as project, project.reading() as session:
        url = store.store_url(session)
    learn._LEXICAL.pop(url, None)
    with web_client(coding_dir, reviewer=None, encoder=encoder) as (client, _):
        coding = client.app.state.triage.coding  # type: ignore[attr-defined]
        assert coding.warmed.wait(60)
        assert url in learn._LEXICAL  # built without a request to /coding


def test_no_warm_up_without_coding(tmp_path: Path) -> None:
    project_dir = build_demo(tmp_path / "plain")
    with web_client(project_dir, reviewer=None) as (client, _):
        coding = client.app.state.triage.coding  # type: ignore[attr-defined]
        assert coding.warmed.wait(60)
        assert coding._encoder is None  # nothing to suggest for: no model loaded


class _GatedEncoder(Encoder):
    """The real encoder, held at the door while it encodes the project's sentences, so a test
    can write to the store in that moment (what a reviewer screening beside the coders does)."""

    def __init__(self, inner: Encoder, sentences: set[str]) -> None:
        super().__init__(model=None, name=inner.name)
        self._inner, self._sentences = inner, sentences
        self.entered, self.gate = threading.Event(), threading.Event()

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    def encode(self, texts: Sequence[str], **kwargs: Any) -> np.ndarray:
        if texts and set(texts) <= self._sentences:
            self.entered.set()
            assert self.gate.wait(60)
        return self._inner.encode(texts, **kwargs)


def test_encoding_a_projects_sentences_holds_no_write_lock(coding_dir: Path, encoder: Encoder) -> None:
    """On SQLite a transaction that has written holds the write lock: the warm-up encodes every
    sentence outside one, so a decision written meanwhile is stored at once (before: it waited
    for the encoding, and past the 10 s busy timeout it failed)."""
    from sqlalchemy import delete

    from triage.store.schema_coding import SegmentVectorRow
    from triage.store.schema_ranking import RankingStateRow
    from triage.web.routes.coding import CodingModels

    with Project.open(coding_dir) as project, project.transaction() as session:
        session.execute(delete(SegmentVectorRow))
        session.execute(delete(RankingStateRow).where(RankingStateRow.kind == "code_vectors"))
        sentences = {s.text for s in store.sentence_segments(session)}
        code = store.load_codebook(session).codable()[0].id
    project = Project.open(coding_dir)
    gated = _GatedEncoder(encoder, sentences)
    models = CodingModels(project, gated)
    warm_up = models.warm_up()
    try:
        assert gated.entered.wait(60)
        started = time.monotonic()
        with Project.open(coding_dir) as other, other.transaction() as session:
            store.add_memo(session, store.load_codebook(session), "written while the sentences encode",
                           coder="ben", code_id=code)
        assert time.monotonic() - started < 5
    finally:
        gated.gate.set()
        warm_up.join(60)
        project.close()
    assert models.warmed.is_set()
    with Project.open(coding_dir) as project, project.reading() as session:
        assert not store.segments_without_vectors(session, encoder.name)


def test_closing_the_models_waits_for_the_warm_up(coding_dir: Path, encoder: Encoder,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The server closes the store after the models. A warm-up still building its suggester (a
    read session open for seconds: spaCy, the word index) then handed its connection back to a
    disposed pool, which nobody closed; on PostgreSQL the garbage collector closed it later and
    psycopg's ResourceWarning failed an unrelated test in CI. close() now waits for the warm-up."""
    from sqlalchemy import select

    from triage.coding import learn
    from triage.store.schema import SettingRow
    from triage.web.routes.coding import CodingModels

    building, gate = threading.Event(), threading.Event()
    build = learn.build_suggester

    def slow_build(session: Any, *args: Any, **kwargs: Any) -> Any:
        session.scalars(select(SettingRow)).all()  # the session holds its connection from here
        building.set()
        assert gate.wait(60)
        return build(session, *args, **kwargs)

    monkeypatch.setattr(learn, "build_suggester", slow_build)
    project = Project.open(coding_dir)
    models = CodingModels(project, encoder)
    warm_up = models.warm_up()
    opener = threading.Timer(1.0, gate.set)  # the warm-up is held mid-build when close() starts
    try:
        assert building.wait(60)
        opener.start()
        models.close()
        assert not warm_up.is_alive()
        assert project.engine.pool.checkedout() == 0  # nothing left to hand back after the store closes
    finally:
        gate.set()
        opener.cancel()
        warm_up.join(60)
        project.close()


def test_the_warm_up_is_never_a_daemon_thread(tmp_path: Path) -> None:
    """Started from a daemon thread (a test client's, a server's) a thread would inherit daemon:
    one still inside torch when the interpreter exits aborts the whole process (exit 134)."""
    from triage.web.routes.coding import CodingModels

    project = Project.open(build_demo(tmp_path / "plain"))
    started: list[threading.Thread] = []
    starter = threading.Thread(target=lambda: started.append(CodingModels(project).warm_up()), daemon=True)
    starter.start()
    starter.join(10)
    started[0].join(60)
    project.close()
    assert started[0].daemon is False


def test_the_coding_page_refits_a_coders_map_in_the_background(coding_dir: Path, encoder: Encoder) -> None:
    """After an accept the next page asks for the coder's project map (issue 18, round 10) to be refitted,
    in the background: the kept map then holds that accept."""
    from triage.store.project_maps import stored_map_accepts, stored_project_map

    review = coding_dir
    with web_client(review, encoder=encoder) as (client, token):
        page = client.get("/coding", headers=HTML).text
        segment = int(re.search(r'<h2 id="segment-heading">Segment (\d+)</h2>', page).group(1))
        code = re.findall(r'<li data-code="([\w-]+)">', page)[0]
        client.post("/coding/decide", data={"csrf_token": token, "segment_id": segment, "perspective": "",
                                            "code_id": code, "decision": "accept", "rank": 1})
        coding = client.app.state.triage.coding  # type: ignore[attr-defined]
        client.get("/coding", headers=HTML)  # the page after the accept asks for a refit
        thread = coding._maps_thread
        if thread is not None:
            thread.join(60)
        with Project.open(review) as project, project.reading() as session:
            kept = stored_project_map(session, encoder.name, "ana")
            fitted_on = stored_map_accepts(session, encoder.name, "ana")
        assert kept is not None and fitted_on == frozenset({(segment, code)})
        page = client.get("/coding", headers=HTML)
        assert page.status_code == 200


def test_a_coding_page_reads_the_codebook_once(coding_dir: Path, encoder: Encoder) -> None:
    """A coding page reads the codebook once (readying the vectors, the page and its suggestions share it), not
    once for each step: the SQL the page's own thread runs holds one query of the codes table."""
    from sqlalchemy import event

    with web_client(coding_dir, encoder=encoder) as (client, _token):
        assert client.get("/coding", headers=HTML).status_code == 200  # the first page stores every vector
        coding = client.app.state.triage.coding  # type: ignore[attr-defined]
        if coding._maps_thread is not None:
            coding._maps_thread.join(60)
        read: list[str] = []

        def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
            if threading.current_thread().name not in ("coding-map", "coding-warm-up") \
                    and re.search(r"\bFROM codes\b", statement):
                read.append(statement)

        event.listen(coding.project.engine, "before_cursor_execute", count)
        try:
            page = client.get("/coding", headers=HTML)
        finally:
            event.remove(coding.project.engine, "before_cursor_execute", count)
    assert page.status_code == 200 and 'class="segment current' in page.text
    assert len(read) == 1, read
