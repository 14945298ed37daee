"""``triage records --search`` ranks by relevance (SQLite FTS5, BM25), with a plain fallback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from triage.cli.main import app
from triage.records.model import Record
from triage.store.db import Project
from triage.store.records import screening_records
from triage.store.search import plain_ranking, rank_by_relevance

runner = CliRunner()

TITLES = [
    # many records with one or two of the words, in id order before the one sought
    *[f"Cognitive behavioural therapy for adults with depression, trial {i}" for i in range(30)],
    *[f"Therapy dogs in hospital wards: a survey of nurses ({i})" for i in range(10)],
    "Spaniel breeds and hip dysplasia in a veterinary cohort",
    "Cocker spaniel therapy: an animal-assisted intervention for children in care",
    "The cocker spaniel as a companion animal",
]


def _ris(path: Path) -> Path:
    lines = []
    for i, title in enumerate(TITLES):
        lines += ["TY  - JOUR", f"TI  - {title}", f"AU  - Author{i}, A", "PY  - 2020",
                  "AB  - A study. Therapy was discussed at length; therapy, therapy." if i % 3 == 0 else "AB  - A study.",
                  "ER  - ", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture()
def proj(tmp_path: Path) -> Path:
    path = tmp_path / "review"
    assert runner.invoke(app, ["init", str(path)]).exit_code == 0
    result = runner.invoke(app, ["import", str(_ris(tmp_path / "refs.ris")), "-p", str(path)])
    assert result.exit_code == 0, result.output
    return path


def _search(proj: Path, query: str) -> list[dict[str, object]]:
    result = runner.invoke(app, ["records", "--json", "--search", query, "--limit", "0", "-p", str(proj)])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_the_exact_title_comes_first(proj: Path) -> None:
    found = _search(proj, "cocker spaniel therapy")
    assert found[0]["title"] == TITLES[-2]
    assert {f["title"] for f in found[:3]} == set(TITLES[-3:])  # the spaniel records before the therapy crowd
    assert len(found) == len(TITLES)  # any word matches; the ranking does the sorting


def test_stemming_accents_and_no_match(proj: Path) -> None:
    assert _search(proj, "Thérapies cocker")[0]["title"] == TITLES[-2]
    assert _search(proj, "xylophone") == []


def test_the_plain_fallback_ranks_the_same_way(proj: Path) -> None:
    with Project.open(proj) as project, project.reading() as session:
        records = screening_records(session)
        fts = rank_by_relevance(session, "cocker spaniel therapy", records)
    titles = {record_id: record.title for record_id, record in records}
    plain = plain_ranking(["cocker", "spaniel", "therapy"], records)
    assert titles[plain[0]] == titles[fts[0]] == TITLES[-2]
    assert set(plain) == set(fts)
    assert plain_ranking(["xylophone"], [(1, Record(title="A"))]) == []


def test_a_title_without_an_abstract_is_found_by_its_title_on_postgresql_too(shared_data: Path) -> None:
    # Found on a team server (session 16): on the real ASySD Web of Science export,
    # 'records --search "DEATH OF A SPANIEL"' on PostgreSQL (the plain ranking) listed
    # "Sudden Death ... in a Family" first and the record of that title nowhere in the top 3:
    # a word in the title and again in the abstract counted 3, so records without an abstract lost.
    from triage.records.load import read_file
    from triage.records.normalize import fold_text

    read = read_file(shared_data / "exports" / "ris" / "asysd_zotero_export.ris")
    records = list(enumerate(read.records, start=1))
    assert len(records) == 1000
    sought = [i for i, r in records if r.title == "DEATH OF A SPANIEL"]
    assert len(sought) == 1 and not records[sought[0] - 1][1].abstract
    assert plain_ranking(fold_text("death of a spaniel").split(), records)[0] == sought[0]
    title = "Incomplete ossification of the humeral condyle in a Springer Spaniel"
    assert records[plain_ranking(fold_text(title).split(), records)[0] - 1][1].title == title


def test_the_listing_says_how_many_it_shows_of_how_many(proj: Path) -> None:
    # Session 16: 'records --search "DEATH OF A SPANIEL"' headed 20 rows "961 records".
    result = runner.invoke(app, ["records", "--search", "cocker spaniel therapy", "-n", "3", "-p", str(proj)],
                           terminal_width=200)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert f"{len(TITLES)} records hold a word of the search; the best 3 shown (--limit 0 for all)" in said
    result = runner.invoke(app, ["records", "-n", "0", "-p", str(proj)], terminal_width=200)
    assert f"{len(TITLES)} records" in result.output and "shown" not in result.output
