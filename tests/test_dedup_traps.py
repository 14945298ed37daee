"""Each dedup trap of issue 3, checked on the real records of ../shared/data/dedup that
show it (record ids cited), plus the rules the traps rely on."""

from __future__ import annotations

import pytest
from dedup_support import verdict

from triage.dedup.keys import record_keys
from triage.dedup.match import Outcome, authors_agree, classify_pair, journals_compatible
from triage.records.model import Record


@pytest.fixture()
def sets(dedup_sets: dict[str, dict[str, Record]]) -> dict[str, dict[str, Record]]:
    return dedup_sets


@pytest.mark.parametrize(
    ("name", "a", "b"),
    [
        ("haematology", "id_0000058", "id_0000063"),  # Web of Science "Title (vol 360, pg 542, 2009)"
        ("haematology", "id_0000057", "id_0000064"),  # Embase "Title (N Engl J Med (2009) 360 (542-544))"
        ("digital_work", "id_1005082", "id_1005083"),  # "Erratum to - How do requirements evolve..."
    ],
)
def test_erratum_is_linked_to_its_article_never_merged(sets, name, a, b) -> None:
    v = verdict(sets, name, a, b)
    assert v.outcome is Outcome.RELATED
    assert "erratum" in v.reason


def test_medline_erratum_note_in_a_title_is_still_the_article(sets) -> None:
    # id_0000161 is the article itself with MEDLINE's "[Erratum appears in ...]" note;
    # id_0000162 is the correction "(vol 85, pg 553, 2010)".
    assert verdict(sets, "haematology", "id_0000161", "id_0000162").outcome is Outcome.RELATED
    assert record_keys(0, sets["haematology"]["id_0000161"]).erratum is False


def test_reply_is_not_merged_with_the_letter(sets) -> None:
    v = verdict(sets, "haematology", "id_0000009", "id_0000039")  # "... - Reply"
    assert v.outcome is Outcome.RELATED and "reply" in v.reason


def test_conference_abstract_and_article_are_related_versions(sets) -> None:
    # id_0000111: abstract at the ISTH congress; id_0000113: the journal record.
    assert verdict(sets, "haematology", "id_0000111", "id_0000113").outcome is Outcome.RELATED


def test_conference_abstract_printed_in_a_journal_issue_is_one_publication() -> None:
    # haematology id_0000242/243 pattern: Embase labels the journal "X.Conference: ...".
    a = Record(title="Eculizumab pharmacokinetics and efficacy in a newborn with aHUS", authors=["Aguirre, M."],
               year=2011, journal="Pediatric Nephrology", volume="26", pages="1676-1677")
    b = Record(title="Eculizumab pharmacokinetics and efficacy in a newborn with aHUS", authors=["Aguirre, M."],
               year=2011, journal="Pediatric Nephrology.Conference: 44th Annual Scientific Meeting", volume="26",
               pages="1676")
    assert classify_pair(record_keys(0, a), record_keys(1, b)).outcome is Outcome.DUPLICATE


@pytest.mark.parametrize(
    ("name", "a", "b"),
    [("cytology_screening", "id_0000799", "id_0000801"), ("digital_work", "id_1002958", "id_1002959")],
)
def test_part_1_and_part_2_never_merge(sets, name, a, b) -> None:
    v = verdict(sets, name, a, b)
    assert v.outcome is Outcome.DISTINCT and v.reason.startswith("different parts")


def test_preprint_and_published_version_are_related() -> None:
    preprint = Record(title="Loneliness in new parents during the pandemic: a cohort study",
                      authors=["Okafor, N.", "Lind, P."], year=2021, journal="medRxiv",
                      doi="10.1101/2021.03.01.21252700")
    article = Record(title="Loneliness in new parents during the pandemic: a cohort study",
                     authors=["Okafor, N.", "Lind, P."], year=2022, journal="BMJ Open", volume="12",
                     pages="e051234", doi="10.1136/bmjopen-2021-051234")
    v = classify_pair(record_keys(0, preprint), record_keys(1, article))
    assert v.outcome is Outcome.RELATED and "preprint" in v.reason


def test_conference_paper_carrying_its_ssrn_doi_is_the_same_paper(sets) -> None:
    # Both are the ICIS 2018 paper (booktitle "International Conference on Information
    # Systems", pages 1--17); id_2006977 also carries the SSRN DOI 10.2139/ssrn.3266249.
    # The same venue on both sides makes them one publication, not preprint and version.
    assert verdict(sets, "digital_work", "id_1006976", "id_2006977").outcome is Outcome.DUPLICATE


def test_preprint_doi_beside_a_record_without_venue_is_not_a_version() -> None:
    with_doi = Record(title="Gig work and gender pay gaps in online labour markets", authors=["Liang, C."],
                      year=2018, doi="10.2139/ssrn.3266249")
    bare = Record(title="Gig work and gender pay gaps in online labour markets", authors=["Liang, C."], year=2018)
    assert classify_pair(record_keys(0, with_doi), record_keys(1, bare)).outcome is not Outcome.RELATED


def test_meeting_abstracts_sharing_a_supplement_doi_are_not_merged(sets) -> None:
    # Two real abstracts of one conference supplement (haematology); the shared DOI is
    # what such supplements carry and is added here because the set has no DOIs.
    a, b = sets["haematology"]["id_0000105"], sets["haematology"]["id_0000111"]
    a = Record(**{**a.to_dict(), "doi": "10.1007/s00467-011-1964-1", "provenance": None})
    b = Record(**{**b.to_dict(), "doi": "10.1007/s00467-011-1964-1", "provenance": None})
    v = classify_pair(record_keys(0, a), record_keys(1, b))
    assert v.outcome is Outcome.DISTINCT and "shared identifier" in v.reason


def test_same_generic_title_in_other_issues_is_not_merged(sets) -> None:
    # "Editorial Notes" by Agarwal in Information Systems Research, different DOIs and pages.
    assert verdict(sets, "digital_work", "id_1000053", "id_1000054").outcome is Outcome.DISTINCT
    # "Editor's Comments" by Weber, MIS Quarterly 26 (2002), no pages: left to a person.
    assert verdict(sets, "digital_work", "id_1006028", "id_1006029").outcome is Outcome.POSSIBLE


def test_same_title_different_year_and_volume_is_not_merged() -> None:
    a = Record(title="Treatment for POEMS syndrome in adults and children", authors=["Kuwabara, S."], year=2008,
               journal="Cochrane Database of Systematic Reviews", volume="4")
    b = Record(title="Treatment for POEMS syndrome in adults and children", authors=["Kuwabara, S."], year=2012,
               journal="Cochrane Database of Systematic Reviews", volume="6")
    assert classify_pair(record_keys(0, a), record_keys(1, b)).outcome is Outcome.DISTINCT


def test_record_without_title_is_only_a_possible_duplicate(sets) -> None:
    v = verdict(sets, "haematology", "id_0000001", "id_0000002")  # id_0000002 has no title
    assert v.outcome is Outcome.POSSIBLE and "title missing" in v.reason


def test_records_without_authors_are_not_merged(sets) -> None:
    # Two trial-registry entries without authors (haematology id_0000245/246).
    assert verdict(sets, "haematology", "id_0000245", "id_0000246").outcome is not Outcome.DUPLICATE


def test_plain_duplicates_with_case_punctuation_and_abbreviated_journal_merge(sets) -> None:
    assert verdict(sets, "haematology", "id_0000072", "id_0000075").outcome is Outcome.DUPLICATE  # N Engl J Med
    assert verdict(sets, "haematology", "id_0000001", "id_0000003").outcome is Outcome.DUPLICATE


def test_translated_title_matches_its_original(sets) -> None:
    # "Crowdwork: ... [Arbeiten in der Crowd: ...]" vs the German-only record.
    assert verdict(sets, "digital_work", "id_2000018", "id_3006779").outcome is Outcome.DUPLICATE


def test_abbreviated_pages_and_journals_compare_equal() -> None:
    a = Record(title="Complement dysfunction in hemolytic uremic syndrome", authors=["Zipfel, P. F."], year=2006,
               journal="Clinical and experimental pharmacology & physiology", volume="18", pages="548-555")
    b = Record(title="Complement dysfunction in hemolytic uremic syndrome.", authors=["Zipfel PF"], year=2006,
               journal="Clin Exp Pharmacol Physiol", volume="18", pages="548-55")
    assert classify_pair(record_keys(0, a), record_keys(1, b)).outcome is Outcome.DUPLICATE
    assert journals_compatible(("jthoraccardiovascsurg",), ("journal", "thoracic", "cardiovascular", "surgery"))
    assert journals_compatible(("lancet",), ("journal", "thoracic", "surgery")) is False


def test_different_dois_never_merge_even_with_identical_titles() -> None:
    a = Record(title="Sponsorship and IT vendor management of projects", authors=["Liu, Li"], year=2009,
               doi="10.1057/jit.2009.2")
    b = Record(title="Sponsorship and IT vendor management of projects", authors=["Liu, Li"], year=2009,
               doi="10.1057/jit.2008.23")
    assert classify_pair(record_keys(0, a), record_keys(1, b)).outcome is Outcome.POSSIBLE


def test_two_issues_of_a_volume_are_not_merged_when_one_record_lost_its_pages(sets) -> None:
    # haematology id_0001122 (issue 5, pp. 703-712) and id_0001125 (issue 8, p. 1107): the same
    # title, authors, journal, year and volume; without the pages only the issue tells them apart.
    a, b = sets["haematology"]["id_0001122"], sets["haematology"]["id_0001125"]
    assert a.issue != b.issue
    without_pages = Record(**{**b.__dict__, "pages": None})
    v = classify_pair(record_keys(0, a), record_keys(1, without_pages))
    assert v.outcome is not Outcome.DUPLICATE and "issue" in v.reason
    same_issue = Record(**{**without_pages.__dict__, "issue": a.issue})
    assert classify_pair(record_keys(0, a), record_keys(1, same_issue)).outcome is Outcome.DUPLICATE


def test_a_generic_column_in_two_issues_at_the_same_pages_is_not_merged(sets) -> None:
    # digital_work id_1006513 / id_1006515: "Editorial Introduction", vol. 32, pp. 1-3, issues 2 and 4.
    a, b = sets["digital_work"]["id_1006513"], sets["digital_work"]["id_1006515"]
    no_doi = [Record(**{**r.__dict__, "doi": None}) for r in (a, b)]
    assert classify_pair(record_keys(0, no_doi[0]), record_keys(1, no_doi[1])).outcome is not Outcome.DUPLICATE
    one_issue = Record(**{**no_doi[1].__dict__, "issue": no_doi[0].issue})
    assert classify_pair(record_keys(0, no_doi[0]), record_keys(1, one_issue)).outcome is Outcome.DUPLICATE


def _without(record: Record, *fields: str) -> Record:
    return Record(**{**record.__dict__, **dict.fromkeys(fields)})


def test_pages_on_one_record_and_the_issue_on_the_other_go_to_a_person(sets) -> None:
    # haematology id_0000706 / id_0001374: one title and author list, Pediatric Nephrology
    # 2011 vol. 26, a letter in issue 8 (pp. 1355-1356) and another in issue 9 (p. 1598).
    # One record without its issue and the other without its pages: nothing confirms them.
    a, b = sets["haematology"]["id_0000706"], sets["haematology"]["id_0001374"]
    v = classify_pair(record_keys(0, _without(a, "issue")), record_keys(1, _without(b, "pages")))
    assert v.outcome is Outcome.POSSIBLE and "nothing to confirm" in v.reason
    # A real duplicate (id_0000010 / id_0000011: Transplantation, issue 8, pp. 1325-1329)
    # damaged the same way waits for a person too: that is the rule's price...
    c, d = sets["haematology"]["id_0000010"], sets["haematology"]["id_0000011"]
    assert classify_pair(record_keys(0, _without(c, "issue")), record_keys(1, _without(d, "pages"))).outcome \
        is Outcome.POSSIBLE
    # ...while one record that lost its issue, or both their pages, is still merged.
    assert classify_pair(record_keys(0, _without(c, "issue")), record_keys(1, d)).outcome is Outcome.DUPLICATE
    assert classify_pair(record_keys(0, _without(c, "pages")), record_keys(1, _without(d, "pages"))).outcome \
        is Outcome.DUPLICATE


def test_a_doi_on_one_record_and_pages_on_the_other_still_merge(sets) -> None:
    # digital_work id_4006694 / id_2006695: one HICSS paper, exported with pages 1831-1840
    # by one database and with its DOI by the other (no issue on either).
    a, b = sets["digital_work"]["id_4006694"], sets["digital_work"]["id_2006695"]
    assert {bool(a.doi), bool(b.doi)} == {True, False} and {bool(a.pages), bool(b.pages)} == {True, False}
    assert classify_pair(record_keys(0, a), record_keys(1, b)).outcome is Outcome.DUPLICATE


def test_a_generic_column_whose_issue_only_one_record_keeps_is_not_merged(sets) -> None:
    # "Editorial Introduction", vol. 32, pp. 1-3 in issues 2 and 4 (id_1006513 / id_1006515):
    # the column's pages recur in every issue, so with one issue lost they name no one issue.
    a, b = (_without(sets["digital_work"][i], "doi") for i in ("id_1006513", "id_1006515"))
    v = classify_pair(record_keys(0, a), record_keys(1, _without(b, "issue")))
    assert v.outcome is Outcome.POSSIBLE and "generic" in v.reason
    both_without = classify_pair(record_keys(0, _without(a, "issue")), record_keys(1, _without(b, "issue")))
    assert both_without.outcome is Outcome.DUPLICATE


def test_a_list_cut_to_one_author_is_not_the_same_people_as_a_list_with_it_further_down(sets) -> None:
    # haematology id_0000103 (Loirat, C.; Babu, S.; ...) and id_0000112 (Licht, C.; Muus, P.;
    # ...; Loirat, C.): two meeting abstracts on page 1660 of Pediatr Nephrol 26(9). With
    # id_0000103 cut to its first author, "Loirat" is still found in id_0000112's list (its
    # last author), and the close titles and the shared first page merged them.
    a, b = sets["haematology"]["id_0000103"], sets["haematology"]["id_0000112"]
    cut = Record(**{**a.__dict__, "authors": a.authors[:1]})
    ka, kb = record_keys(0, cut), record_keys(1, b)
    assert ka.surnames[0] in kb.surnames[1:]
    assert authors_agree(ka.surnames, kb.surnames, ka.given, kb.given) is False
    assert classify_pair(ka, kb).outcome is not Outcome.DUPLICATE
    # The same cut list still agrees with its own duplicate (id_0000104), first author first.
    kd = record_keys(2, sets["haematology"]["id_0000104"])
    assert authors_agree(ka.surnames, kd.surnames, ka.given, kd.given) is True
    assert classify_pair(ka, kd).outcome is Outcome.DUPLICATE
