"""A database record exported twice is one record: its Web of Science or Scopus accession
number names it, as a DOI names an article (a search re-run months later brings the same
records again; a generic title without a volume went to a person every time)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from triage.dedup.keys import record_keys
from triage.dedup.match import Outcome, classify_pair
from triage.records.load import read_file
from triage.records.model import Record


def _spaniel(shared_data: Path) -> Record:
    records = read_file(shared_data / "exports" / "ris" / "asysd_zotero_export.ris").records
    return next(r for r in records if r.title == "DEATH OF A SPANIEL")


def test_the_same_web_of_science_record_twice_merges(shared_data: Path) -> None:
    record = _spaniel(shared_data)
    a, b = record_keys(0, record), record_keys(1, record)
    assert a.accession.startswith("wos:") and len(a.accession) == len("wos:") + 15
    assert classify_pair(a, b).outcome is Outcome.DUPLICATE
    # without the accession number the generic title needs the pages, which this record lacks
    bare = classify_pair(dataclasses.replace(a, accession=""), dataclasses.replace(b, accession=""))
    assert bare.outcome is Outcome.POSSIBLE


def test_two_records_with_their_own_numbers_are_not_merged_by_them(shared_data: Path) -> None:
    record = _spaniel(shared_data)
    other = dataclasses.replace(record, raw={**record.raw, "AN": "WOS:000000000000001"})
    verdict = classify_pair(record_keys(0, record), record_keys(1, other))
    assert verdict.outcome is Outcome.POSSIBLE  # as without numbers: differing numbers are no conflict either


def test_only_numbers_unique_across_databases_count() -> None:
    def keys(raw: dict[str, object]) -> str:
        return record_keys(0, Record(title="Editorial", raw=raw)).accession

    assert keys({"UT": "ISI:000473109800010"}) == "wos:000473109800010"
    assert keys({"Unique-ID": "WOS:000473109800010"}) == "wos:000473109800010"
    assert keys({"EID": "2-s2.0-85012345678"}) == "2-s2.0-85012345678"
    assert keys({"AN": ["12345678", "WOS:000473109800010"]}) == "wos:000473109800010"
    assert keys({"AN": "2214991469; 51887"}) == ""  # ProQuest's own number: another database may reuse it
    assert keys({"N1": "WOS:000473109800010"}) == ""  # a note, not the accession field
