"""The one record model every reader produces and every later stage consumes.

A :class:`Record` holds the normalised bibliographic fields that dedup, ranking and
export rely on, plus ``raw``: every field of the source verbatim (unknown tags too),
so no information is lost on import and a round trip can restore the original.
:class:`Provenance` says where the record came from, which PRISMA reporting needs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

__all__ = ["BIBLIOGRAPHIC_FIELDS", "RECORD_FIELDS", "Problem", "Provenance", "ReadResult", "Record"]


@dataclass(frozen=True)
class Provenance:
    """Where a record came from.

    ``position`` is the 1-based index of the record in its file; ``line`` the 1-based
    line on which it starts (``None`` for formats without lines, e.g. Excel).
    ``database`` is the database or platform (``"PubMed"``, ``"Embase"``), detected
    from the export or given by the user; ``None`` when unknown.
    """

    source_file: str
    source_hash: str
    position: int
    line: int | None = None
    database: str | None = None


@dataclass
class Record:
    """One bibliographic record, format-independent.

    Text fields are ``None`` when absent (never ``""``), so "missing" is unambiguous.
    ``authors`` and ``keywords`` are lists in source order. ``raw`` maps the source's
    own field names to their verbatim values (str or list of str).
    """

    title: str | None = None
    abstract: str | None = None
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    issn: str | None = None
    isbn: str | None = None
    keywords: list[str] = field(default_factory=list)
    language: str | None = None
    publication_type: str | None = None
    url: str | None = None
    notes: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    provenance: Provenance | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-serialisable), provenance included."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        """Inverse of :meth:`to_dict`; unknown keys are ignored."""
        values = {k: data[k] for k in RECORD_FIELDS if k in data}
        prov = data.get("provenance")
        if isinstance(prov, dict):
            values["provenance"] = Provenance(**prov)
        values.setdefault("authors", [])
        values.setdefault("keywords", [])
        values["authors"] = list(values["authors"] or [])
        values["keywords"] = list(values["keywords"] or [])
        values.setdefault("raw", {})
        return cls(**values)

    @property
    def has_abstract(self) -> bool:
        return bool(self.abstract and self.abstract.strip())


#: Bibliographic fields of :class:`Record` in declaration order (without ``raw`` and
#: ``provenance``): the columns a writer puts first, derived so a new field cannot be missed.
BIBLIOGRAPHIC_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(Record) if f.name not in ("raw", "provenance"))

#: The fields :meth:`Record.from_dict` reads: the bibliographic ones and ``raw``.
RECORD_FIELDS: tuple[str, ...] = (*BIBLIOGRAPHIC_FIELDS, "raw")


@dataclass(frozen=True)
class Problem:
    """Something wrong in an input file, reported instead of silently dropped.

    ``severity`` is ``"error"`` when a record could not be imported (or was imported
    incomplete) and ``"warning"`` when it imported but a person should know (unknown
    tag, encoding guessed). ``line`` and ``record`` are 1-based; either may be None.
    """

    path: str
    message: str
    line: int | None = None
    record: int | None = None
    severity: str = "error"
    hint: str | None = None

    def stored(self) -> dict[str, object]:
        """The problem as the project keeps it with its imported file (the file is the row's)."""
        return {"message": self.message, "line": self.line, "record": self.record, "severity": self.severity,
                "hint": self.hint}

    @classmethod
    def from_stored(cls, path: str, data: dict[str, Any]) -> Problem:
        """A problem kept by :meth:`stored` with the file ``path`` it was found in."""
        return cls(path=path, message=str(data.get("message", "")), line=data.get("line"), record=data.get("record"),
                   severity=str(data.get("severity") or "error"), hint=data.get("hint"))

    def __str__(self) -> str:
        from pathlib import Path

        where = Path(self.path).name
        if self.line is not None:
            where += f":{self.line}"
        elif self.record is not None:
            where += f": record {self.record}"
        text = f"{where}: {self.message}"
        return f"{text}; {self.hint}" if self.hint else text


@dataclass
class ReadResult:
    """What every reader returns: the good records, the problems, and file facts."""

    records: list[Record]
    problems: list[Problem]
    path: str
    sha256: str
    format: str
    encoding: str | None = None
    database: str | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]
