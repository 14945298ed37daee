"""Loading and checking SPICE criteria files: exact errors with key and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.criteria import Criteria, load_criteria, parse_criteria
from triage.errors import CriteriaError
from triage.records.model import Record


@pytest.fixture(scope="module")
def example(shared_data: Path) -> Criteria:
    return load_criteria(shared_data.parent / "examples" / "criteria-parental-mental-health.toml")


def test_example_file_loads_every_element(example: Criteria) -> None:
    assert example.title.startswith("Support for parents with mental health needs")
    assert list(example.elements) == ["setting", "perspective", "interest", "evaluation", "context"]
    assert example.years == (2000, 2022)
    assert example.languages == ("en",)
    assert "mothers" in example.elements["perspective"].include
    assert example.elements["context"].exclude == ()


def test_excluded_publication_types_are_read_from_exclude_phrases(example: Criteria) -> None:
    assert set(example.excluded_types) == {
        "editorial", "letter", "comment", "conference abstract", "book chapter", "thesis"
    }


def test_minimal_file(test_data: Path) -> None:
    criteria = load_criteria(test_data / "criteria" / "minimal.toml")
    assert criteria.years is None and criteria.languages == ()
    assert criteria.elements["interest"].include == ("exercise", "physiotherapy")
    assert criteria.elements["interest"].exclude == ()
    assert criteria.suggested_exclusion_reasons(Record(title="x", year=1950, language="fr")) == []


def test_unknown_key_names_key_line_and_valid_keys(test_data: Path) -> None:
    with pytest.raises(CriteriaError) as info:
        load_criteria(test_data / "criteria" / "unknown_key.toml")
    assert str(info.value) == (
        "unknown_key.toml:8: spice.setting.inclde: unknown key, did you mean 'include'; valid keys: description, include, exclude"
    )


def test_bad_years_names_line(test_data: Path) -> None:
    with pytest.raises(CriteriaError) as info:
        load_criteria(test_data / "criteria" / "bad_years.toml")
    assert str(info.value) == (
        "bad_years.toml:4: review.years: must be two whole years [from, to]; write years = [2000, 2022]"
    )


def test_missing_key_points_at_its_table(test_data: Path) -> None:
    with pytest.raises(CriteriaError) as info:
        load_criteria(test_data / "criteria" / "no_description.toml")
    assert str(info.value) == (
        "no_description.toml:5: spice.perspective.description: missing or empty; "
        "describe what eligible records show"
    )


def test_toml_syntax_error_gives_line(test_data: Path) -> None:
    with pytest.raises(CriteriaError, match=r"^bad_syntax\.toml:2: not valid TOML: .*; fix the syntax there$"):
        load_criteria(test_data / "criteria" / "bad_syntax.toml")


def test_missing_file() -> None:
    with pytest.raises(CriteriaError, match="no such criteria file; check the path"):
        load_criteria("/nonexistent/criteria.toml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[spice.s]\ndescription = "d"\n', "criteria: review: missing [review] table"),
        ('[review]\ntitle = "t"\nquestion = "q"\n', "criteria: spice: no [spice.<element>] tables"),
        ('[review]\ntitle = "t"\nquestion = "q"\nlanguages = ["xx-yy"]\n[spice.s]\ndescription = "d"\n',
         "criteria:4: review.languages: unknown language 'xx-yy'"),
        ('[review]\ntitle = "t"\nquestion = "q"\n[spice.s]\ndescription = "d"\nexclude = "letters"\n',
         "criteria:6: spice.s.exclude: must be a list of non-empty strings"),
        ('[review]\ntitle = "t"\nquestion = "q"\n[extra]\nx = 1\n[spice.s]\ndescription = "d"\n',
         "criteria:4: extra: unknown table, did you mean "),
    ],
)
def test_validation_messages(text: str, message: str) -> None:
    with pytest.raises(CriteriaError) as info:
        parse_criteria(text)
    assert str(info.value).startswith(message)


def test_suggested_exclusions_flag_year_language_and_type(example: Criteria) -> None:
    record = Record(title="Mothers' views", year=1998, language="German", publication_type="Editorial")
    assert example.suggested_exclusion_reasons(record) == [
        "year 1998 outside 2000-2022",
        "language German not in en",
        "publication type: editorial",
    ]


def test_suggested_exclusions_read_ris_type_and_never_missing_fields(example: Criteria) -> None:
    conference = Record(title="x", year=2010, language="eng", raw={"type_of_reference": "CONF"})
    assert example.suggested_exclusion_reasons(conference) == ["publication type: conference abstract"]
    assert example.suggested_exclusion_reasons(Record(title="x")) == []
    article = Record(title="x", year=2022, language="en", publication_type="Journal Article")
    assert example.suggested_exclusion_reasons(article) == []


def test_exclusion_reasons_list_elements_then_phrases(example: Criteria) -> None:
    reasons = example.exclusion_reasons()
    assert reasons[:5] == [f"{name}: not eligible" for name in example.elements]
    assert "evaluation: editorials" in reasons


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # A misspelt element table used to load, and the element silently disappeared.
        (('[review]\ntitle = "t"\nquestion = "q"\n[spice.setting]\ndescription = "d"\n\n[spice.perspectve]\n'
         'description = "parents"\n'),
         ("criteria:7: spice.perspectve: unknown element, did you mean 'perspective'; write [spice.perspective], "
         "or give the review's own concept a name of its own")),
        ('[reveiw]\ntitle = "t"\nquestion = "q"\n[spice.setting]\ndescription = "d"\n',
         "criteria:1: reveiw: unknown table, did you mean 'review'; valid tables: [review] and [spice.<element>]"),
        ('[review]\ntitle = "t"\nquestoin = "q"\n[spice.setting]\ndescription = "d"\n',
         ("criteria:3: review.questoin: unknown key, did you mean 'question'; valid keys: title, question, years, "
         "languages")),
        ('[review]\ntitle = "t"\nquestion = "q"\n[spice.setting]\ndescription = "d"\n[spice.setting.extra]\nx = 1\n',
         ("criteria:6: spice.setting.extra: unknown key, did you mean 'exclude'; valid keys: description, include, "
         "exclude")),
    ],
)
def test_unknown_names_give_the_line_and_the_nearest_valid_name(text: str, message: str) -> None:
    with pytest.raises(CriteriaError) as info:
        parse_criteria(text)
    assert str(info.value) == message


def test_the_reviews_own_elements_are_still_allowed() -> None:
    criteria = parse_criteria(
        '[review]\ntitle = "t"\nquestion = "q"\n[spice.setting]\ndescription = "d"\n'
        '[spice.population]\ndescription = "adults"\n[spice.context]\ndescription = "c"\n'
    )
    assert list(criteria.elements) == ["setting", "population", "context"]
