"""The project commands end to end on the made-up demo exports: init, import, status, export, records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from triage.cli.main import app

runner = CliRunner()


@pytest.fixture()
def demo(repo_root: Path) -> Path:
    return repo_root / "corpora" / "demo"


def _init_import(tmp_path: Path, demo: Path) -> Path:
    proj = tmp_path / "review"
    result = runner.invoke(app, ["init", str(proj), "--criteria", str(demo / "criteria.toml")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app, ["import", str(demo / "embase.ris"), str(demo / "psycinfo.bib"), str(demo / "scopus.csv"), "-p", str(proj)]
    )
    assert result.exit_code == 0, result.output
    return proj


def _count_lines(path: Path, prefix: str) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8-sig").splitlines() if line.startswith(prefix))


def test_import_counts_match_the_files(tmp_path: Path, demo: Path) -> None:
    proj = _init_import(tmp_path, demo)
    result = runner.invoke(app, ["status", "--json", "-p", str(proj)])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)
    n_ris = _count_lines(demo / "embase.ris", "TY  -")
    n_bib = _count_lines(demo / "psycinfo.bib", "@article")
    n_csv = len((demo / "scopus.csv").read_text(encoding="utf-8").splitlines()) - 1
    assert counts["identified"] == n_ris + n_bib + n_csv
    assert counts["identified_by_source"]["Embase"] == n_ris
    assert counts["screened"] == 0
    assert counts["records_to_screen"] == counts["identified"]


def test_second_import_of_same_file_is_skipped(tmp_path: Path, demo: Path) -> None:
    proj = _init_import(tmp_path, demo)
    result = runner.invoke(app, ["import", str(demo / "embase.ris"), "-p", str(proj)])
    assert result.exit_code == 0
    assert "embase.ris: already imported on" in result.output
    assert "pass --force to import it again" in result.output
    status = json.loads(runner.invoke(app, ["status", "--json", "-p", str(proj)]).output)
    forced = runner.invoke(app, ["import", str(demo / "embase.ris"), "--force", "-p", str(proj)])
    assert forced.exit_code == 0
    again = json.loads(runner.invoke(app, ["status", "--json", "-p", str(proj)]).output)
    assert again["identified"] == status["identified"] + _count_lines(demo / "embase.ris", "TY  -")


def test_unreadable_file_fails_with_one_line_and_keeps_the_rest(tmp_path: Path, demo: Path) -> None:
    proj = _init_import(tmp_path, demo)
    empty = tmp_path / "empty.ris"
    empty.write_bytes(b"")
    before = json.loads(runner.invoke(app, ["status", "--json", "-p", str(proj)]).output)["identified"]
    result = runner.invoke(app, ["import", str(empty), "-p", str(proj)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "empty.ris" in result.output
    after = json.loads(runner.invoke(app, ["status", "--json", "-p", str(proj)]).output)["identified"]
    assert after == before


def test_missing_project_is_one_line_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["status", "-p", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "error: no triage project in" in result.output
    assert "Traceback" not in result.output


def test_decide_export_and_records(tmp_path: Path, demo: Path) -> None:
    proj = _init_import(tmp_path, demo)
    listed = runner.invoke(app, ["records", "--json", "--limit", "3", "-p", str(proj)])
    ids = [json.loads(line)["id"] for line in listed.output.splitlines()]
    assert len(ids) == 3
    ok = runner.invoke(app, ["decide", str(ids[0]), "exclude", "--reason", "evaluation: editorial", "--reviewer", "ana",
                             "-p", str(proj)])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(app, ["decide", str(ids[1]), "exclude", "--reason", "boring", "--reviewer", "ana", "-p", str(proj)])
    assert bad.exit_code == 1
    assert "reason 'boring' names no criterion; use one of: setting, perspective" in bad.output
    runner.invoke(app, ["decide", str(ids[1]), "include", "--reviewer", "ana", "-p", str(proj)])
    out = tmp_path / "excluded.csv"
    result = runner.invoke(app, ["export", str(out), "--subset", "excluded", "-p", str(proj)])
    assert result.exit_code == 0, result.output
    assert "Wrote 1 record to" in result.output
    status = json.loads(runner.invoke(app, ["status", "--json", "-p", str(proj)]).output)
    assert status["excluded"] == 1 and status["included_title_abstract"] == 1
    assert status["excluded_reasons"] == {"evaluation: editorial": 1}
    search = runner.invoke(app, ["records", "--json", "--search", "qualitative", "--limit", "0", "-p", str(proj)])
    assert search.exit_code == 0
    found = [json.loads(line) for line in search.output.splitlines()]
    every = runner.invoke(app, ["records", "--json", "--limit", "0", "-p", str(proj)]).output.splitlines()
    assert 0 < len(found) < len(every)


def test_status_writes_the_prisma_flow_diagram(tmp_path: Path, demo: Path) -> None:
    proj = _init_import(tmp_path, demo)
    first = json.loads(runner.invoke(app, ["records", "--json", "--limit", "1", "-p", str(proj)]).output)["id"]
    runner.invoke(app, ["decide", str(first), "exclude", "--reason", "setting", "--reviewer", "ana", "-p", str(proj)])
    svg = tmp_path / "flow.svg"
    result = runner.invoke(app, ["status", "--diagram", str(svg), "-p", str(proj)])
    assert result.exit_code == 0, result.output
    text = svg.read_text(encoding="utf-8")
    assert "<svg" in text and "Records excluded" in text and "setting (n = 1)" in text
    pdf = tmp_path / "flow.pdf"
    refused = runner.invoke(app, ["status", "--diagram", str(pdf), "-p", str(proj)])
    assert refused.exit_code == 1
    assert "cannot draw a pdf file; name the diagram .svg or .png" in refused.output
    assert not pdf.exists()


def test_import_with_an_unknown_encoding_fails_and_names_it(tmp_path: Path, demo: Path) -> None:
    proj = tmp_path / "review"
    runner.invoke(app, ["init", str(proj)])
    result = runner.invoke(app, ["import", str(demo / "scopus.csv"), "--encoding", "klingon", "-p", str(proj)])
    assert result.exit_code == 1
    assert "scopus.csv: unknown encoding 'klingon'" in result.output
    status = json.loads(runner.invoke(app, ["status", "--json", "-p", str(proj)]).output)
    assert status["identified"] == 0


def test_status_counts_unscreened_records_without_text(tmp_path: Path) -> None:
    proj = tmp_path / "review"
    assert runner.invoke(app, ["init", str(proj)]).exit_code == 0
    ris = tmp_path / "mixed.ris"
    ris.write_text(
        "TY  - JOUR\nTI  - Mothers with depression and social work\nPY  - 2019\nER  - \n"
        "TY  - JOUR\nAU  - Doe, Jane\nPY  - 2015\nER  - \n"
        "TY  - JOUR\nAU  - Roe, Ann\nKW  - parenting\nER  - \n"  # keywords are text the ranking reads
        "TY  - JOUR\nAU  - Poe, Al\nPY  - 2001\nER  - \n",
        encoding="utf-8",
    )
    assert runner.invoke(app, ["import", str(ris), "-p", str(proj)]).exit_code == 0
    status = json.loads(runner.invoke(app, ["status", "--json", "-p", str(proj)]).output)
    assert status["undecided"] == 4 and status["undecided_without_text"] == 2
    assert runner.invoke(app, ["decide", "2", "exclude", "--reason", "evaluation", "--reviewer", "ana",
                               "-p", str(proj)]).exit_code == 0
    status = json.loads(runner.invoke(app, ["status", "--json", "-p", str(proj)]).output)
    assert status["undecided_without_text"] == 1
    table = runner.invoke(app, ["status", "-p", str(proj)]).output
    assert "with no title, abstract or keywords" in table


def test_status_reads_through_one_session(tmp_path: Path, demo: Path) -> None:
    """`triage status` opened a read session for each question (settings, criteria, kept summaries, counts,
    advice): on PostgreSQL each a pool checkout with its pre-ping, a round trip to a remote server. It now
    reads through one (one transaction, one snapshot on PostgreSQL); the kept summaries it writes after a
    change are one transaction each. Counted on the real pool and driver, SQLite and PostgreSQL."""
    from store_calls import counted_store_calls

    proj = _init_import(tmp_path, demo)
    for args in (["1", "include", "--reviewer", "ana"], ["2", "exclude", "--reason", "setting", "--reviewer", "ana"],
                 ["1", "include", "--reviewer", "ben"], ["2", "include", "--reviewer", "ben"]):
        result = runner.invoke(app, ["decide", *args, "-p", str(proj)])
        assert result.exit_code == 0, result.output

    def counted(*args: str) -> tuple[str, int, list[str]]:
        with counted_store_calls() as calls:
            result = runner.invoke(app, ["status", *args, "-p", str(proj)])
        assert result.exit_code == 0, result.output
        return result.output, calls.checkouts, calls.statements

    fresh, fresh_checkouts, _ = counted()  # computes the counts and the advice, and keeps them
    kept, kept_checkouts, kept_statements = counted()
    kept_json, json_checkouts, _ = counted("--json")
    assert kept == fresh and "Agreement per pair" in kept
    assert json.loads(kept_json)["screened"] == 2
    # opening (one) + the reads (one) + the status counts and the advice kept (one transaction each)
    assert fresh_checkouts == 4
    assert kept_checkouts == json_checkouts == 2
    assert sum("settings" in sql for sql in kept_statements) <= 4, kept_statements  # each setting read once
