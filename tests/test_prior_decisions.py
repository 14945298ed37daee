"""Earlier decisions from other tools: recorded from an export only when asked."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from triage.cli.main import app
from triage.records.prior_labels import prior_labels
from triage.screening.queue import ScreeningQueue
from triage.store.db import Project
from triage.store.decisions import current_decisions

RAYYAN = """TY  - JOUR
TI  - Mothers with psychosis and child protection: an interview study
AU  - Grant, R
PY  - 2020
N1  - RAYYAN-INCLUSION: {"Ana"=>"Included", "Ben"=>"Included"}
ER  - 

TY  - JOUR
TI  - Toddler sleep and a parenting app: a randomised trial
AU  - Costa, R
PY  - 2021
N1  - RAYYAN-INCLUSION: {"Ana"=>"Excluded"} | RAYYAN-EXCLUSION-REASONS: wrong study design
ER  - 

TY  - JOUR
TI  - Fathers with depression in family court
AU  - Novak, P
PY  - 2022
ER  - 
"""


def invoke(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def labelled_csv(shared_data: Path, tmp_path: Path, n: int = 40,
                 review: str = "Cohen_2006_ADHD") -> tuple[Path, list[dict[str, str]]]:
    """The first ``n`` rows of a shared labelled review (an ASReview-style label column)."""
    with (shared_data / "screening" / f"{review}.csv").open(encoding="utf-8") as handle:
        rows = [row for _, row in zip(range(n), csv.DictReader(handle), strict=False)]
    path = tmp_path / "asreview_export.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path, rows


def test_labels_of_a_labelled_export_become_earlier_decisions_that_teach_the_model(
    shared_data: Path, tmp_path: Path
) -> None:
    path, rows = labelled_csv(shared_data, tmp_path)
    where = str(tmp_path / "review")
    invoke("init", where)
    out = invoke("import", str(path), "--decisions", "-p", where)
    labelled = [r for r in rows if r["label_included"] in ("0", "1")]
    assert f"{len(labelled)} earlier decisions recorded" in out
    with Project.open(where) as project:
        with project.reading() as session:
            decisions = current_decisions(session)
        assert {d.reviewer for d in decisions.values()} == {"imported: asreview_export.csv"}
        # The title/abstract decision where the file has one (label_included is the final, full-text one).
        assert sorted(d.decision for d in decisions.values()) == sorted(
            "include" if (r["label_abstract_screening"] or r["label_included"]) == "1" else "exclude" for r in labelled)
        queue = ScreeningQueue(project, preset="tfidf")
        assert len(queue.cycle.labelled) == len(labelled)
    status = json.loads(invoke("status", "--json", "-p", where))
    assert status["screened"] == len(labelled)


def test_nothing_is_decided_without_the_option_and_nothing_twice(shared_data: Path, tmp_path: Path) -> None:
    path, _ = labelled_csv(shared_data, tmp_path, n=10)
    where = str(tmp_path / "review")
    invoke("init", where)
    out = invoke("import", str(path), "-p", where)
    assert "carry decisions from another tool; not recorded" in out
    assert json.loads(invoke("status", "--json", "-p", where))["screened"] == 0
    invoke("sources", "decisions", "1", "-p", where)
    screened = json.loads(invoke("status", "--json", "-p", where))["screened"]
    assert screened > 0
    out = invoke("sources", "decisions", "1", "-p", where, code=1)
    assert "recorded already" in out
    assert json.loads(invoke("status", "--json", "-p", where))["screened"] == screened


def test_rayyan_notes_give_one_decision_per_reviewer_with_reasons(tmp_path: Path) -> None:
    path = tmp_path / "rayyan.ris"
    path.write_text(RAYYAN, encoding="utf-8")
    where = str(tmp_path / "review")
    invoke("init", where)
    invoke("import", str(path), "--decisions", "-p", where)
    with Project.open(where) as project, project.reading() as session:
        ana = current_decisions(session, reviewer="imported: rayyan.ris (Ana)")
        ben = current_decisions(session, reviewer="imported: rayyan.ris (Ben)")
    assert [(d.decision, d.reasons) for d in ana.values()] == [("include", ()), ("exclude", ("wrong study design",))]
    assert [d.decision for d in ben.values()] == ["include"]


def test_only_what_a_file_states_is_read() -> None:
    assert prior_labels({"title": "x", "label": "1"}) == []  # a column merely called label is not a decision
    assert prior_labels({"included": "-1"}) == []  # ASReview's unlabelled
    assert prior_labels({"Decision": "Maybe"})[0].decision == "maybe"
    assert prior_labels({"N1": ["ASReview_relevant"]})[0].decision == "include"


def test_rayyan_reviewers_who_disagree_leave_the_record_in_and_the_user_is_told(tmp_path: Path) -> None:
    """A user saw a Rayyan export's unresolved conflict (Ana included, Ben excluded) become an
    exclusion in force, counted as excluded in status, with 'triage conflicts' saying there
    were none: the order of names in the notes decided. Now the most inclusive decision is
    in force (the record stays in screening) and the import names the record to settle."""
    path = tmp_path / "rayyan.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["key", "title", "authors", "journal", "year", "publisher", "url", "abstract", "notes", "doi"])
        writer.writerow(["rayyan-1", "Cafe workers and stress", "Gomez, J", "Occup Med", "2018", "OUP", "",
                         "Stress among cafe workers.",
                         ('RAYYAN-INCLUSION: {"Ana"=>"Included", "Ben"=>"Excluded"} | '
                          "RAYYAN-EXCLUSION-REASONS: wrong population"), "10.1/x1"])
        writer.writerow(["rayyan-2", "Night shifts and sleep", "Overgaard, S", "Sleep", "2017", "", "",
                         "Night shift.", 'RAYYAN-INCLUSION: {"Ana"=>"Excluded", "Ben"=>"Excluded"}', "10.1/x2"])
    where = str(tmp_path / "review")
    invoke("init", where)
    out = invoke("import", str(path), "--decisions", "-p", where)
    assert "4 earlier decisions recorded" in out
    assert "reviewers disagree on 1 record (1)" in " ".join(out.split())
    with Project.open(where) as project, project.reading() as session:
        ben = current_decisions(session, reviewer="imported: rayyan.csv (Ben)")
        both = current_decisions(session)
    assert ben[1].decision == "exclude" and ben[1].reasons == ("wrong population",)  # kept in the log
    assert (both[1].decision, both[2].decision) == ("include", "exclude")
    status = json.loads(invoke("status", "--json", "-p", where))
    assert (status["included_title_abstract"], status["excluded"]) == (1, 1)


def test_a_title_abstract_label_wins_over_the_final_one(shared_data: Path, tmp_path: Path) -> None:
    """A user imported a labelled review (Cohen 2006, ACE inhibitors) with --decisions and saw
    records included at title/abstract but excluded at full text counted as title/abstract
    exclusions: label_included is the final decision, label_abstract_screening the stage's."""
    path, rows = labelled_csv(shared_data, tmp_path, n=400, review="Cohen_2006_ACEInhibitors")
    passed_then_dropped = [r for r in rows if (r["label_abstract_screening"], r["label_included"]) == ("1", "0")]
    assert passed_then_dropped  # the rows this is about are in the sample
    where = str(tmp_path / "review")
    invoke("init", where)
    invoke("import", str(path), "--decisions", "-p", where)
    status = json.loads(invoke("status", "--json", "-p", where))
    assert status["included_title_abstract"] == sum(r["label_abstract_screening"] == "1" for r in rows)
    assert status["excluded"] == sum(r["label_abstract_screening"] == "0" for r in rows)


def test_a_file_without_decisions_says_what_would_have_been_read(shared_data: Path, tmp_path: Path) -> None:
    """README's 'triage import asreview.csv --decisions' on an Embase CSV export with no label or
    decision column said only '0 earlier decisions recorded': nothing said why. Now it names
    the columns and notes it reads, on import and on 'sources decisions' alike."""
    where = str(tmp_path / "review")
    invoke("init", where)
    out = " ".join(invoke("import", str(shared_data / "exports" / "other" / "asreview_embase.csv"),
                          "--decisions", "-p", where).split())
    assert "asreview_embase.csv: 0 earlier decisions recorded" in out
    assert "carries no decisions triage reads" in out and "label_included" in out and "RAYYAN-INCLUSION" in out
    out = " ".join(invoke("sources", "decisions", "1", "-p", where).split())
    assert "carries no decisions triage reads" in out
