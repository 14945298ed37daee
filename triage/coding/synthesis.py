"""The study-by-theme matrix a synthesis reports and a GRADE-CERQual assessment starts from.

For every theme and code of the codebook (a theme counts the segments coded with any code
under it): how many segments, which studies support it (adequacy of data, in CERQual terms, is
judged from how many studies and how rich their data are), which perspectives (e.g. parents,
practitioners: coherence across groups), segment counts per study, and a few quotations (the
participants' own words first, then the authors' text) so the finding can be checked against
the data. It counts the coding in force (:mod:`triage.store.coding_in_force`): a segment coded
by two coders counts once, with the codes both applied or a lead's resolution; codes they
dispute unresolved are not counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from triage.coding.codebook import Code, Codebook

__all__ = ["synthesis_table"]


def _subtree_ids(code: Code) -> set[str]:
    out = {code.id}
    for child in code.children:
        out |= _subtree_ids(child)
    return out


def synthesis_table(rows: Sequence[dict[str, Any]], codebook: Codebook, *, quotes: int = 3,
                    perspective: str = "perspective") -> list[dict[str, Any]]:
    """One row per theme and code in codebook order, from :func:`~triage.store.coding_in_force.synthesis_rows`.

    Columns: ``level`` (theme/code), ``code_id``, ``name``, ``parent``, ``segments``, ``studies``
    (how many), ``study_list``, ``perspectives`` (``parent 3; practitioner 1``), one
    ``study: NAME`` column of segment counts per study, and ``quotes`` (up to ``quotes``
    texts, each followed by its study in brackets, one per line).
    """
    by_code: dict[str, dict[int, dict[str, Any]]] = {}
    for r in rows:
        by_code.setdefault(r["code_id"], {})[r["segment_id"]] = r
    studies = sorted({str(r["study"]) for r in rows})
    table = []
    for code, parent, _ in codebook.walk():
        segments: dict[int, dict[str, Any]] = {}
        for code_id in _subtree_ids(code):
            segments.update(by_code.get(code_id, {}))
        per_study = Counter(str(r["study"]) for r in segments.values())
        views = Counter(str(r.get(perspective) or "(none)") for r in segments.values())
        ordered = sorted(segments.values(), key=lambda r: (not r.get("quote"), str(r["study"]), r["start"]))
        row: dict[str, Any] = {
            "level": "code" if code.codable else "theme", "code_id": code.id, "name": code.name,
            "parent": parent.id if parent else "", "segments": len(segments), "studies": len(per_study),
            "study_list": "; ".join(sorted(per_study)),
            "perspectives": "; ".join(f"{v} {n}" for v, n in sorted(views.items())) if segments else "",
        }
        row.update({f"study: {s}": per_study.get(s, 0) for s in studies})
        row["quotes"] = "\n".join(f"{r['text']} [{r['study']}]" for r in ordered[:quotes])
        table.append(row)
    return table
