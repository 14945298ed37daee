"""Load and check a review's eligibility criteria written in SPICE form (TOML).

The file has a ``[review]`` table (title, question, optional ``years = [from, to]`` and
``languages``) and one ``[spice.<element>]`` table per concept (setting, perspective,
interest, comparison, evaluation, plus any the review adds), each with ``description``,
``include`` and ``exclude`` phrase lists. Ranking uses the criteria for the cold start;
this module only reads, validates and answers "which limits does this record break?".

``tomllib`` gives no line numbers for keys, so errors find the key's line in the text
themselves (:func:`_line_of`): a reviewer editing the file needs to know where to look.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from triage.errors import CriteriaError
from triage.records.model import Record

__all__ = ["SPICE_ELEMENTS", "Criteria", "Element", "load_criteria", "parse_criteria"]

#: The five SPICE elements, in the order reviewers write them; reviews may add others.
SPICE_ELEMENTS: tuple[str, ...] = ("setting", "perspective", "interest", "comparison", "evaluation")

_ELEMENT_KEYS = ("description", "include", "exclude")
_REVIEW_KEYS = ("title", "question", "years", "languages")
_TABLES = ("review", "spice")
#: Element names the file may use without question: SPICE's five and "context" (SPICE's C
#: is comparison or context). Others are allowed as the review's own concepts unless they
#: are a near miss of one of these (``perspectve``), which is a typo that would drop the element.
_KNOWN_ELEMENTS: tuple[str, ...] = (*SPICE_ELEMENTS, "context")
#: rapidfuzz ``fuzz.ratio`` (0-100) at or above which a name counts as a near miss: every
#: one-letter slip in the known names scores 92 or more, the PICO/SPIDER names that reviews
#: add (population, outcome, intervention, design, sample) 70 or less.
_NEAR_MISS = 80.0

# Publication types a reviewer may exclude: (reason shown, words in an exclude phrase that name it,
# words in a record's publication type / RIS type / title that show it). Data, not logic (as rispy
# keeps its tag tables apart), so a new type is one line.
_PUBLICATION_TYPES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("editorial", ("editorial",), ("editorial", "edit")),
    ("letter", ("letter",), ("letter",)),
    ("comment", ("comment", "commentary", "commentaries"), ("comment", "commentary")),
    ("conference abstract", ("conference", "congress", "proceedings", "meeting abstract"),
     ("conference", "congress", "proceedings", "meeting abstract", "conf", "cpaper", "abst")),
    ("book chapter", ("book chapter", "book", "chapter"), ("book chapter", "chapter", "chap", "book")),
    ("thesis", ("thesis", "theses", "dissertation"), ("thesis", "dissertation", "thes")),
    ("review article", ("review article", "reviews", "systematic review", "literature review"),
     ("review",)),
)

# ISO 639-1 codes and the names records use for common review languages.
_LANGUAGE_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("en", "eng", "english"),
    "de": ("de", "ger", "deu", "german"),
    "fr": ("fr", "fre", "fra", "french"),
    "es": ("es", "spa", "spanish"),
    "nl": ("nl", "dut", "nld", "dutch"),
    "it": ("it", "ita", "italian"),
    "pt": ("pt", "por", "portuguese"),
    "zh": ("zh", "chi", "zho", "chinese"),
    "ja": ("ja", "jpn", "japanese"),
}


@dataclass(frozen=True)
class Element:
    """One SPICE element: what an eligible record shows for this concept.

    ``include`` phrases are searched for (by lemma) to rank and explain records;
    ``exclude`` phrases are reasons a reviewer may pick and publication types to flag.
    """

    name: str
    description: str
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Criteria:
    """A review's eligibility criteria; ``years`` is an inclusive ``(from, to)`` pair."""

    title: str
    question: str
    elements: dict[str, Element]
    years: tuple[int, int] | None = None
    languages: tuple[str, ...] = ()
    path: str | None = None
    excluded_types: tuple[str, ...] = field(default=())

    def exclusion_reasons(self) -> list[str]:
        """Reasons a reviewer can pick when excluding: each element's name and exclude phrases."""
        reasons = [f"{name}: not eligible" for name in self.elements]
        for name, element in self.elements.items():
            reasons.extend(f"{name}: {phrase}" for phrase in element.exclude)
        return reasons

    def suggested_exclusion_reasons(self, record: Record) -> list[str]:
        """Limits in the criteria that ``record`` appears to break, as reasons to show.

        Suggestions only, never applied: a missing year or language is no reason, and
        publication types are read from the record's type fields and title, which can be wrong.
        """
        reasons: list[str] = []
        if self.years is not None and record.year is not None:
            low, high = self.years
            if not low <= record.year <= high:
                reasons.append(f"year {record.year} outside {low}-{high}")
        if self.languages and record.language and _language_code(record.language) not in self.languages:
            reasons.append(f"language {record.language} not in {', '.join(self.languages)}")
        shown = _record_type_words(record)
        for reason, _, record_words in _PUBLICATION_TYPES:
            if reason in self.excluded_types and any(_has_word(shown, w) for w in record_words):
                reasons.append(f"publication type: {reason}")
        return reasons


def load_criteria(path: str | Path) -> Criteria:
    """Read and check the SPICE criteria file at ``path``; raises :class:`CriteriaError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CriteriaError(f"{path}: no such criteria file", hint="check the path") from None
    except UnicodeDecodeError as exc:
        raise CriteriaError(f"{path.name}: not UTF-8 text ({exc.reason})", hint="save it as UTF-8") from None
    return parse_criteria(text, path=path)


def parse_criteria(text: str, *, path: str | Path | None = None) -> Criteria:
    """Parse criteria TOML ``text``; ``path`` only names the file in errors."""
    name = Path(path).name if path is not None else "criteria"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        where = f"{name}:{match.group(1)}" if match else name
        detail = re.sub(r"\s*\(at line.*\)$", "", str(exc))
        raise CriteriaError(f"{where}: not valid TOML: {detail}", hint="fix the syntax there") from None

    def fail(key: str, problem: str, hint: str) -> CriteriaError:
        line = _line_of(text, key)
        where = f"{name}:{line}" if line else name
        return CriteriaError(f"{where}: {key}: {problem}", hint=hint)

    for key in data:
        if key not in _TABLES:
            raise fail(key, f"unknown table{_nearest(key, _TABLES)}", "valid tables: [review] and [spice.<element>]")
    review = data.get("review")
    if not isinstance(review, dict):
        raise fail("review", "missing [review] table", "add [review] with title and question")
    for key in review:
        if key not in _REVIEW_KEYS:
            raise fail(f"review.{key}", f"unknown key{_nearest(key, _REVIEW_KEYS)}", f"valid keys: {', '.join(_REVIEW_KEYS)}")
    for key in ("title", "question"):
        value = review.get(key)
        if not isinstance(value, str) or not value.strip():
            raise fail(f"review.{key}", "missing or empty", "give it as a quoted string")
    years = _years(review.get("years"), lambda p: fail("review.years", p, "write years = [2000, 2022]"))
    languages = _languages(
        review.get("languages"), lambda p: fail("review.languages", p, 'write languages = ["en"]')
    )

    spice = data.get("spice")
    if not isinstance(spice, dict) or not spice:
        raise fail("spice", "no [spice.<element>] tables", "add e.g. [spice.setting] with a description")
    elements: dict[str, Element] = {}
    for element_name, table in spice.items():
        dotted = f"spice.{element_name}"
        if not isinstance(table, dict):
            raise fail(dotted, "must be a table", f"write it as [{dotted}]")
        near = _near_miss(element_name)
        if near is not None:
            raise fail(
                dotted,
                f"unknown element, did you mean {near!r}",
                f"write [spice.{near}], or give the review's own concept a name of its own",
            )
        for key in table:
            if key not in _ELEMENT_KEYS:
                raise fail(f"{dotted}.{key}", f"unknown key{_nearest(key, _ELEMENT_KEYS)}", f"valid keys: {', '.join(_ELEMENT_KEYS)}")
        description = table.get("description")
        if not isinstance(description, str) or not description.strip():
            raise fail(f"{dotted}.description", "missing or empty", "describe what eligible records show")
        phrases: dict[str, tuple[str, ...]] = {}
        for key in ("include", "exclude"):
            value = table.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise fail(f"{dotted}.{key}", "must be a list of non-empty strings", f'write {key} = ["..."]')
            phrases[key] = tuple(v.strip() for v in value)
        elements[element_name] = Element(element_name, description.strip(), phrases["include"], phrases["exclude"])

    exclude_text = " ; ".join(p.lower() for e in elements.values() for p in e.exclude)
    excluded_types = tuple(
        reason for reason, words, _ in _PUBLICATION_TYPES if any(_has_word(exclude_text, w) for w in words)
    )
    return Criteria(
        title=review["title"].strip(),
        question=review["question"].strip(),
        elements=elements,
        years=years,
        languages=languages,
        path=str(path) if path is not None else None,
        excluded_types=excluded_types,
    )


def _nearest(name: str, valid: tuple[str, ...]) -> str:
    """``", did you mean 'x'"`` naming the valid name closest to ``name`` (rapidfuzz ratio)."""
    from rapidfuzz import fuzz, process  # 55 ms to import: paid only when a name is wrong

    best = process.extractOne(name, valid, scorer=fuzz.ratio)
    return f", did you mean {best[0]!r}" if best else ""


def _near_miss(element: str) -> str | None:
    """The known element ``element`` is probably a misspelling of, or None."""
    if element in _KNOWN_ELEMENTS:
        return None
    from rapidfuzz import fuzz, process  # only for names outside the known ones

    best = process.extractOne(element, _KNOWN_ELEMENTS, scorer=fuzz.ratio, score_cutoff=_NEAR_MISS)
    return best[0] if best else None


def _years(value: Any, fail: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    if not (isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value)):
        raise fail("must be two whole years [from, to]")
    if value[0] > value[1]:
        raise fail(f"from {value[0]} is after to {value[1]}")
    return (value[0], value[1])


def _languages(value: Any, fail: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail("must be a list of language codes")
    codes = []
    for item in value:
        code = _language_code(item)
        if code is None:
            raise fail(f"unknown language {item!r}; use ISO 639-1 codes such as {', '.join(_LANGUAGE_NAMES)}")
        codes.append(code)
    return tuple(codes)


def _language_code(value: str) -> str | None:
    lowered = value.strip().lower()
    for code, names in _LANGUAGE_NAMES.items():
        if lowered in names:
            return code
    return lowered if re.fullmatch(r"[a-z]{2}", lowered) else None


def _record_type_words(record: Record) -> str:
    parts = [record.publication_type or ""]
    for key in ("type_of_reference", "TY", "ENTRYTYPE", "publication_type", "PT"):
        value = record.raw.get(key)
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, list):
            parts.extend(str(v) for v in value)
    return " ; ".join(parts).lower()


def _has_word(text: str, word: str) -> bool:
    return re.search(rf"\b{re.escape(word)}s?\b", text) is not None


def _line_of(text: str, dotted: str) -> int | None:
    """1-based line where the dotted key ``dotted`` is written, or None.

    Handles ``[table]`` headers and ``key = value`` lines inside them, which is all the
    criteria format uses; the table header's line stands in for a missing key.
    """
    parts = dotted.split(".")
    table: list[str] = []
    table_line: dict[str, int] = {}
    header = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$")
    assignment = re.compile(r"^\s*([A-Za-z0-9_\-\"']+)\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        match = header.match(line)
        if match:
            table = [p.strip().strip("\"'") for p in match.group(1).split(".")]
            table_line.setdefault(".".join(table), number)
            if table == parts:
                return number
            continue
        match = assignment.match(line)
        if match and table + [match.group(1).strip("\"'")] == parts:
            return number
    for depth in range(len(parts) - 1, 0, -1):
        parent = ".".join(parts[:depth])
        if parent in table_line:
            return table_line[parent]
    return None
