"""ProQuest's plain-text export ("Document 1 of 100", "Title:", "Author:", "Abstract:" lines)."""

from __future__ import annotations

from pathlib import Path

from triage.records.load import read_file


def test_proquest_text_export_reads_every_document(test_data: Path) -> None:
    # Refused as "not a format triage reads" before this reader existed.
    result = read_file(test_data / "proquest_export.txt")
    assert (result.format, result.database) == ("proquest-text", "ProQuest")
    first, second = result.records
    assert first.title == "Predictors of posttraumatic stress symptom trajectories following the 2011 Christchurch earthquake"
    assert first.authors == ["Spittlehouse, Janet K", "Joyce, Peter R", "Vierck, Esther"]
    # A structured abstract's "Methods:" and "Results:" lines stay in the abstract.
    assert first.abstract == (
        "People respond differently to potentially traumatic events. Methods: A cohort of 1,000 adults was followed "
        "for four years. Results: Delayed trajectories were predicted by prior depression."
    )
    assert (first.journal, first.volume, first.pages, first.year) == ("Journal of Affective Disorders", "201", "58-65", 2016)
    assert (first.doi, first.issn, first.language) == ("10.1016/j.jad.2016.04.031", "01650327", "English")
    assert first.keywords == ["Posttraumatic stress disorder", "Earthquakes", "Trajectories"]
    assert (second.title, second.authors, second.issue) == (
        "Peer support for carers of people with dementia: a qualitative study", ["Greenwood, Nan"], "3"
    )
    assert second.raw["Database"] == "APA PsycInfo"  # the closing "Contact ProQuest" lines are not data
    assert [r.provenance.line for r in result.records if r.provenance] == [13, 56]
    assert result.problems == []
