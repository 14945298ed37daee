"""Fields of a possible duplicate that differ in substance, not in how an export wrote them."""

from __future__ import annotations

from triage.dedup.compare import fields_that_differ
from triage.records.model import Record

FIELDS = ("title", "authors", "year", "journal", "pages", "doi", "publication_type", "abstract")


def test_written_differently_is_not_different() -> None:
    pubmed = Record(title="Kinship carers' experiences of support", authors=["Fernández, NM", "Byrne, HM"],
                    year=2005, journal="British Journal of Social Work", pages="1619-1628",
                    doi="10.9999/Demo.2001", publication_type="JOUR")
    scopus = Record(title="KINSHIP CARERS' EXPERIENCES OF SUPPORT", authors=["Fernández NM.", "Byrne HM."],
                    year=2005, journal="British journal of social work", pages="1619-28",
                    doi="https://doi.org/10.9999/demo.2001", publication_type="Article")
    assert fields_that_differ(pubmed, scopus, FIELDS) == set()


def test_real_differences_and_a_field_one_lacks_are_marked() -> None:
    a = Record(title="Support after removal", authors=["Fernández, NM", "Byrne, HM"], year=2005,
               pages="1619-1628", doi="10.9999/demo.2001", publication_type="JOUR", abstract="Text.")
    b = Record(title="Support after removal: a follow-up", authors=["Fernández, NM", "Petrov, T"], year=2006,
               pages="1919-1928", publication_type="Book", abstract="Text.")
    assert fields_that_differ(a, b, FIELDS) == {"title", "authors", "year", "pages", "doi", "publication_type"}
