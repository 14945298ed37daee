"""The web app's screening state: one ranking per process, retrained off the request path.

Building a :class:`~triage.screening.queue.ScreeningQueue` takes seconds at 50k records
(TF-IDF features, criteria matches), so the app builds it once, in a background thread
started with the app, and keeps it here (on the app, never in a module global).

A decision is written to the store inside the request, so it is never lost. Teaching
the model and retraining happen in the :class:`Retrainer` thread, which then publishes
a new :class:`Snapshot` (the ranked head of the queue). A request only reads the latest
snapshot, so the next record appears at once even while the model catches up; the
store, not the snapshot, says which records are decided, so a record decided in another
tab (or by the CLI) is never shown again.

Until the first queue is built (7 s at 50,000 records, longer on a busy machine) the first
snapshot is the order the project kept (:mod:`triage.screening.kept_queue`: the last
server's, or a CLI command's), so a restarted server serves cards and takes decisions at
once; the retrainer learns them when its queue is ready. That queue, and any rebuilt later
while the old one serves, is built in a process of its own and taken over here, so the
seconds of Python it takes never hold the interpreter the requests' threads need.
"""

from __future__ import annotations

import hashlib
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

import numpy as np

from triage.criteria import Criteria
from triage.errors import DecisionError, TriageError
from triage.ranking.explain import Explanation
from triage.records.model import Record
from triage.screening import background_embeddings
from triage.screening.kept_queue import kept_study_groups
from triage.screening.queue import ScreeningQueue
from triage.store.allocation import Allocation, allocation_in_force
from triage.store.claims import claim, claimed_away
from triage.store.db import Project, Session
from triage.store.decisions import latest_decision_id, settled_records
from triage.store.decisions_primed import prime_head, prime_screening_reads
from triage.store.full_text import full_text_selection_version
from triage.store.schema import DecisionRow
from triage.store.studies import decide_other_reports, study_groups, study_groups_version
from triage.web.kept_serving import KeptServing, kept_serving
from triage.web.queue_build import QueueBuilder
from triage.web.settled_cache import SettledCache
from triage.web.snapshot import HEAD, Card, Snapshot

__all__ = ["HEAD", "Card", "ScreeningState", "Snapshot", "decided_record_ids"]

#: Explanations are precomputed for this many head records (``rank_of`` is O(n) each, ~1 ms
#: at 50k records), so the next card never waits for the retrainer's lock.
EXPLAINED = 40
#: Longest a request waits for the retrainer's lock to explain a record not explained yet;
#: after that the card is shown without highlights rather than late.
EXPLAIN_WAIT_S = 0.1
#: Seconds before a build that failed unexpectedly (a database gone for a moment) is tried again.
BUILD_RETRY_S = 5.0
#: How many of the records next in line a card checks for merges since the queue was built.
MERGE_LOOK = 20


def decided_record_ids(project: Project, stage: str) -> frozenset[int]:
    """Screened records (merge groups) with a decision in force at ``stage`` or decisions in
    conflict (any reviewer): the records not to serve again."""
    with project.reading() as session:
        return settled_records(session, stage=stage)


#: Seconds :meth:`ScreeningState.stop` waits for the retrainer before saying on stderr that it waits on.
STOP_NOTICE_S = 5.0


class _Stopping(Exception):
    """Raised in the retrainer's in-process build once the server is stopping (ends the build)."""


#: Seconds between looks for background embeddings that finished.
EMBEDDING_POLL_S = 5.0
#: After a refresh that took d seconds the retrainer rests RETRAIN_REST * d before the next, so
#: it holds the server's interpreter a third of the time at most while decisions pour in. Its
#: sync used to read the whole decision log (1.4 s at 50,000 records and 2,000 decisions on a
#: loaded machine, requests waiting behind it); it now reads the rows appended since, and the
#: retrain itself runs mostly outside the interpreter lock (liblinear, sparse products):
#: evaluation/reports/team_load_refresh.md.
RETRAIN_REST = 2.0
#: Nor does a refresh start sooner than this many seconds after the one before (seconds). A
#: cheap refresh (the rows appended since) ran every 2 s under 20 reviewers, and each one's
#: stretches of Python (explaining the head, ordering 50,000 scores) held the interpreter
#: while the requests' database round trips waited to get it back. One person deciding
#: slower than this never waits for it.
RETRAIN_EVERY_S = 5.0
#: Longest the order kept in the project lags the server's own while decisions keep coming
#: (seconds); once they stop, the next write comes this long after the last retrain at most.
KEEP_ORDER_EVERY_S = 5.0


class ScreeningState:
    """The project's screening queue for one stage, built once and kept fresh in the background.

    ``queue_factory`` builds the queue (default: :class:`ScreeningQueue` with the project's
    preset); it runs in the retrainer thread so the app starts at once. ``build_elsewhere``:
    build it in another process whenever a queue or the kept order is served meanwhile
    (default: for the default factory; a factory of the caller's runs here).
    """

    def __init__(
        self,
        project: Project,
        *,
        stage: str = "title_abstract",
        queue_factory: Callable[[Project], ScreeningQueue] | None = None,
        build_elsewhere: bool | None = None,
    ) -> None:
        self.project = project
        self.stage = stage
        self._factory = queue_factory or (
            lambda p: ScreeningQueue(p, stage=stage, embedding_progress=self._embedding_progress)
        )
        #: Build the default queue in another process (see :meth:`_build_elsewhere`) once there is
        #: something to serve meanwhile: the kept order, or the queue built before. The first
        #: build of a new project stays here: its page shows the embedding progress.
        self._elsewhere_allowed = queue_factory is None if build_elsewhere is None else build_elsewhere
        #: ``(done, total)`` while the first build embeds records (shown on the preparing page).
        self.embedding: tuple[int, int] | None = None
        self._lock = threading.Lock()  # guards the queue and its cycle (not thread-safe)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._builder = QueueBuilder()  # cancelled on stop: a clean stop does not wait for a build
        self._ready = threading.Event()
        # Set once a card can be served: the kept order is published, or the queue is built.
        self._servable = threading.Event()
        # The order the project kept, served until the queue is built (None: nothing kept).
        self._kept: KeptServing | None = None
        self._rebuild = threading.Event()
        self._queue: ScreeningQueue | None = None
        self._settled = SettledCache(stage)
        self._studies: tuple[tuple[int, ...], dict[int, tuple[int, ...]]] | None = None
        self._index: dict[int, int] = {}
        self._error: TriageError | None = None
        # A build failed for an unexpected reason: try again after BUILD_RETRY_S.
        self._retry_build = False
        self._snapshot: Snapshot | None = None
        # record id -> its latest explanation. The matched words never change; score and
        # rank are replaced by the snapshot's when shown. Filled by the retrainer.
        self._explained: dict[int, Explanation] = {}
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        """Start the retrainer thread (it builds the queue first)."""
        if self._thread is None and not self._stop.is_set():
            self._thread = threading.Thread(target=self._run, name="triage-retrainer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the retrainer after its current step and wait until it has ended.

        Waited for without a bound because the store is closed next: a build still reading
        while the engine is disposed hands its connection back to a pool nobody closes (on
        PostgreSQL psycopg then warns when the garbage collector closes it: the coding warm-up's
        leak, branch pgleak). It was joined for 30 s, and an in-process build can take longer.
        Each step is short once stopping: a build in another process is cancelled, an
        in-process one stops at its next embedding batch (:meth:`_embedding_progress`), and
        neither the retrain after a build nor the order's write starts."""
        self._stop.set()
        self._wake.set()
        self._builder.cancel()
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return
        thread.join(timeout=STOP_NOTICE_S)
        if thread.is_alive():
            print("triage: waiting for the ranking to finish its current step before closing the store",
                  file=sys.stderr)
            thread.join()

    def _build(self) -> None:
        """Build a queue (seconds, outside the lock: requests keep using the old one), then swap it in."""
        try:
            queue = (self._builder.build(self.project, self.stage, self._factory) if self._elsewhere
                     else self._factory(self.project))
            if queue is None or self._stop.is_set():  # the server is stopping: no retrain to follow
                return
            with self._lock:
                previous = self._queue, self._index
                self._queue = queue
                self._index = {rid: i for i, rid in enumerate(queue.record_ids)}
                try:
                    self._refresh_locked()
                except BaseException:  # no queue without its snapshot: keep serving what was there
                    self._queue, self._index = previous
                    raise
            self._error, self._retry_build = None, False
        except _Stopping:
            return
        except TriageError as exc:
            self._error = exc
        except Exception as exc:  # noqa: BLE001  (the retrainer must outlive it; logged below)
            # Not a problem of the project's (those are TriageErrors): a database that went away
            # for a moment, or a bug. The retrainer stays up, pages say so, the build is retried;
            # the traceback goes to the server's log for whoever runs it.
            traceback.print_exc(file=sys.stderr)
            self._error = TriageError(f"building the ranking failed ({type(exc).__name__}: {exc})",
                                      hint=f"it is tried again in {BUILD_RETRY_S:.0f} s; reload the page")
            self._retry_build = True
        finally:
            self._ready.set()
            self._servable.set()

    def _serve_kept_order(self) -> None:
        """Publish the order the project kept as the first snapshot (its best :data:`HEAD`
        records still undecided), so cards are served while the queue is built
        (:mod:`triage.web.kept_serving`)."""
        try:
            with self.project.reading() as session:
                start = self._settled.kept_order_start(session)
            self._kept = kept_serving(self.project, self.stage)
            if self._kept is not None and self._kept.current:  # none of its records settled: no whole read
                self._settled.adopt(start)
                self._publish_kept_head(self.settled(whole=False))
            elif self._kept is not None:
                self._publish_kept_head(self.settled())
        except TriageError:
            self._kept = None  # e.g. a criteria file that no longer reads: the build says so
        except Exception:  # noqa: BLE001  (serving the kept order only saves time; logged)
            traceback.print_exc(file=sys.stderr)
            self._kept = None  # the build below serves the first cards instead
        finally:
            self._servable.set()
        if self._kept is not None:
            self._kept.prepare()  # after the first card is servable, not before

    def _publish_kept_head(self, decided: frozenset[int]) -> Snapshot:
        """The kept order's head without ``decided`` as the snapshot, unless the built queue's
        snapshot is there already."""
        kept = self._kept
        assert kept is not None
        snapshot = kept.head(decided)
        with self._lock:
            if self._queue is None:  # the built queue's snapshot wins
                self._snapshot = snapshot
        return snapshot

    @property
    def _elsewhere(self) -> bool:
        return self._elsewhere_allowed and (self._queue is not None or self._kept is not None)

    def _embedding_progress(self, done: int, total: int) -> None:
        """Told after each batch the first build embeds (minutes at 50,000 records on a CPU): the
        build ends here once the server is stopping, so :meth:`stop` does not wait for all of them."""
        if self._stop.is_set():
            raise _Stopping
        self.embedding = (done, total)

    def _embeddings_arrived(self) -> bool:
        """True when the queue was ranked without embeddings and their background run has
        ended: time to rebuild with them (or, if it died, to start another)."""
        queue = self._queue
        return (queue is not None and queue.cycle.embeddings_pending
                and not background_embeddings.embedding_running(self.project))

    def _run(self) -> None:
        self._serve_kept_order()
        if self._stop.is_set():
            return
        if self._kept is not None and self._kept.current:
            self.settled()  # the whole set, read here after the first cards (they did not need it)
        if not self._stop.is_set():
            self._build()
        kept_at = 0.0  # when the order was last written to the project
        keep_due = False  # a refresh since then has not been written
        rest_until = 0.0  # no refresh before this (see RETRAIN_REST)
        while not self._stop.is_set():
            # While embeddings are computed in the background, look every few seconds
            # whether they are there; otherwise sleep until a decision wakes us, or until
            # the order waiting to be kept is due.
            pending = self._queue is not None and self._queue.cycle.embeddings_pending
            timeout = EMBEDDING_POLL_S if pending else None
            if self._retry_build:
                timeout = BUILD_RETRY_S if timeout is None else min(timeout, BUILD_RETRY_S)
            if keep_due:
                wait = max(0.0, kept_at + KEEP_ORDER_EVERY_S - time.monotonic())
                timeout = wait if timeout is None else min(timeout, wait)
            woke = self._wake.wait(timeout=timeout)
            self._wake.clear()
            if self._stop.is_set():
                break
            if self._embeddings_arrived() or self._retry_build:
                self._rebuild.set()
            if self._rebuild.is_set():
                self._rebuild.clear()
                self._build()
                continue
            if woke:
                rest = rest_until - time.monotonic()
                if rest > 0 and self._stop.wait(rest):  # decisions arriving meanwhile are learned together
                    break
                started = time.monotonic()
                with self._lock:
                    self._refresh_locked()
                took = time.monotonic() - started
                rest_until = started + max((1 + RETRAIN_REST) * took, RETRAIN_EVERY_S)
                keep_due = True
            if self._stop.is_set():
                break
            if keep_due and time.monotonic() - kept_at >= KEEP_ORDER_EVERY_S:
                self._keep_order()
                kept_at, keep_due = time.monotonic(), False

    def _keep_order(self) -> None:
        """Write the whole order (1.2 MB at 50,000 records) for the CLI and the project's other
        processes (one ranking per project). At most every :data:`KEEP_ORDER_EVERY_S`: under a
        team's load a retrain follows every few decisions and requests are served from the
        snapshot, so ranking all records and writing them each time is work nobody waits for
        (profiled under 20 reviewers it was 1-2% of the server's time, not the main cost:
        that was reading the decisions in force, see :data:`RETRAIN_REST`)."""
        with self._lock:
            queue = self._queue
            kept = (queue.ranked_order(), queue.inputs) if queue is not None and len(queue) else None
        if queue is not None and kept is not None:
            # Outside the lock: requests go on while the order is written.
            queue.keep_order(*kept)

    def wait_ready(self, timeout: float | None = None) -> ScreeningQueue:
        """The built queue; waits for the first build (starting it if needed)."""
        self.start()
        if not self._ready.wait(timeout):
            raise TriageError("the ranking is still being built", hint="reload the page in a few seconds")
        if self._error is not None:
            raise self._error
        assert self._queue is not None
        return self._queue

    def is_ready(self, wait: float = 0.0) -> bool:
        """Whether the queue is built (waiting up to ``wait`` seconds); starts the build if needed."""
        self.start()
        return self._ready.wait(wait)

    def is_servable(self, wait: float = 0.0) -> bool:
        """Whether a card can be served now: the queue is built, or the order the project kept
        is published while it is built (waiting up to ``wait`` seconds for either)."""
        self.start()
        deadline = time.monotonic() + wait
        if not self._servable.wait(wait):
            return False
        return self._kept is not None or self._ready.wait(max(0.0, deadline - time.monotonic()))

    def _wait_servable(self) -> None:
        """Wait until a card can be served (:meth:`is_servable`); without a kept order's head, until
        the queue is built (raising its error if the build failed).

        What counts is whether a snapshot is published, not whether a queue is: the build puts
        its queue in place before its first ranking makes the snapshot (a retrain: the longest on
        PostgreSQL), and a request in between found a queue, no snapshot, and failed."""
        self.start()
        self._servable.wait()
        if self._snapshot is None or self._ready.is_set():
            self.wait_ready()

    def kick(self) -> None:
        """Ask the retrainer to catch up with the store (after any decision)."""
        self._wake.set()

    def rebuild(self) -> None:
        """Ask for a new queue: the set of records to screen changed (a dedup merge or undo)."""
        self._rebuild.set()
        self._wake.set()

    def settled(self, session: Session | None = None, *, whole: bool = True) -> frozenset[int]:
        """:func:`decided_record_ids`, kept between requests (:mod:`triage.web.settled_cache`).
        ``session``: read in the caller's (one connection per request, not one per question).
        ``whole=False``: those within the kept order are enough (a card served from it)."""
        if session is None:
            with self.project.reading() as own:
                return self._settled.settled(own, whole=whole)
        return self._settled.settled(session, whole=whole)

    def study_groups(self, session: Session) -> dict[int, tuple[int, ...]]:
        """:func:`~triage.store.studies.study_groups`, read again only when a link, a pair, a
        merge or a record changed (each read passes over every record: 0.1 s at 50,000, 0.9 s
        at 200,000). The first card of a server started on a current kept order reads those
        kept with it instead (``triage next`` keeps them; 0.02-0.13 s at 200,000)."""
        version = study_groups_version(session)
        cached = self._studies
        if cached is not None and cached[0] == version:
            return cached[1]
        kept = self._kept
        if cached is None and kept is not None and kept.current:
            groups = kept_study_groups(self.project, stage=self.stage)  # computed and kept if they were not
        else:
            groups = study_groups(session)
        self._studies = (version, groups)
        return groups

    # -- the retrainer's work ----------------------------------------------------------

    def _sync_locked(self, queue: ScreeningQueue) -> frozenset[int]:
        """Teach the cycle the decisions in force (the queue's own sync: one engine for
        the CLI and the web); returns the record ids not to serve again."""
        return queue.sync()

    def _refresh_locked(self) -> None:
        queue = self._queue
        if queue is None:
            return
        decided = self._sync_locked(queue)
        shown = queue.next(HEAD) if len(queue) else []  # retrains here if labels changed
        for s in shown[:EXPLAINED]:
            self._explained[s.record_id] = queue.cycle.explain(s.index)
        probabilities = queue.cycle.inclusion_probabilities() if shown else None
        self._snapshot = Snapshot(
            order=tuple(s.record_id for s in shown),
            scores={s.record_id: s.score for s in shown},
            model=queue.cycle.model_name,
            decided=decided,
            probabilities={} if probabilities is None else {s.record_id: float(probabilities[s.index]) for s in shown},
        )

    def refresh_now(self) -> Snapshot:
        """Bring the snapshot up to date in this thread (tests, and a head that ran dry)."""
        self.wait_ready()
        with self._lock:
            self._refresh_locked()
        assert self._snapshot is not None
        return self._snapshot

    # -- what requests call ----------------------------------------------------------

    def snapshot(self) -> Snapshot:
        self._wait_servable()
        assert self._snapshot is not None
        return self._snapshot

    @property
    def criteria(self) -> Criteria | None:
        """The project's criteria: the queue's, or the kept order's while the queue is built."""
        self._wait_servable()
        queue = self._queue
        if queue is not None:
            return queue.criteria
        assert self._kept is not None
        return self._kept.criteria

    @property
    def criteria_elements(self) -> list[str]:
        criteria = self.criteria
        return list(criteria.elements) if criteria else []

    def record(self, record_id: int) -> Record:
        self._wait_servable()
        queue = self._queue
        if queue is None:
            assert self._kept is not None  # servable: the kept order, or the queue
            return self._kept.record(record_id)
        index = self._index.get(record_id)
        if index is None:
            raise TriageError(f"no record {record_id} to screen in this project", hint="see the history page for ids")
        return queue.records[index]

    def explain(self, record_id: int, *, wait: float | None = None) -> Explanation | None:
        """Why a record ranks where it does: precomputed, else computed under the lock.

        ``wait`` bounds the wait for the lock (the retrainer may hold it for a retrain);
        None when it runs out, so a card is never late for want of highlights.
        """
        self._wait_servable()
        queue = self._queue
        if queue is None:  # the kept order's explanation: its matched words, its model
            assert self._kept is not None
            snap = self._snapshot
            return self._kept.explain(record_id, snap.scores.get(record_id) if snap is not None else None)
        self.record(record_id)
        cached = self._explained.get(record_id)
        if cached is not None:
            return cached
        if not self._lock.acquire(timeout=-1 if wait is None else wait):
            return None
        try:
            explanation = queue.cycle.explain(self._index[record_id])
        finally:
            self._lock.release()
        self._explained[record_id] = explanation
        return explanation

    def card(self, *, skip: Sequence[int] = (), record_id: int | None = None, reviewer: str | None = None,
             session: Session | None = None) -> Card | None:
        """The record to show: ``record_id`` if given, else the best undecided one.

        Records in ``skip`` (skipped for later) come after every other undecided record.
        Decided records are read from the store on every call, so two tabs never show a
        record the other has decided; a difference from the snapshot wakes the retrainer.
        Under an allocation (``triage allocate``) ``reviewer``'s own queue is served: records
        others hold or that they decided are passed over, and the one shown is leased to them.
        ``session``: a reading session of the caller's (one per request: each is a round trip).
        """
        snap = self.snapshot()
        with self._reading(session) as reads:  # what this card needs from the store, in one go
            # From the kept order while the queue is built: its settled records are enough.
            decided = self.settled(reads, whole=self._queue is not None or record_id is not None)
            if decided != snap.decided or self._selection_changed(reads):
                self.kick()  # the retrainer follows them: the records decided, those full text takes
            if record_id is not None:
                return self._card_of(record_id, snap, decided)
            allocation = allocation_in_force(reads, self.stage) if reviewer is not None else None
            hidden = claimed_away(reads, stage=self.stage, reviewer=reviewer) if allocation and reviewer else set()
            undecided = [rid for rid in snap.order if rid not in decided]
            if not undecided and self._remaining(decided) > 0:
                # The head ran dry: the kept order's next records while the queue is built, else rank again here.
                snap = self._publish_kept_head(decided) if self._queue is None else self.refresh_now()
                undecided = [rid for rid in snap.order if rid not in decided]
            skipped = set(skip)
            ordered = [rid for rid in undecided if rid not in skipped] + [rid for rid in undecided if rid in skipped]
            ordered = [rid for rid in ordered if rid not in hidden]
            # Records merged into another since the queue was built (it is being rebuilt); the same
            # statement reads the newest decision of each (the card's request id).
            head = prime_head(reads, ordered[:MERGE_LOOK], self.stage)
            ordered = [rid for rid in ordered if head.get(rid) is None]
        if allocation is not None and reviewer is not None:
            ordered = self._claim_first(ordered, reviewer, allocation)
        if not ordered:
            return None
        chosen = ordered[0]
        rank = undecided.index(chosen) + 1
        explanation = self.explain(chosen, wait=EXPLAIN_WAIT_S)
        if explanation is not None:
            explanation = replace(explanation, score=snap.scores[chosen], rank=rank)
        # Under an allocation, the reviewer's own: neither settled nor kept from them by the claims
        # (decided by them, or every slot filled by others); read with the card, no extra query.
        yours = self._remaining(decided | hidden) if allocation is not None else None
        return Card(chosen, self.record(chosen), snap.scores[chosen], rank, snap.model, explanation,
                    self._remaining(decided), False, yours)

    def _selection_changed(self, session: Session) -> bool:
        """At full text: whether what selects its records changed since the queue selected them
        (a colleague's title/abstract decision, a study link): read with the card's other
        fingerprints, in the same round trip (:mod:`triage.store.decisions_primed`)."""
        queue = self._queue
        if queue is None or queue.selection is None:
            return False
        return full_text_selection_version(session) != queue.selection

    def _card_of(self, record_id: int, snap: Snapshot, decided: frozenset[int]) -> Card:
        """The card of ``record_id`` asked for by id (decided or not)."""
        record = self.record(record_id)
        explanation = self.explain(record_id)
        assert explanation is not None  # waited for the lock
        score = snap.scores.get(record_id, explanation.score)
        return Card(record_id, record, score, explanation.rank, explanation.model, explanation,
                    self._remaining(decided), record_id in decided)

    @contextmanager
    def _reading(self, session: Session | None) -> Iterator[Session]:
        """``session`` if the caller has one open, else a new reading session."""
        if session is not None:
            yield session
            return
        with self.project.reading() as own:
            yield own

    def _claim_first(self, ordered: list[int], reviewer: str, allocation: Allocation) -> list[int]:
        """Under an allocation: ``ordered`` (less what others hold) from the first record
        ``reviewer`` may take and has now leased (another reviewer's process may win one a
        moment earlier: passed over)."""
        if reviewer not in allocation.reviewers:
            raise DecisionError(f"{reviewer} is not allocated to screen at {self.stage}",
                                hint=f"allocated: {', '.join(allocation.reviewers)}; a lead adds them with 'triage allocate --stage {self.stage} --reviewers ...'")
        for n, rid in enumerate(ordered):
            with self.project.transaction() as session:
                if claim(session, stage=self.stage, record_id=rid, reviewer=reviewer, slots=allocation.slots(rid)):
                    return ordered[n:]
        return []

    def remaining(self, settled: frozenset[int]) -> int | None:
        """Records left to screen besides ``settled`` (None while the queue is being built)."""
        return self._remaining(settled) if self._ready.is_set() and self._queue is not None else None

    def _remaining(self, decided: frozenset[int]) -> int:
        if self._queue is None and self._kept is not None:  # the kept order's records still to screen
            return self._kept.remaining(decided)
        index = self._index
        only = self._queue.only if self._queue is not None else None
        if only is not None:  # full text: what title/abstract kept, not every record
            return sum(1 for rid in only if rid in index and rid not in decided)
        # Over the decided records, not the 50,000 keys (a set operation with dict keys walks them).
        return max(0, len(index) - sum(1 for rid in decided if rid in index))

    def model_scores(self) -> tuple[np.ndarray, list[int]] | None:
        """Every record's inclusion probability (for the recall estimate) and the queue's
        record ids, if the queue is built (dashboard)."""
        if not self._ready.is_set() or self._queue is None:
            return None
        with self._lock:
            return self._queue.cycle.inclusion_probabilities(), list(self._queue.record_ids)

    # -- decisions: written in the request, learned in the background ---------------------

    def decide(
        self,
        record_id: int,
        decision: str,
        *,
        reviewer: str,
        request_id: str,
        reasons: Sequence[str] = (),
        note: str | None = None,
        score: float | None = None,
        rank: int | None = None,
        model: str | None = None,
        all_reports: bool = False,
    ) -> tuple[DecisionRow, bool]:
        """Append the decision (one transaction) and wake the retrainer.

        Returns the row and whether it is new: a ``request_id`` already recorded (double
        click, a second tab showing the same record) returns the earlier row instead.
        """
        from triage.screening.reasons import check_reasons
        from triage.store.decisions import record_decision_once

        if decision not in ("include", "exclude", "maybe"):
            raise DecisionError(f"unknown decision {decision!r}", hint="use include, exclude or maybe")
        reasons = check_reasons(reasons, self.criteria) if decision == "exclude" else []
        # The model that ranked the card: its probability of the record, from the snapshot (no
        # lock: a decision never waits for a retrain); a record outside the head asks the queue
        # (or, while it is built, the kept order).
        snapshot = self._snapshot
        probability = snapshot.probabilities.get(record_id) if snapshot is not None else None
        queue = self._queue
        if probability is None and queue is not None:
            with self._lock:
                probability = queue.shown_probability(record_id)
        elif probability is None and self._kept is not None:
            probability = self._kept.shown_probability(record_id)
        if self.stage == "full_text" and queue is not None and queue.only is not None and record_id in queue.only:
            with self.project.reading() as reads:  # one round trip: is the queue's selection still current?
                prime_screening_reads(reads, self.stage)
                served = not self._selection_changed(reads)
        else:
            served = False
        with self.project.transaction() as session:
            if self.stage == "full_text" and not served:
                # A record the full-text queue does not serve (it serves what title/abstract screening
                # kept), or one it selected before title/abstract changed: the CLI's one check, read
                # from the store. A served one, selected under the store as it is, needs no more.
                from triage.store.selection import check_full_text

                check_full_text(session, record_id)
            row, new = record_decision_once(
                session, record_id, decision, reviewer=reviewer, stage=self.stage, reasons=reasons,
                note=note or None, score=score, rank=rank, model=model or None, request_id=request_id,
                probability=probability,
            )
            if all_reports and new:  # a person's "apply to all reports of this study"
                decide_other_reports(session, record_id, decision, reviewer=reviewer, stage=self.stage,
                                     reasons=list(reasons), note=note or None)
        self.kick()
        return row, new

    def undo(self, *, reviewer: str) -> int | None:
        """Retract the reviewer's latest decision in force; the record id, or None."""
        from triage.store.decisions import retract_latest

        record_id = retract_latest(self.project, reviewer=reviewer, stage=self.stage)
        self.kick()
        return record_id

    def request_id(self, record_id: int, reviewer: str, session: Session | None = None) -> str:
        """The id a page posts with its decision on ``record_id``.

        Derived from the record's latest decision row (any reviewer) when the page was
        drawn: a double click, or a second tab showing the same record in the same state,
        posts the same id, so the decision is recorded once. After any new decision or an
        undo the id changes, so deciding again is a new decision (appended).
        """
        if session is None:
            with self.project.reading() as own:
                return self.request_id(record_id, reviewer, own)
        last = latest_decision_id(session, record_id, stage=self.stage)
        key = f"{self.stage}|{record_id}|{reviewer}|{last or 0}"
        return "web-" + hashlib.sha256(key.encode()).hexdigest()[:32]
