"""Whether two records agree on one field as a person reviewing a pair means it.

A possible duplicate is shown side by side with the fields that differ marked. Marked on
the text as typed, "Fernández, NM" against "Fernández NM." and the type "JOUR" against
Scopus's "Article" read as differences, and the eye learns to skip the marks; here they
agree when the dedup keys (:mod:`triage.dedup.keys`) or the RIS type code say they do.
"""

from __future__ import annotations

from triage.dedup.keys import RecordKeys, record_keys
from triage.records.model import Record
from triage.records.ris_tags import ris_type_code

__all__ = ["fields_that_differ"]

def _as_text(record: Record, name: str) -> str:
    value = getattr(record, name)
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return "" if value is None else " ".join(str(value).split())


def _keyed(name: str, a: RecordKeys, b: RecordKeys) -> bool | None:
    """Agreement by the dedup keys for the fields written many ways; None for the others."""
    if name == "authors":
        return (a.surnames, a.given) == (b.surnames, b.given)
    if name == "pages":
        return (a.first_page, a.last_page) == (b.first_page, b.last_page)
    if name == "journal":
        return a.journal == b.journal
    if name == "doi":
        return a.doi == b.doi
    return None


def fields_that_differ(a: Record, b: Record, names: tuple[str, ...]) -> set[str]:
    """The fields of ``names`` (Record attribute names) on which ``a`` and ``b`` differ in
    substance; a field both lack, both write alike but for case, or write so that the dedup
    keys agree, is not among them."""
    keys_a, keys_b = record_keys(0, a), record_keys(1, b)
    differ = set()
    for name in names:
        text_a, text_b = _as_text(a, name), _as_text(b, name)
        if text_a.casefold() == text_b.casefold():  # a title in capitals is the same title
            continue
        if not text_a or not text_b:
            differ.add(name)
        elif name == "publication_type":
            if (ris_type_code(text_a) or text_a.lower()) != (ris_type_code(text_b) or text_b.lower()):
                differ.add(name)
        elif not _keyed(name, keys_a, keys_b):
            differ.add(name)
    return differ
