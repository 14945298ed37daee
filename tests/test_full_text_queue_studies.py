"""The full-text queue serves every report of a study title/abstract screening kept (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from triage.cli.main import app

DEMO = Path(__file__).resolve().parents[1] / "corpora" / "demo"


def invoke(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def full_text_queue(where: str) -> list[int]:
    out = invoke("next", "--stage", "full_text", "-n", "50", "--json", "-p", where)
    return sorted(json.loads(line)["id"] for line in out.splitlines())


def test_full_text_queue_serves_the_other_reports_of_a_kept_study(tmp_path: Path, database: str | None) -> None:
    """A reviewer linked a conference abstract (excluded alone at title/abstract) to its
    included article: ``decide --stage full_text`` took it and PRISMA counted it, but
    ``triage next --stage full_text`` never served it. The queue, the decide check and
    PRISMA now follow one rule; a report of no kept study stays out."""
    where = str(tmp_path / "review")
    invoke("init", where)  # on $TRIAGE_DATABASE where the fixture set one (PostgreSQL)
    invoke("settings", "preset", "tfidf", "-p", where)  # no encoder: fast
    invoke("import", str(DEMO / "scopus.csv"), "-p", where)
    shown = [json.loads(line)["id"] for line in invoke("next", "-n", "3", "--json", "-p", where).splitlines()]
    article, abstract, other = shown
    invoke("decide", str(article), "include", "--reviewer", "ana", "-p", where)
    invoke("decide", str(abstract), "exclude", "--reviewer", "ana", "-p", where)
    invoke("decide", str(other), "exclude", "--reviewer", "ana", "-p", where)
    assert full_text_queue(where) == [article]
    invoke("studies", "link", str(article), str(abstract), "--reviewer", "lead", "-p", where)
    assert full_text_queue(where) == sorted([article, abstract])
    assert "1 study with several reports" in invoke("studies", "-p", where)  # not "1 studies"
    # what the queue serves, decide takes (and the record of no kept study it refuses)
    invoke("decide", str(abstract), "include", "--stage", "full_text", "--reviewer", "ana", "-p", where)
    assert full_text_queue(where) == [article]
    refused = invoke("decide", str(other), "include", "--stage", "full_text", "--reviewer", "ana", "-p", where, code=1)
    assert f"record {other} was excluded at title/abstract" in refused
    # the study no longer kept: neither report is served
    invoke("decide", str(article), "exclude", "--reviewer", "ana", "-p", where)
    assert "Nothing to assess at full text" in " ".join(
        invoke("next", "--stage", "full_text", "-p", where).split())
