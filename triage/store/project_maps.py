"""Each coder's project map (issue 18, round 10), kept with the project's state.

A project map (:mod:`triage.coding.adapt`) is learned from a coder's accepts and refitted when enough of
them have changed (:func:`triage.coding.adapt.map_is_due`): a fit takes a quarter of a second to a few
seconds, more than a suggestion may. It is kept as one piece of kept state (table ``ranking_state``, kind
``coding_map``, stage ``coding``, one row per encoder and coder), with the accepts it was fitted on, so a
command-line call or a second server reads the latest map instead of fitting one, and knows how far the
coding has moved since. No schema change.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from triage.store.ranking_state import load_state, save_state

__all__ = ["StoredMap", "save_project_map", "stored_project_map"]

_KIND, _STAGE = "coding_map", "coding"
#: The preset of the map learned from every coder's accepts (a coder name is never empty).
_EVERY_CODER = ""


@dataclass(frozen=True)
class StoredMap:
    """A kept map: its centre and matrix, and the accepted (segment id, code id) pairs it was fitted on."""

    center: np.ndarray
    matrix: np.ndarray
    accepts: frozenset[tuple[int, str]]


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
        segments, codes = archive["accepted_segments"], archive["accepted_codes"]
        return StoredMap(np.asarray(archive["center"], dtype=np.float32),
                         np.asarray(archive["matrix"], dtype=np.float32),
                         frozenset((int(s), str(c)) for s, c in zip(segments, codes)))


def save_project_map(session: Session, model: str, coder: str | None, center: np.ndarray, matrix: np.ndarray,
                     accepts: Sequence[tuple[int, str]]) -> None:
    """Keep a map fitted on ``accepts`` for ``coder`` and ``model``, replacing the one kept before."""
    pairs = sorted(set(accepts))
    buffer = io.BytesIO()
    np.savez(buffer, center=np.asarray(center, dtype=np.float32), matrix=np.asarray(matrix, dtype=np.float32),
             accepted_segments=np.array([s for s, _ in pairs], dtype=np.int64),
             accepted_codes=np.array([c for _, c in pairs], dtype=str))
    save_state(session, _KIND, stage=_STAGE, preset=_preset(model, coder), key=_accepts_key(pairs),
               data=buffer.getvalue(), meta={"accepts": len(pairs), "coder": coder})
