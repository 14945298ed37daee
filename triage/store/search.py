"""Search a project's records by relevance: SQLite FTS5 with BM25, a plain word count elsewhere.

``triage records --search "cocker spaniel therapy"`` should put the record with that title
first, not list every record holding any of the words in id order. SQLite's FTS5 ranks
with BM25 (term frequency, rarity and field length, Robertson & Zaragoza 2009), so the
work is left to it. The index is built on demand in a TEMP table of the session's
connection from the records being searched (the same merged, canonical fields the
reviewers see), so it can never be stale after an import, a dedup merge or a removal and
needs no table in the project's schema. Reading 100,000 records for the listing costs
more than indexing them. Databases other than SQLite (or an SQLite built without FTS5)
get :func:`plain_ranking`: records holding more of the words first.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from triage.records.model import Record
from triage.records.normalize import fold_text

__all__ = ["FIELD_WEIGHTS", "plain_ranking", "rank_by_relevance"]

#: BM25 weight per indexed field: a word in the title says more than one in the abstract.
FIELD_WEIGHTS: dict[str, float] = {"title": 10.0, "abstract": 1.0, "authors": 3.0, "keywords": 3.0}
_TABLE = "temp.triage_record_search"


def _fields(record: Record) -> tuple[str, str, str, str]:
    return (record.title or "", record.abstract or "", "; ".join(record.authors), "; ".join(record.keywords))


def rank_by_relevance(session: Session, query: str, records: Sequence[tuple[int, Record]]) -> list[int]:
    """Ids of ``records`` (``(record_id, Record)``) holding any word of ``query``, most relevant first.

    Words are matched case- and accent-insensitively, with Porter stemming on SQLite
    ("therapies" finds "therapy"). An empty query keeps every record in the given order.
    """
    words = fold_text(query).split()
    if not words:
        return [record_id for record_id, _ in records]
    if session.get_bind().dialect.name == "sqlite":
        try:
            return _fts5_ranking(session, words, records)
        except OperationalError:  # this SQLite has no FTS5 module
            pass
    return plain_ranking(words, records)


def _fts5_ranking(session: Session, words: list[str], records: Sequence[tuple[int, Record]]) -> list[int]:
    connection = session.connection()
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {_TABLE}")
    columns = ", ".join(FIELD_WEIGHTS)
    connection.exec_driver_sql(
        f"CREATE VIRTUAL TABLE {_TABLE} USING fts5({columns}, tokenize='porter unicode61 remove_diacritics 2')"
    )
    try:
        connection.exec_driver_sql(
            f"INSERT INTO {_TABLE} (rowid, {columns}) VALUES (?, ?, ?, ?, ?)",
            [(record_id, *_fields(record)) for record_id, record in records],
        )
        match = " OR ".join(f'"{word}"' for word in dict.fromkeys(words))  # folded words hold no quotes
        weights = ", ".join(str(w) for w in FIELD_WEIGHTS.values())
        name = _TABLE.split(".", 1)[1]
        rows = connection.exec_driver_sql(
            f"SELECT rowid FROM {_TABLE} WHERE {name} MATCH ? ORDER BY bm25({name}, {weights}), rowid", (match,)
        )
        return [int(row[0]) for row in rows]
    finally:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {_TABLE}")


def plain_ranking(words: Sequence[str], records: Sequence[tuple[int, Record]]) -> list[int]:
    """The fallback: records whose title holds more of the distinct ``words`` first, then those
    holding more of them anywhere, ties in the given order. ``words`` are folded (:func:`fold_text`).

    The title decides first, as FTS5's title weight does: a sum over the fields let a word
    found in both the title and the abstract outscore a title holding every word, so a record
    without an abstract fell behind others whose titles held fewer of the words.
    """
    wanted = list(dict.fromkeys(words))
    scored = []
    for position, (record_id, record) in enumerate(records):
        title = set(fold_text(record.title).split())
        rest = set(fold_text(" ".join(_fields(record)[1:])).split())
        in_title = sum(w in title for w in wanted)
        anywhere = sum(w in title or w in rest for w in wanted)
        if anywhere:
            scored.append((-in_title, -anywhere, position, record_id))
    return [record_id for *_, record_id in sorted(scored)]
