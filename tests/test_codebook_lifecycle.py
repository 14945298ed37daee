"""The codebook as it lives: merge, split, move and undo carry coded segments, learned
examples (accepts and rejects) and memos with the code, recorded with who did it."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from triage.cli.main import app
from triage.coding.learn import build_suggester, segment_vectors
from triage.embeddings import Encoder, load_encoder
from triage.store import code_decisions as appl
from triage.store import coding as store
from triage.store.db import Project
from triage.store.schema_coding import CodeHistoryRow

runner = CliRunner()

CODEBOOK = [
    {"id": "access", "name": "Access to care", "children": [
        {"id": "travel", "name": "Travel to the clinic"},
        {"id": "heard", "name": "Feeling heard"},
        {"id": "costs", "name": "Paying for medicine"},
    ]},
    {"id": "waiting", "name": "Waiting times"},
]

# One sentence per paragraph: the first four are about the journey to the clinic.
RESULTS = """\
The bus to the clinic ran twice a day and the trip took three hours each way.

Mothers walked for miles along the main road to reach the health centre.

Without a car, getting to appointments in town meant borrowing money for the minibus fare.

The nearest hospital was two valleys away and the roads flooded in the rainy season.

The nurse listened to my story and never once looked at her watch.

Tablets cost more than a week's wages at the market pharmacy.

We sat on the benches from dawn until the afternoon before anyone called our names.

The long drive over the mountain to the clinic meant leaving the children with neighbours.
"""


def run(*args: str, ok: bool = True) -> Any:
    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


def _setup(project: Project, tmp_path: Path) -> tuple[list[str], list[int]]:
    p = ["-p", str(project.directory)]
    (tmp_path / "codebook.json").write_text(json.dumps(CODEBOOK), encoding="utf-8")
    (tmp_path / "study-k.txt").write_text(RESULTS, encoding="utf-8")
    run("codebook", "import", str(tmp_path / "codebook.json"), "--coder", "ana", *p)
    run("code", "import", str(tmp_path / "study-k.txt"), *p)
    with project.reading() as session:
        sentences = [s.id for s in store.sentence_segments(session)]
    assert len(sentences) == 8
    return p, sentences


def _decisions(project: Project) -> list[tuple[int, str, str, str]]:
    with project.reading() as session:
        codebook = store.load_codebook(session)
        return sorted((d.segment_id, d.code_id, d.decision, d.coder)
                      for d in appl.current_code_decisions(session, codebook))


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    """Loaded once for the module (seconds), as `triage code suggest` loads it."""
    return load_encoder()


def _suggested(project: Project, segment: int, encoder: Encoder) -> list[str]:
    """The codes suggested to ana for ``segment``, best first (what `triage code suggest` shows)."""
    with project.transaction() as session:
        model = build_suggester(session, store.load_codebook(session), encoder, coder="ana")
        return [s.code_id for s in model.suggest(segment_vectors(session, encoder, [segment]), k=4)[0]]


def _memos(project: Project, code_id: str) -> list[str]:
    with project.reading() as session:
        return [m.text for m in store.memos(session, code_id=code_id)]


def test_merge_carries_segments_examples_and_memos_and_unmerge_restores(project: Project, tmp_path: Path,
                                                                       encoder: Encoder) -> None:
    p, seg = _setup(project, tmp_path)
    for s in seg[:4]:  # ana codes the journey sentences "Travel to the clinic"
        run("code", "accept", str(s), "travel", "--coder", "ana", *p)
    run("code", "reject", str(seg[6]), "travel", "--coder", "ana", *p)
    run("code", "accept", str(seg[4]), "heard", "--coder", "ana", *p)
    run("code", "memo", "distance, fares and floods", "--code", "travel", "--coder", "ana", *p)
    target = seg[7]  # not coded: another journey to the clinic
    assert _suggested(project, target, encoder)[0] == "travel"
    before = _decisions(project)

    run("codebook", "merge", "travel", "heard", "--coder", "ben", *p)
    assert _decisions(project) == sorted(
        [(s, "heard", "accept", "ana") for s in seg[:5]] + [(seg[6], "heard", "reject", "ana")])
    # The suggester learns from travel's accepts under the code they went into: "Feeling
    # heard" has nothing of a journey in its name, yet ranks first for a journey now.
    assert _suggested(project, target, encoder)[0] == "heard"
    assert _memos(project, "heard") == ["distance, fares and floods"]
    run("code", "export", str(tmp_path / "coded.csv"), *p)
    with (tmp_path / "coded.csv").open(encoding="utf-8", newline="") as fh:
        assert sorted(int(r["segment_id"]) for r in csv.DictReader(fh) if r["code_id"] == "heard") == seg[:5]
    with project.reading() as session:
        merge = session.query(CodeHistoryRow).filter_by(action="merge").one()
        assert (merge.code_id, merge.detail["into"], merge.coder) == ("travel", "heard", "ben")
        merge_id = merge.id

    out = run("codebook", "unmerge", "travel", "--coder", "cy", *p).output
    assert out.strip() == "unmerged travel from heard"
    assert _decisions(project) == before
    assert _suggested(project, target, encoder)[0] == "travel"
    assert _memos(project, "heard") == [] and _memos(project, "travel") == ["distance, fares and floods"]
    with project.reading() as session:
        book = store.load_codebook(session)
        assert [c.id for c in book.get("access").children] == ["travel", "heard", "costs"]
        undo = session.query(CodeHistoryRow).filter_by(action="undo").one()
        assert (undo.code_id, undo.detail, undo.coder) == ("travel", {"change": merge_id, "action": "merge"}, "cy")
    again = run("codebook", "unmerge", "travel", "--coder", "cy", *p, ok=False)
    assert again.exit_code != 0
    assert again.stderr.strip() == "error: no merge of 'travel' to undo; see 'triage codebook show --history'"


def test_unmerge_takes_the_name_the_merge_took(project: Project, tmp_path: Path) -> None:
    """'codebook merge "Travel to the clinic" "Feeling heard"' took names, and its undo did not: 'no merge
    of 'Travel to the clinic' to undo'. The merged code's name (any case and spacing) finds it, as its id does."""
    p, seg = _setup(project, tmp_path)
    run("code", "accept", str(seg[0]), "travel", "--coder", "ana", *p)
    run("codebook", "merge", "Travel to the clinic", "Feeling heard", "--coder", "ben", *p)
    out = run("codebook", "unmerge", "travel to the  CLINIC", "--coder", "ben", *p).output
    assert out.strip() == "unmerged travel from heard"
    assert _decisions(project) == [(seg[0], "travel", "accept", "ana")]
    again = run("codebook", "unmerge", "Travel to the clinic", "--coder", "ben", *p, ok=False)
    assert again.stderr.strip() == "error: no merge of 'travel' to undo; see 'triage codebook show --history'"
    unknown = run("codebook", "unmerge", "Bus fares", "--coder", "ben", *p, ok=False)
    assert unknown.stderr.strip() == "error: no merge of 'Bus fares' to undo; see 'triage codebook show --history'"


def test_split_assigns_segments_carries_rejects_and_memos_and_undo_restores(project: Project, tmp_path: Path,
                                                                         encoder: Encoder) -> None:
    p, seg = _setup(project, tmp_path)
    for s in seg[:4]:
        run("code", "accept", str(s), "travel", "--coder", "ana", *p)
    run("code", "accept", str(seg[0]), "travel", "--coder", "ben", *p)
    run("code", "reject", str(seg[6]), "travel", "--coder", "ana", *p)
    run("code", "memo", "distance, fares and floods", "--code", "travel", "--coder", "ana", *p)
    before = _decisions(project)

    missing = run("codebook", "split", "travel", "--into", "Distance", "--into", "Fares",
                  "--assign", f"{seg[2]}=fares", "--coder", "cy", *p, ok=False)
    assert missing.stderr.strip() == (f"error: segment(s) {seg[0]}, {seg[1]}, {seg[3]} coded with 'travel' have no "
                                      "new code; pass --assign SEGMENT=CODE for each, or --rest CODE")
    assert _decisions(project) == before  # nothing half-done
    out = run("codebook", "split", "travel", "--into", "Distance", "--into", "Fares",
              "--assign", f"{seg[2]}=Fares", "--rest", "distance", "--coder", "cy", *p).output
    assert out.strip() == "split travel into distance, fares: 6 decision(s) carried"
    assert _decisions(project) == sorted(
        [(s, "distance", "accept", "ana") for s in (seg[0], seg[1], seg[3])] + [(seg[2], "fares", "accept", "ana"),
         (seg[0], "distance", "accept", "ben"), (seg[6], "distance", "reject", "ana"),
         (seg[6], "fares", "reject", "ana")])
    with project.reading() as session:
        book = store.load_codebook(session)
        assert [c.id for c in book.get("access").children] == ["distance", "fares", "heard", "costs"]
        assert "travel" not in book
        assert [m.text for m in store.memos(session, code_id="fares")] == ["distance, fares and floods"]
        split = session.query(CodeHistoryRow).filter_by(action="split").one()
        assert (split.code_id, split.coder, split.detail["into"]) == ("travel", "cy", ["distance", "fares"])
        split_id = split.id
    # learned under the new ids: a journey goes to "Distance" (three journeys), not "Fares" (one fare)
    assert _suggested(project, seg[7], encoder)[0] == "distance"
    run("code", "export", str(tmp_path / "coded.csv"), *p)
    with (tmp_path / "coded.csv").open(encoding="utf-8", newline="") as fh:
        assert {(int(r["segment_id"]), r["code_id"]) for r in csv.DictReader(fh)} == {
            (seg[0], "distance"), (seg[1], "distance"), (seg[2], "fares"), (seg[3], "distance")}

    out = run("codebook", "undo", "--coder", "cy", *p).output
    assert out.strip() == f"undid change {split_id}: split of travel"
    assert _decisions(project) == before
    with project.reading() as session:
        book = store.load_codebook(session)
        assert [c.id for c in book.get("access").children] == ["travel", "heard", "costs"]
        assert "fares" not in book and [m.text for m in store.memos(session)] == ["distance, fares and floods"]


def test_move_keeps_coding_and_undo_puts_it_back(project: Project, tmp_path: Path) -> None:
    p, seg = _setup(project, tmp_path)
    run("code", "accept", str(seg[6]), "waiting", "--coder", "ana", *p)
    run("code", "memo", "queues from dawn", "--code", "waiting", "--coder", "ana", *p)
    run("codebook", "move", "waiting", "--parent", "access", "--coder", "ben", *p)
    run("code", "export", str(tmp_path / "coded.csv"), *p)
    with (tmp_path / "coded.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(int(r["segment_id"]), r["code_id"], r["themes"]) for r in rows] == [(seg[6], "waiting", "Access to care")]
    assert _memos(project, "waiting") == ["queues from dawn"]
    run("codebook", "undo", "--coder", "ben", *p)
    with project.reading() as session:
        book = store.load_codebook(session)
        assert [c.id for c in book.roots] == ["access", "waiting"] and book.parent_of("waiting") is None
    assert _decisions(project) == [(seg[6], "waiting", "accept", "ana")]
    history = run("codebook", "show", "--history", *p).output
    assert " ben move waiting " in history and " ben undo waiting " in history


def test_undo_refuses_a_split_whose_codes_were_used_since(project: Project, tmp_path: Path) -> None:
    p, seg = _setup(project, tmp_path)
    run("code", "accept", str(seg[0]), "travel", "--coder", "ana", *p)
    run("codebook", "split", "travel", "--into", "Distance", "--into", "Fares", "--rest", "distance",
        "--coder", "ana", *p)
    run("code", "accept", str(seg[5]), "fares", "--coder", "ana", *p)
    result = run("codebook", "undo", "--coder", "ana", *p, ok=False)
    assert result.stderr.strip() == (f"error: the new codes were applied after the split (segment(s) {seg[5]}); "
                                     "retract those decisions first, or keep the split")
    run("code", "retract", str(seg[5]), "fares", "--coder", "ana", *p)
    run("codebook", "undo", "--coder", "ana", *p)
    assert _decisions(project) == [(seg[0], "travel", "accept", "ana")]


def test_undo_takes_edits_back_in_reverse_order_only() -> None:
    from triage.coding.codebook import Codebook, CodebookError

    book = Codebook.from_list(CODEBOOK)
    original = book.to_list()
    book.merge("travel", "heard")
    first = book.history[-1]
    book.merge("heard", "costs")
    second = book.history[-1]
    with pytest.raises(CodebookError) as refused:
        book.undo(first.action, first.code_id, first.detail, 1)
    assert str(refused.value) == "'travel' is no longer merged into 'heard'; undo the later edits first"
    book.undo(second.action, second.code_id, second.detail, 2)
    book.undo(first.action, first.code_id, first.detail, 1)
    assert book.to_list() == original and book.merged == {}
    assert [(c.action, c.code_id, c.detail.get("change")) for c in book.history[-2:]] == [
        ("undo", "heard", 2), ("undo", "travel", 1)]
