"""Screening commands on the demo project: next, decide, the interactive loop, undo, agreement, status advice."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from _demo_project import make_demo_project, next_json
from typer.testing import CliRunner

from triage.cli.main import app
from triage.stopping import model_min_decisions
from triage.store.db import Project
from triage.store.decisions import decision_history

runner = CliRunner()


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> Path:
    """A demo project ranked with the ``elas_u4`` preset (lexical criteria matching, no
    sentence embeddings: embedding every demo record took 42 s of setup on a 2-core CPU;
    the embedding path has its own tests in test_embedding_cache.py), one 'next' already run."""
    return make_demo_project(tmp_path_factory.mktemp("prepared") / "review", repo_root, rank=True)


@pytest.fixture()
def proj(prepared: Path, tmp_path: Path) -> Path:
    """A fresh copy of the prepared project for each test."""
    path = tmp_path / "review"
    shutil.copytree(prepared, path)
    return path


_next = next_json


def test_next_explains_and_decide_records_what_was_shown(proj: Path) -> None:
    shown = _next(proj, 3)
    assert [s["rank"] for s in shown] == [1, 2, 3]
    assert all(0.0 <= float(s["score"]) <= 1.0 for s in shown)  # type: ignore[arg-type]
    assert any(s["matches"] for s in shown)  # the criteria explain the cold start
    first = shown[0]
    result = runner.invoke(app, ["decide", str(first["id"]), "include", "--reviewer", "ana", "-p", str(proj)])
    assert result.exit_code == 0, result.output
    with Project.open(proj) as project, project.reading() as session:
        row = decision_history(session)[-1]
        assert row.reviewer == "ana" and row.rank == 1 and row.model == first["model"]
        assert row.score == pytest.approx(float(first["score"]))  # type: ignore[arg-type]
        assert row.probability is not None and 0.0 < row.probability < 1.0  # the model's, as shown
    assert first["id"] not in [s["id"] for s in _next(proj, 5)]


def test_decide_without_reviewer_says_how(proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRIAGE_REVIEWER", raising=False)
    result = runner.invoke(app, ["decide", "1", "include", "-p", str(proj)])
    assert result.exit_code == 1
    assert ("error: a screening decision is recorded with who made it, and no name was given; pass --reviewer NAME, "
            "set TRIAGE_REVIEWER=NAME, or once for the project: triage settings reviewer NAME") in result.output
    named = runner.invoke(app, ["decide", "1", "include", "-p", str(proj)], env={"TRIAGE_REVIEWER": "ana"})
    assert named.exit_code == 0, named.output


def _reasons_offered(output: str) -> list[list[str]]:
    """Each card's quick reasons as printed: ``reasons (...): 1 a  2 b ...``, wrapped between
    words over lines up to the keys' prompt, card by card."""
    cards: list[list[str]] = []
    rows: list[str] | None = None
    for line in output.splitlines():
        if line.startswith("reasons ("):
            rows = [line.split("): ", 1)[1]]
        elif rows is not None and line.startswith("[i]nclude"):
            body = "  ".join(rows)  # a wrap at the two spaces between reasons keeps them apart
            cards.append([" ".join(part.split()) for part in re.split(r"(?:^|\s{2})[1-9] ", body) if part.strip()])
            rows = None
        elif rows is not None:
            rows.append(line.strip())
    return cards


def test_the_quick_reasons_wrap_between_words(proj: Path) -> None:
    # Printed as one soft-wrapped line, an 80-column terminal cut "perspective" in two.
    result = runner.invoke(app, ["screen", "--reviewer", "ben", "-p", str(proj)], input="q", env={"COLUMNS": "80"})
    lines = result.output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("reasons ("))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("[i]nclude"))
    assert end - start > 1 and all(len(line) <= 80 for line in lines[start:end])
    words = set(" ".join(lines[start:end]).split())
    assert {"perspective:", "evaluation:", "setting:"} <= words
    # the keys' prompt too (81 characters): soft-wrapped, the terminal cut "reaso" / "n"
    assert len(lines[end]) <= 80 and lines[end + 1].split()[0] == "reason", lines[end:end + 2]


def test_the_card_wraps_its_abstract_between_words_inside_the_panel(proj: Path) -> None:
    # The console soft-wraps messages (a path in one stays whole); the card's panel must still
    # wrap its text inside the frame at 80 columns, every word of the abstract kept.
    result = runner.invoke(app, ["screen", "--reviewer", "ben", "-p", str(proj)], input="q", env={"COLUMNS": "80"})
    lines = result.output.splitlines()
    top = next(i for i, line in enumerate(lines) if line.startswith("╭"))
    bottom = next(i for i in range(top, len(lines)) if lines[i].startswith("╰"))
    card = lines[top + 1:bottom]
    assert len(card) > 6 and all(len(line) == 80 and line.startswith("│") and line.endswith("│") for line in card)
    record_id = int(lines[top].split("record ", 1)[1].split(" ", 1)[0])
    with Project.open(proj) as project, project.reading() as session:
        from triage.store.records import get_record

        row = get_record(session, record_id)
        abstract = row.abstract if row is not None else None
    assert abstract and " ".join(" ".join(line.strip("│ ") for line in card).split()).count(" ".join(abstract.split()))


def test_interactive_loop_one_key_press_each(proj: Path) -> None:
    # include, exclude with reason 1 (one key), skip, undo (the exclusion), maybe, quit: no Enter anywhere
    result = runner.invoke(app, ["screen", "--reviewer", "ben", "-p", str(proj)], input="i1sumq")
    assert result.exit_code == 0, result.output
    assert "2 decisions recorded for ben" in result.output  # the undone exclusion is not counted
    second_card = _reasons_offered(result.output)[1]
    with Project.open(proj) as project, project.reading() as session:
        rows = decision_history(session, reviewer="ben")
        assert [r.decision for r in rows] == ["include", "exclude", "retract", "maybe"]
        assert rows[1].reasons == [second_card[0]]
        assert rows[2].record_id == rows[1].record_id
        assert all(r.model for r in rows if r.decision != "retract")


def test_enter_after_a_key_is_optional(proj: Path) -> None:
    result = runner.invoke(app, ["screen", "--reviewer", "ben", "-p", str(proj)], input="i\nm\r\nq\n")
    assert result.exit_code == 0, result.output
    assert "2 decisions recorded for ben" in result.output


def test_reasons_offered_are_the_criteria_phrases(proj: Path) -> None:
    result = runner.invoke(app, ["screen", "--reviewer", "ben", "-p", str(proj)], input="q")
    offered = _reasons_offered(result.output)[0]
    assert "setting: adult inpatient wards" in offered  # the demo criteria's own exclude phrase
    assert len(offered) == 9


def test_e_excludes_at_once_at_title_abstract_and_asks_where_required(proj: Path) -> None:
    result = runner.invoke(app, ["screen", "--reviewer", "ben", "-p", str(proj)], input="eq")
    assert result.exit_code == 0, result.output
    assert "1 decisions recorded for ben" in result.output
    assert runner.invoke(app, ["settings", "exclusion_reason_required", "all_stages", "-p", str(proj)]).exit_code == 0
    # now e lists every reason; Esc goes back to the card, then e and 2 exclude with the second
    result = runner.invoke(app, ["screen", "--reviewer", "ben", "-p", str(proj)], input="e\x1be2q")
    assert result.exit_code == 0, result.output
    assert "why exclude?" in result.output and "1 decisions recorded for ben" in result.output
    with Project.open(proj) as project, project.reading() as session:
        rows = decision_history(session, reviewer="ben")
        assert [r.decision for r in rows] == ["exclude", "exclude"]
        assert rows[0].reasons == [] and len(rows[1].reasons) == 1


def test_an_unknown_preset_lists_the_names_once(proj: Path) -> None:
    result = runner.invoke(app, ["settings", "preset", "nope", "-p", str(proj)])
    assert result.exit_code == 1
    assert result.output.count("elas_u4") == 1, result.output


def test_flags_show_no_bool_placeholder_in_help() -> None:
    for command in (["screen"], ["next"], ["evaluate", "screening"], ["dedup", "undo"], []):
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0
        assert "<bool>" not in result.output, command


def test_agreement_between_two_reviewers(proj: Path) -> None:
    ids = [s["id"] for s in _next(proj, 4)]
    for i, rid in enumerate(ids):
        runner.invoke(app, ["decide", str(rid), "include", "--reviewer", "ana", "-p", str(proj)])
        decision = ["include", "exclude --reason setting"][i == 3].split()
        runner.invoke(app, ["decide", str(rid), *decision, "--reviewer", "ben", "-p", str(proj)])
    result = runner.invoke(app, ["agreement", "--json", "-p", str(proj)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["n"] == 4
    assert data["percent_agreement"] == pytest.approx(0.75)
    assert [c["record_id"] for c in data["conflicts"]] == [ids[3]]
    # A user read '1 conflicts to resolve' here while 'triage conflicts' said there were none.
    shown = " ".join(runner.invoke(app, ["agreement", "-p", str(proj)]).output.split())
    assert "1 record the two decided differently" in shown
    assert "otherwise the later decision is in force: change it with 'triage decide ID include|exclude'" in shown


def test_status_shows_stopping_rules_once_screening_started(proj: Path) -> None:
    for s in _next(proj, 6)[:6]:
        runner.invoke(app, ["decide", str(s["id"]), "exclude", "--reason", "setting", "--reviewer", "ana", "-p", str(proj)])
    first = _next(proj, 1)[0]
    runner.invoke(app, ["decide", str(first["id"]), "include", "--reviewer", "ana", "-p", str(proj)])
    data = json.loads(runner.invoke(app, ["status", "--json", "-p", str(proj)]).output)
    rules = data["stopping"]["rules"]
    assert set(rules) >= {"statistical (Callaghan & Müller-Hansen)", "consecutive irrelevant", "knee method"}
    assert rules["statistical (Callaghan & Müller-Hansen)"]["safe_to_stop"] is False
    # one include among 7 decisions vouches for next to nothing yet
    bound = rules["statistical (Callaghan & Müller-Hansen)"]["recall_lower_bound"]
    assert 0.0 <= bound < 0.05
    assert f"recall so far >= {bound:.1%} at 95% confidence" in rules["statistical (Callaghan & Müller-Hansen)"]["estimate"]
    assert data["stopping"]["screened"] == 7
    # 7 decisions are under 5% of the demo's records, so the model's estimate waits
    needed = model_min_decisions(data["stopping"]["records"])
    assert needed > 7
    model = rules["model estimate"]
    assert model["recall"] is None and model["estimate"].startswith(f"not yet: shown from {needed} decisions")
    for s in _next(proj, needed - 7):
        runner.invoke(app, ["decide", str(s["id"]), "exclude", "--reason", "setting", "--reviewer", "ana", "-p", str(proj)])
    model = json.loads(runner.invoke(app, ["status", "--json", "-p", str(proj)]).output)["stopping"]["rules"]["model estimate"]
    assert 0 < model["recall"] <= 1 and model["estimate"].startswith("recall ~ ")


def test_independent_second_reviewer_sees_records_the_first_decided(proj: Path) -> None:
    first = _next(proj, 2)
    for s in first:
        runner.invoke(app, ["decide", str(s["id"]), "include", "--reviewer", "ana", "-p", str(proj)])
    shared_queue = [s["id"] for s in _next(proj, 3)]
    assert not {s["id"] for s in first} & set(shared_queue)
    result = runner.invoke(app, ["next", "-n", "3", "--json", "--independent", "--reviewer", "ben", "-p", str(proj)])
    assert result.exit_code == 0, result.output
    bens = [json.loads(line)["id"] for line in result.output.splitlines()]
    assert {s["id"] for s in first} <= set(bens)  # ana's includes score highest and are offered to ben


def test_screen_help_shows_the_keys() -> None:
    # Rich reads "[i]" as italic markup; the keys must survive into the help text.
    result = runner.invoke(app, ["screen", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "[i]nclude, [e]xclude, [m]aybe, [s]kip, [u]ndo, [q]uit" in text
    assert "[e] asks for a reason, [1]-[9] exclude with that reason, [r] lists every reason, [n] adds a note" in text


def test_next_marks_a_record_without_any_text(proj: Path, tmp_path: Path) -> None:
    ris = tmp_path / "bare.ris"
    ris.write_text("TY  - JOUR\nAU  - Doe, Jane\nPY  - 2015\nJO  - Child Abuse Review\nER  - \n", encoding="utf-8")
    assert runner.invoke(app, ["import", str(ris), "-p", str(proj)]).exit_code == 0
    shown = _next(proj, 5000)
    bare = [s for s in shown if s["has_text"] is False]
    assert len(bare) == 1 and bare[0]["title"] is None
    # In the cold start it sits mid-queue, neither first nor last.
    assert 0.25 * len(shown) < int(bare[0]["rank"]) < 0.75 * len(shown)  # type: ignore[call-overload]
    assert all(s["has_text"] is True for s in shown if s is not bare[0])


def test_next_on_an_empty_project_says_to_import_and_when_all_is_decided_says_so(tmp_path: Path) -> None:
    """A new user's first `triage next` before importing ended in "error: k must be at least 1"."""
    proj = tmp_path / "empty"
    assert runner.invoke(app, ["init", str(proj)]).exit_code == 0
    assert runner.invoke(app, ["settings", "preset", "tfidf", "-p", str(proj)]).exit_code == 0  # no encoder: fast
    for _ in range(2):  # the second reads the order the first kept
        result = runner.invoke(app, ["next", "-p", str(proj)])
        assert result.exit_code == 0, result.output
        assert "no records imported yet; run 'triage import FILE'" in result.output
    assert runner.invoke(app, ["next", "--json", "-p", str(proj)]).output == ""
    export = tmp_path / "one.ris"
    export.write_text("TY  - JOUR\nTI  - The only record\nPY  - 2020\nER  - \n", encoding="utf-8")
    assert runner.invoke(app, ["import", str(export), "-p", str(proj)]).exit_code == 0
    (only,) = next_json(proj, 1)
    assert runner.invoke(app, ["decide", str(only["id"]), "exclude", "--reviewer", "ana", "-p", str(proj)]).exit_code == 0
    result = runner.invoke(app, ["next", "-p", str(proj)])
    assert result.exit_code == 0 and "Nothing left to screen" in " ".join(result.output.split())


def test_full_text_stage_offers_only_what_title_abstract_screening_kept(proj: Path) -> None:
    """A user saw ``triage next --stage full_text`` offer every record of the project (none
    screened yet at title/abstract) and ``decide --stage full_text`` accept a record excluded
    at title/abstract, which status then counted as an included study."""
    shown = _next(proj, 3)
    kept, maybe, dropped = (int(s["id"]) for s in shown)  # type: ignore[call-overload]
    for rid, decision in ((kept, "include"), (maybe, "maybe"), (dropped, "exclude")):
        done = runner.invoke(app, ["decide", str(rid), decision, "--reviewer", "ana", "-p", str(proj)])
        assert done.exit_code == 0, done.output
    result = runner.invoke(app, ["next", "--stage", "full_text", "-n", "10", "--json", "-p", str(proj)])
    assert result.exit_code == 0, result.output
    assert sorted(json.loads(line)["id"] for line in result.output.splitlines()) == sorted([kept, maybe])
    refused = runner.invoke(app, ["decide", str(dropped), "include", "--stage", "full_text", "--reviewer", "ana",
                                  "-p", str(proj)])
    assert refused.exit_code == 1
    assert f"record {dropped} was excluded at title/abstract" in refused.output
    assert "Traceback" not in refused.output
    with Project.open(proj) as project, project.reading() as session:
        assert not decision_history(session, stage="full_text")
    accepted = runner.invoke(app, ["decide", str(kept), "include", "--stage", "full_text", "--reviewer", "ana",
                                   "-p", str(proj)])
    assert accepted.exit_code == 0, accepted.output


def test_full_text_with_nothing_kept_at_title_abstract_says_so(proj: Path) -> None:
    result = runner.invoke(app, ["next", "--stage", "full_text", "-p", str(proj)])
    assert result.exit_code == 0, result.output
    assert " ".join(result.output.split()) == (
        "Nothing to assess at full text: no record included or marked maybe at title/abstract is left "
        "without a full-text decision; screen titles and abstracts first (triage screen)."
    )
