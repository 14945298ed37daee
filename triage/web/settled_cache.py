"""The records no reviewer is served again, kept between requests and followed from the log.

Every card asks which records are settled (a decision in force, or decisions in conflict).
Reading the whole decision log for it took 0.3 s at 50,000 records; a fingerprint of the
store (:func:`~triage.store.decisions.decision_state_version`) says whether anything changed,
and when only decisions were appended the set is brought up to date from the appended rows
(:func:`~triage.store.decisions_appended.settled_after_appends`: the same way of following
the log as the retrainer's, so a decision committed late in id order is settled too).

A server that starts on a kept order still current (nothing decided, merged or imported
since it was ranked) needs no whole read for its first cards: none of that order's records
is settled, so the set it starts from is empty *within the kept order* (:meth:`SettledCache.
kept_order_start`), followed from the log as usual. The whole read (seconds at 1,000,000
records: every merge in the log) runs in the background meanwhile, and anything that asks
beyond the kept order (a card by id, the built queue) waits for it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from triage.store.db import Session
from triage.store.decisions import decision_state_version, settled_records
from triage.store.decisions_appended import LogMark, decision_log_mark, settled_after_appends
from triage.store.decisions_primed import prime_screening_reads

__all__ = ["SettledCache", "SettledSet"]


@dataclass(frozen=True)
class SettledSet:
    """The settled records as a request last read them: under the store's fingerprint then
    (``version``: :func:`~triage.store.decisions.decision_state_version`) and the decision
    log's mark (what the next request's update reads from)."""

    version: tuple[int, ...]
    mark: LogMark
    settled: frozenset[int]
    #: False: only the settled records within the kept order (see the module's docstring).
    whole: bool = True


class SettledCache:
    """The settled records of one stage, shared by a server's request threads."""

    def __init__(self, stage: str) -> None:
        self.stage = stage
        self._kept: SettledSet | None = None
        # The first requests after a start all find no settled set: 20 reviewers read the whole
        # decision log at once (0.3 s each at 50,000 records) without this lock.
        self._whole_read = threading.Lock()

    def kept_order_start(self, session: Session) -> SettledSet:
        """The set to start from if the kept order is still current: empty, at the log's mark
        now. Read it *before* checking the kept order (a decision in between then shows in
        the check, or is read again from the mark)."""
        prime_screening_reads(session, self.stage)
        version = decision_state_version(session, stage=self.stage)
        return SettledSet(version, decision_log_mark(session, stage=self.stage), frozenset(), whole=False)

    def adopt(self, start: SettledSet) -> None:
        """Start from ``start`` (:meth:`kept_order_start`, the kept order found current)."""
        self._keep(start)

    def settled(self, session: Session, *, whole: bool = True) -> frozenset[int]:
        """:func:`~triage.store.decisions.settled_records` as of now, read again whole only
        when a merge, an import or an allocation changed (or an undo, or a log with more gaps
        than the mark follows); in ``session``, the request's own (one connection per
        request, not one per question). ``whole=False``: the settled records within the kept
        order are enough (a card from it)."""
        prime_screening_reads(session, self.stage)  # one round trip for every fingerprint a card reads
        version = decision_state_version(session, stage=self.stage)
        cached = self._kept
        if cached is not None and (cached.whole or not whole):
            if cached.version == version:
                return cached.settled
            if cached.version[2:] == version[2:] and cached.version[:2] >= version[:2]:
                return cached.settled  # another request already read further into the log: newer, as good
            if cached.version[2:] == version[2:]:  # only decisions were appended
                # One small query, in every request that finds new decisions, without the lock:
                # under a team's key presses nearly every card finds some, and queued behind one
                # lock the 20 requests of 20 reviewers waited for each other's queries. The rows
                # committed late below the newest seen are read too (decisions_appended's gaps).
                updated = settled_after_appends(session, cached.settled, cached.mark, stage=self.stage)
                if updated is not None:
                    self._keep(SettledSet(version, updated[1], updated[0], cached.whole))
                    return updated[0]
        with self._whole_read:  # the whole log: one request reads, the others at the same moment reuse it
            cached = self._kept
            if cached is not None and cached.whole and cached.version == version:
                return cached.settled
            mark = decision_log_mark(session, stage=self.stage)  # before the log: a row in between is read again
            settled = settled_records(session, stage=self.stage)
            self._keep(SettledSet(version, mark, settled))
        return settled

    def _keep(self, found: SettledSet) -> None:
        """Keep the newest answer (concurrent requests finish in any order; an older one
        kept only costs the next request a small query); a whole one over a partial one."""
        cached = self._kept
        if (cached is None or cached.version[2:] != found.version[2:] or found.whole > cached.whole
                or (found.whole == cached.whole and not cached.mark.newer(found.mark))):
            self._kept = found
