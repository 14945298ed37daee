"""Live updates: what a second browser polls to see the team's new decisions within 2 s.

Pages that show decisions (history, dashboard, conflicts, the screening card's counts) load
``static/live.js``, which asks ``GET /live/decisions?since=ID`` every second. The answer is
small: a ``version`` (it changes with any decision, undo, resolution, merge or allocation),
the decisions after ``since`` the viewer may see, and the counts the screening card shows.
When the version changes, a page fetches itself again and swaps its main part in; the
screening page only updates its counts (the card being read stays).

Blind mode: in a project that screens blind, a row by another reviewer is listed only once
its group is settled (decided or in conflict, so both reviewers decided a group screened
twice), as the counts (decisions in force) keep an awaiting group out. Polling stays cheap
under a team's load: one fingerprint query per poll, and the counts at most every
:data:`REFRESH_S` (a settled set read a moment earlier can only hide a row longer, never
show one early), brought up to date from the rows appended since the last read
(:func:`~triage.store.decisions_appended.in_force_after_appends`, as the retrainer does;
the whole log only after a merge, an import, an allocation or an undo), and each viewer's
own count counted by the database. A hidden row is passed over, never listed later:
the page that reloads once its group settled shows it.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from triage.store.allocation import blind_mode
from triage.store.db import Session
from triage.store.decisions import (
    DecisionsInForce,
    decision_history,
    decision_state_version,
    decisions_in_force,
    standing_decision_count,
)
from triage.store.decisions_appended import LogMark, decision_log_mark, in_force_after_appends
from triage.store.groups import screened_under_each
from triage.web.context import WebContext, context_of, reviewer_of

__all__ = ["POLL_MS", "REFRESH_S", "LiveCounts", "router"]

router = APIRouter()

#: How often pages poll (milliseconds).
POLL_MS = 1000
#: Longest the counts are kept while decisions keep coming (seconds): poll plus this stays
#: under the 2 s a second browser may take to show a decision.
REFRESH_S = 0.5
#: Most rows one answer lists (a page that fell behind reloads anyway).
MOST_ROWS = 100


@dataclass
class LiveCounts:
    """What polls share, read again when the version moved and it is older than :data:`REFRESH_S`."""

    version: tuple[int, ...] = ()
    read_at: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    settled: frozenset[int] = frozenset()
    #: The decisions in force at ``version`` and the log's mark they were read at (followed from
    #: the rows appended since: a whole read of the log took 0.2-0.3 s at 50,000 records).
    in_force: tuple[LogMark, DecisionsInForce] | None = None
    #: viewer -> (version, when read, their own decisions standing)
    mine: dict[str, tuple[tuple[int, ...], float, int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _kept(request: Request) -> LiveCounts:
    """The app's kept answers (one per app, on ``app.state``: never shared between apps)."""
    kept: LiveCounts | None = getattr(request.app.state, "live", None)
    if kept is None:
        kept = LiveCounts()
        request.app.state.live = kept
    return kept


def _due(version: tuple[int, ...], read: tuple[int, ...], read_at: float) -> bool:
    return version != read and time.monotonic() - read_at >= REFRESH_S


def _counts(kept: LiveCounts, ctx: WebContext, session: Session, version: tuple[int, ...]) -> None:
    """Bring the shared counts and settled set up to ``version`` if they are due."""
    with kept.lock:
        if not (_due(version, kept.version, kept.read_at) or not kept.version):
            return
        in_force = _in_force_now(kept, session, version, ctx.screening.stage)
        settled = frozenset(in_force.decisions) | frozenset(in_force.conflicts)
        counts = {"decided": len(in_force.decisions), "conflicts": len(in_force.conflicts)}
        remaining = ctx.screening.remaining(settled)
        if remaining is not None:
            counts["remaining"] = remaining
        kept.version, kept.read_at, kept.counts, kept.settled = version, time.monotonic(), counts, settled


def _in_force_now(kept: LiveCounts, session: Session, version: tuple[int, ...], stage: str) -> DecisionsInForce:
    """The decisions in force: the kept ones with the rows appended since, while no merge,
    import or allocation changed (``version`` beyond its first two numbers, as kept), else the
    whole log (a retract, a group screened twice: :func:`in_force_after_appends` says so)."""
    if kept.in_force is not None and kept.version[2:] == version[2:]:
        updated = in_force_after_appends(session, kept.in_force[1], kept.in_force[0], stage=stage)
        if updated is not None:
            kept.in_force = (updated[1], updated[0])
            return updated[0]
    mark = decision_log_mark(session, stage=stage)  # before the log: a row in between is read again
    in_force = decisions_in_force(session, stage=stage)
    kept.in_force = (mark, in_force)
    return in_force


def _mine(kept: LiveCounts, ctx: WebContext, session: Session, version: tuple[int, ...], viewer: str) -> int:
    """The viewer's own decisions standing (their latest per record, not undone)."""
    read = kept.mine.get(viewer)
    if read is None or _due(version, read[0], read[1]):
        count = standing_decision_count(session, stage=ctx.screening.stage, reviewer=viewer)
        read = (version, time.monotonic(), count)
        kept.mine[viewer] = read
    return read[2]


@router.get("/live/decisions")
def live_decisions(request: Request, since: int | None = None) -> Response:
    """``version``; ``decisions``: rows after ``since`` this viewer may see (oldest first, at most
    :data:`MOST_ROWS`; none on the first poll, without ``since``); ``since``: what to ask with
    next; ``counts``: decided, conflicts, remaining (records left to screen) and ``mine`` (the
    viewer's own decisions standing)."""
    ctx = context_of(request)
    viewer = reviewer_of(request)
    stage = ctx.screening.stage
    kept = _kept(request)
    with ctx.project.reading() as session:
        version = decision_state_version(session, stage=stage)
        _counts(kept, ctx, session, version)
        counts = {**kept.counts, **({"mine": _mine(kept, ctx, session, version, viewer)} if viewer else {})}
        rows: list[dict[str, Any]] = []
        latest = version[0] if since is None else since
        if version[0] > latest:  # decisions were appended since the page last asked
            found = decision_history(session, stage=stage, after=latest, limit=MOST_ROWS)
            blind = blind_mode(session, stage)
            groups = screened_under_each(session, [row.record_id for row in found]) if blind else {}
            for row in found:
                latest = row.id
                if blind and row.reviewer != viewer and groups.get(row.record_id) not in kept.settled:
                    continue  # not named here; the page shows it once the group settled and it reloaded
                rows.append({"id": row.id, "record_id": row.record_id, "reviewer": row.reviewer,
                             "decision": row.decision, "created_at": row.created_at.isoformat()})
    return JSONResponse({"version": _version_text(version), "since": latest, "decisions": rows, "counts": counts,
                         "poll_ms": POLL_MS}, headers={"Cache-Control": "no-store"})


def _version_text(version: tuple[int, ...]) -> str:
    return hashlib.sha256(repr(version).encode()).hexdigest()[:16]
