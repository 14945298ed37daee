"""Ranking state as bytes: the pieces a project keeps between commands, and their keys.

Pure (no store): :mod:`triage.screening.ranking_state` decides when a piece is reused and
writes it through :mod:`triage.store.ranking_state`. Arrays travel as one NumPy ``.npz``
archive per piece (``allow_pickle`` stays off: a project file is data, never code).
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

import numpy as np

if TYPE_CHECKING:  # scipy.sparse loads in a third of a second; readers of a kept ranking need none
    import scipy.sparse as sp

from triage.ranking.criteria_scores import CriteriaFit, Match

__all__ = [
    "RankedOrder",
    "criteria_fit_from_bytes",
    "criteria_fit_to_bytes",
    "matches_from_json",
    "order_from_bytes",
    "order_to_bytes",
    "state_key",
    "tfidf_from_bytes",
    "tfidf_to_bytes",
]


def state_key(*parts: Any) -> str:
    """A stable hash of what a piece was computed from (JSON of ``parts``)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def _npz(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]  # uncompressed: loading speed matters more than bytes here
    return buffer.getvalue()


def _load(data: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def tfidf_to_bytes(record_ids: np.ndarray, matrix: sp.csr_matrix) -> bytes:
    """The TF-IDF rows of ``record_ids`` (a CSR matrix, stored as its three arrays)."""
    import scipy.sparse as sp

    matrix = sp.csr_matrix(matrix)
    return _npz(record_ids=np.asarray(record_ids, dtype=np.int64), data=matrix.data, indices=matrix.indices,
                indptr=matrix.indptr, shape=np.asarray(matrix.shape, dtype=np.int64))


def tfidf_from_bytes(data: bytes) -> tuple[np.ndarray, sp.csr_matrix]:
    """``(record_ids, matrix)`` as :func:`tfidf_to_bytes` stored them."""
    import scipy.sparse as sp

    a = _load(data)
    matrix = sp.csr_matrix((a["data"], a["indices"], a["indptr"]), shape=tuple(int(x) for x in a["shape"]))
    return a["record_ids"], matrix


def _matches_json(found: dict[str, list[Match]]) -> str:
    return json.dumps({el: [[m.start, m.end, m.term, m.field] for m in ms] for el, ms in found.items()},
                      ensure_ascii=False, separators=(",", ":"))


def matches_from_json(line: str) -> dict[str, list[Match]]:
    """One record's matches as stored (one JSON object per record)."""
    return {el: [Match(int(s), int(e), str(t), str(f)) for s, e, t, f in ms] for el, ms in json.loads(line).items()}


def criteria_fit_to_bytes(record_ids: np.ndarray, fit: CriteriaFit) -> bytes:
    """A :class:`CriteriaFit` for ``record_ids``; the matches as one JSON line per record, so
    a reader showing a few records parses only theirs."""
    lines = "\n".join(_matches_json(found) for found in fit.matches)
    arrays = {"record_ids": np.asarray(record_ids, dtype=np.int64), "lexical": np.asarray(fit.lexical),
              "elements": np.asarray(fit.elements, dtype=np.str_),
              "matches": np.frombuffer(lines.encode("utf-8"), dtype=np.uint8)}
    if fit.semantic is not None:
        arrays["semantic"] = np.asarray(fit.semantic)
    return _npz(**arrays)


def criteria_fit_from_bytes(data: bytes) -> tuple[np.ndarray, CriteriaFit]:
    """``(record_ids, fit)`` as stored; a record's matches are parsed when first read."""
    a = _load(data)
    ids = a["record_ids"]
    lines = a["matches"].tobytes().decode("utf-8").split("\n") if a["matches"].size else [""] * len(ids)
    fit = CriteriaFit([str(e) for e in a["elements"]], a["lexical"], _StoredMatches(lines), a.get("semantic"))
    return ids, fit


class _StoredMatches(Sequence[dict[str, list[Match]]]):
    """Matches per record, parsed from their JSON line on first access: a command that
    shows five records of 50,000 parses five."""

    def __init__(self, lines: list[str]) -> None:
        self._lines = lines
        self._parsed: dict[int, dict[str, list[Match]]] = {}

    def __len__(self) -> int:
        return len(self._lines)

    @overload
    def __getitem__(self, index: int) -> dict[str, list[Match]]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, list[Match]]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, list[Match]] | list[dict[str, list[Match]]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self._lines)
        if index not in self._parsed:
            line = self._lines[index]
            self._parsed[index] = matches_from_json(line) if line else {}
        return self._parsed[index]


@dataclass(frozen=True)
class RankedOrder:
    """The order a trained (or cold-start) ranking gave the records still to screen.

    ``record_ids`` best first with their ``scores``; ``probabilities``: the model's
    inclusion probabilities for the same records (what the stopping estimate sums);
    ``model`` as decisions record it, ``explained`` as the explanation names it
    (``default@3 (criteria)``); ``decisions_seen``: decisions in force the model learned
    from; ``embeddings_pending``: ranked without embeddings while they were computed."""

    record_ids: np.ndarray
    scores: np.ndarray
    probabilities: np.ndarray
    model: str
    explained: str
    decisions_seen: int
    embeddings_pending: bool
    records: int

    def meta(self) -> dict[str, Any]:
        return {"model": self.model, "explained": self.explained, "embeddings_pending": self.embeddings_pending,
                "records": self.records}


def order_to_bytes(order: RankedOrder) -> bytes:
    return _npz(record_ids=np.asarray(order.record_ids, dtype=np.int64),
                scores=np.asarray(order.scores, dtype=np.float64),
                probabilities=np.asarray(order.probabilities, dtype=np.float64))


def order_from_bytes(data: bytes, meta: dict[str, Any], decisions_seen: int) -> RankedOrder:
    a = _load(data)
    return RankedOrder(a["record_ids"], a["scores"], a["probabilities"], str(meta.get("model", "")),
                       str(meta.get("explained", meta.get("model", ""))), decisions_seen,
                       bool(meta.get("embeddings_pending", False)), int(meta.get("records", 0)))
