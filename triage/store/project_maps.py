"""Each coder's project map (issue 18, round 10), kept with the project's state.

A project map (:mod:`triage.coding.adapt`) is learned from a coder's accepts and refitted when enough of
them have changed (:func:`triage.coding.adapt.map_is_due`): a fit takes a quarter of a second to a few
seconds, more than a suggestion may. It is kept as kept state (table ``ranking_state``, stage ``coding``, one
row per encoder and coder of each kind): the map (kind ``coding_map``: centre and matrix, about 590 KB with
MiniLM) and, apart from it, the accepts it was fitted on (kind ``coding_map_accepts``), written in one
transaction; so a command-line call or a second server reads the latest map instead of fitting one, and the
check whether a refit is due (:func:`stored_map_accepts`, on every coding page) reads the accepts only, not
the matrix. No schema change.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from triage.store.ranking_state import load_state, save_state

__all__ = ["StoredMap", "save_project_map", "stored_map_accepts", "stored_project_map"]

_KIND, _ACCEPTS_KIND, _STAGE = "coding_map", "coding_map_accepts", "coding"
#: The preset of the map learned from every coder's accepts (a coder name is never empty).
_EVERY_CODER = ""


@dataclass(frozen=True)
class StoredMap:
    """A kept map: its centre and matrix (the accepts it was fitted on: :func:`stored_map_accepts`)."""

    center: np.ndarray
    matrix: np.ndarray


def _preset(model: str, coder: str | None) -> str:
    return f"{model}|{coder or _EVERY_CODER}"


def _accepts_key(accepts: Sequence[tuple[int, str]]) -> str:
    digest = hashlib.sha256(usedforsecurity=False)
    for segment_id, code_id in sorted(accepts):
        digest.update(f"{segment_id}\x1f{code_id}\x00".encode())
    return digest.hexdigest()


def stored_project_map(session: Session, model: str, coder: str | None) -> StoredMap | None:
    """The map last kept for ``coder`` (None: every coder's) and encoder ``model``, however old; None if
    none was kept."""
    stored = load_state(session, _KIND, stage=_STAGE, preset=_preset(model, coder))
    if stored is None:
        return None
    with np.load(io.BytesIO(stored.data), allow_pickle=False) as archive:
        return StoredMap(np.asarray(archive["center"], dtype=np.float32),
                         np.asarray(archive["matrix"], dtype=np.float32))


def stored_map_accepts(session: Session, model: str, coder: str | None) -> frozenset[tuple[int, str]] | None:
    """The accepted (segment id, code id) pairs the map kept for ``coder`` and ``model`` was fitted on; None if
    no map was kept. Reads the accepts' own piece, not the map's matrix (a map kept before they were apart
    holds them in its archive: read there)."""
    stored = load_state(session, _ACCEPTS_KIND, stage=_STAGE, preset=_preset(model, coder))
    if stored is None:
        stored = load_state(session, _KIND, stage=_STAGE, preset=_preset(model, coder))
        if stored is None:
            return None
    with np.load(io.BytesIO(stored.data), allow_pickle=False) as archive:
        segments, codes = archive["accepted_segments"], archive["accepted_codes"]
        return frozenset((int(s), str(c)) for s, c in zip(segments, codes))


def save_project_map(session: Session, model: str, coder: str | None, center: np.ndarray, matrix: np.ndarray,
                     accepts: Sequence[tuple[int, str]]) -> None:
    """Keep a map fitted on ``accepts`` for ``coder`` and ``model``, and those accepts apart from it, replacing
    the ones kept before."""
    pairs = sorted(set(accepts))
    key, meta = _accepts_key(pairs), {"accepts": len(pairs), "coder": coder}
    segments = np.array([s for s, _ in pairs], dtype=np.int64)
    codes = np.array([c for _, c in pairs], dtype=str)
    # The map's archive keeps the accepts too (a few KB beside its 590 KB; stored_project_map never decodes
    # them): a triage from before they were kept apart reads the map's archive for them, and one such
    # command against a shared PostgreSQL store must not fail on a map a newer server kept.
    kept = io.BytesIO()
    np.savez(kept, center=np.asarray(center, dtype=np.float32), matrix=np.asarray(matrix, dtype=np.float32),
             accepted_segments=segments, accepted_codes=codes)
    save_state(session, _KIND, stage=_STAGE, preset=_preset(model, coder), key=key, data=kept.getvalue(), meta=meta)
    fitted_on = io.BytesIO()
    np.savez(fitted_on, accepted_segments=segments, accepted_codes=codes)
    save_state(session, _ACCEPTS_KIND, stage=_STAGE, preset=_preset(model, coder), key=key,
               data=fitted_on.getvalue(), meta=meta)
