"""A project's screening queue: records, current decisions and the ranking cycle together.

Both the interactive ``triage screen`` loop and the scripting commands (``triage next``
/ ``triage decide``) build a :class:`ScreeningQueue`; the simulation in
``triage.evaluation`` drives the very same :class:`~triage.ranking.cycle.ScreeningCycle`
with labels instead of a person.
"""

from __future__ import annotations

import copy
import io
import os
import pickle
import time
from collections.abc import Sequence

import numpy as np

from triage.embeddings import Encoder, encoder_name, load_encoder
from triage.errors import DecisionError, TriageError
from triage.ranking.cycle import ScreeningCycle
from triage.ranking.presets import Preset, load_preset
from triage.ranking.state import RankedOrder
from triage.records.model import Record
from triage.screening import background_embeddings
from triage.screening.criteria_file import project_criteria
from triage.screening.embedding_cache import EmbeddingProgress, cached_embeddings, stored_embedding_matrix
from triage.screening.ranking_state import RankingState
from triage.screening.shown import Shown
from triage.store.allocation import Allocation, allocation_in_force
from triage.store.claims import claim, claimed_away, unavailable_to
from triage.store.db import Project, Session
from triage.store.decisions import (
    DecisionsInForce,
    current_decisions,
    decisions_in_force,
    record_decision,
    retract_latest,
)
from triage.store.decisions_appended import LogMark, decision_log_mark, in_force_after_appends
from triage.store.full_text import full_text_selection_version
from triage.store.ranking_state import RankingInputs, ranking_inputs
from triage.store.records import screenable_records
from triage.store.selection import servable_groups

__all__ = ["LABELS", "PickledQueue", "ScreeningQueue", "Shown", "build_pickled_queue", "pickled_queue", "project_criteria",
           "unpickled_queue"]

#: How a current decision teaches the model. ``maybe`` teaches nothing (the reviewer
#: was unsure) but the record has been seen, so it is not queued again.
LABELS: dict[str, int | None] = {"include": 1, "exclude": 0, "maybe": None}


class ScreeningQueue:
    """The project's records in the order the model proposes, for one stage.

    Built once per session (features and embeddings), then updated after every
    decision through :meth:`decide`, which records it in the store and teaches the
    cycle; the next call to :meth:`next` retrains.
    """

    def __init__(
        self,
        project: Project,
        *,
        preset: str | None = None,
        stage: str = "title_abstract",
        encoder: Encoder | None = None,
        random_state: int | None = None,
        reviewer: str | None = None,
        independent: bool = False,
        embedding_progress: EmbeddingProgress | None = None,
        new_only: bool = False,
        wait_embeddings: bool | None = None,
    ) -> None:
        self.project = project
        self.stage = stage
        # Independent double screening: the reviewer's queue skips only the records *they*
        # decided, so a second reviewer sees records the first already screened. The
        # model still learns from every reviewer's decisions.
        self.reviewer = reviewer
        self.independent = independent and reviewer is not None
        self.preset: Preset = load_preset(preset or str(project.get_setting("preset", "default")))
        self.criteria = project_criteria(project)
        with project.reading() as session:
            pairs = screenable_records(session)
            # A search update: serve only the studies the newest round found, while the
            # model keeps learning from every decision of every round; at full text, only
            # what title/abstract screening kept.
            self.new_only = new_only
            #: Under what the records at full text were selected (see :meth:`follow_selection`).
            self.selection: tuple[int, ...] | None = (
                full_text_selection_version(session) if stage == "full_text" else None)
            self.only: frozenset[int] | None = servable_groups(session, stage=stage, new_only=new_only)
            # A team allocation: the reviewer's own queue, each served record leased to them.
            self.allocation: Allocation | None = (
                allocation_in_force(session, stage) if reviewer is not None and not self.independent else None
            )
        if self.allocation is not None and reviewer not in self.allocation.reviewers:
            raise DecisionError(
                f"{reviewer} is not allocated to screen at {stage} (allocated: {', '.join(self.allocation.reviewers)})",
                hint=f"the lead adds them with 'triage allocate --stage {stage} --reviewers ...'",
            )
        self.record_ids = [rid for rid, _ in pairs]
        self.records = [r for _, r in pairs]
        self._index = {rid: i for i, rid in enumerate(self.record_ids)}
        model_path = _embedding_path(project)
        self.state = RankingState(project, stage=stage, preset=self.preset, criteria=self.criteria,
                                  embedding_model=encoder.name if encoder is not None else encoder_name(model_path))
        inputs = self.state.inputs()
        embeddings = None
        pending = False
        wants_embeddings = self.preset.features.embeddings or (
            self.criteria is not None and float(self.preset.cold_start.get("semantic_weight", 0.5)) > 0
        )
        if wants_embeddings and self.records:
            embeddings, missing = stored_embedding_matrix(project, self.record_ids, self.records,
                                                          self.state.embedding_model)
            # A caller handing over its encoder wants it used (tests, the evaluation).
            wait = wait_embeddings if wait_embeddings is not None else (True if encoder is not None else None)
            if missing and wait_for_embeddings(project, wait):
                encoder = encoder or load_encoder(model_path)
                embeddings = cached_embeddings(project, self.record_ids, self.records, encoder, embedding_progress)
            elif missing:
                # Rank now without them; a background process fills them in and the next
                # queue built after it finished ranks with them.
                embeddings, pending = None, True
                background_embeddings.start(project)
        semantic = embeddings is not None and float(self.preset.cold_start.get("semantic_weight", 0.5)) > 0
        tfidf = self.state.tfidf(inputs, self.record_ids)
        fit = (self.state.criteria_fit(inputs, self.record_ids, semantic=semantic)
               if self.criteria is not None and self.records else None)
        if fit is None and semantic and self.criteria is not None and self.records:
            encoder = encoder or load_encoder(model_path)  # the element descriptions are embedded
        self.cycle = ScreeningCycle(
            self.records, preset=self.preset, criteria=self.criteria, embeddings=embeddings,
            encoder=encoder, random_state=random_state, tfidf=tfidf, criteria_fit=fit, embeddings_pending=pending,
        )
        if tfidf is None:
            self.state.save_tfidf(inputs, self.record_ids, self.cycle.tfidf)
        if fit is None and self.cycle.criteria_fit is not None:
            self.state.save_criteria_fit(inputs, self.record_ids, self.cycle.criteria_fit)
        self.seen: set[int] = set()
        #: The process that built this queue (a team server takes over one built in another).
        self.built_by = os.getpid()
        # (groups' fingerprint, log mark, decisions in force) as the last sync read them.
        self._in_force: tuple[tuple[int, ...], LogMark, DecisionsInForce] | None = None
        self.sync()

    def sync(self) -> frozenset[int]:
        """Make the cycle's labels match the decisions in force (all reviewers); returns the
        record ids not to serve again (decided, or in conflict and waiting for a person).

        A group whose decisions conflict teaches the model nothing until a person settles it.
        """
        with self.project.reading() as session:
            # Read first: the kept order's key then names no decision the labels lack.
            self._inputs = ranking_inputs(session, stage=self.stage, embedding_model=self.state.embedding_model)
            in_force = self._in_force_now(session)
            self.follow_selection(session)
        self.decisions_seen = len(in_force.decisions)
        seen: set[int] = {self._index[rid] for rid in in_force.conflicts if rid in self._index}
        labels: dict[int, int] = {}
        for rid, decision in in_force.decisions.items():
            index = self._index.get(rid)
            if index is None:
                continue
            seen.add(index)
            label = LABELS.get(decision.decision)
            if label is not None:
                labels[index] = label
        for index in list(self.cycle.labelled):
            if index not in labels:
                self.cycle.forget(index)
        for index, label in labels.items():
            if self.cycle.labelled.get(index) != label:
                self.cycle.teach(index, label)
        #: What no queue serves (decided or in conflict): the kept order leaves these out.
        self.settled = frozenset(seen)
        if self.independent:
            with self.project.reading() as session:
                own = current_decisions(session, stage=self.stage, reviewer=self.reviewer)
            seen = {self._index[rid] for rid in own if rid in self._index}
        if self.allocation is not None and self.reviewer is not None:
            with self.project.reading() as session:
                hidden = unavailable_to(
                    session, stage=self.stage, reviewer=self.reviewer,
                    settled=frozenset(in_force.decisions) | frozenset(in_force.conflicts),
                    awaiting={g: {d.reviewer for d in ds} for g, ds in in_force.awaiting.items()},
                )
            seen = {self._index[rid] for rid in hidden if rid in self._index}
        self.seen = seen
        return frozenset(self.record_ids[i] for i in seen)

    def follow_selection(self, session: Session) -> bool:
        """At full text: select the records to serve again if what selects them changed since
        (a colleague's title/abstract decision, a study link, a merge: :func:`~triage.store.
        full_text.full_text_selection_version`), so they arrive without a rebuild; True if it
        changed. Other stages' selection (a search update's round) changes only with what
        rebuilds the queue (an import, a merge)."""
        if self.selection is None:
            return False
        version = full_text_selection_version(session)
        if version == self.selection:
            return False
        self.only = servable_groups(session, stage=self.stage, new_only=self.new_only)
        self.selection = version
        return True

    def _in_force_now(self, session: Session) -> DecisionsInForce:
        """The decisions in force: the last answer with the rows appended since (a team's key
        press costs a small query, not the whole log: :mod:`triage.store.decisions_appended`),
        else the whole log read again (a merge, an import, an allocation, a retract)."""
        groups = self._inputs.decisions[2:]  # everything the in-force set depends on but the rows
        kept = self._in_force
        if kept is not None and kept[0] == groups:
            updated = in_force_after_appends(session, kept[2], kept[1], stage=self.stage)
            if updated is not None:
                self._in_force = (groups, updated[1], updated[0])
                return updated[0]
        mark = decision_log_mark(session, stage=self.stage)
        in_force = decisions_in_force(session, stage=self.stage)
        self._in_force = (groups, mark, in_force)
        return in_force

    def __len__(self) -> int:
        return len(self.records)

    @property
    def remaining(self) -> int:
        if self.only is not None:
            return len({self._index[r] for r in self.only if r in self._index} - self.seen)
        return len(self.records) - len(self.seen)

    def next(self, k: int = 1, *, skip: Sequence[int] = ()) -> list[Shown]:
        """The next ``k`` records to screen, best first; ``skip`` (record ids) go last."""
        if not self.records:  # a project with nothing imported yet: nothing to rank, no error
            return []
        skipped = {self._index[r] for r in skip if r in self._index}
        if self.allocation is not None:
            return self._next_claimed(k, skipped)
        if self.only is not None:
            allowed = {self._index[r] for r in self.only if r in self._index}
            order = [i for i in self.cycle.next(len(self.records)) if i in allowed and i not in self.seen]
            order = [i for i in order if i not in skipped] + [i for i in order if i in skipped]
            scores = self.cycle.scores()
            return [
                Shown(self.record_ids[i], self.records[i], float(scores[i]), rank, self.cycle.model_name, i)
                for rank, i in enumerate(order[:k], start=1)
            ]
        if self.independent:
            # Records others decided are labelled, so the cycle no longer offers them:
            # rank every unseen record by score instead (labelled ones included).
            scores = self.cycle.scores()
            candidates = [i for i in range(len(self.records)) if i not in self.seen]
            candidates.sort(key=lambda i: -scores[i])
            order = candidates[: k + len(skipped)]
            order = [i for i in order if i not in skipped] + [i for i in order if i in skipped]
            return [
                Shown(self.record_ids[i], self.records[i], float(scores[i]), rank, self.cycle.model_name, i)
                for rank, i in enumerate(order[:k], start=1)
            ]
        want = min(len(self.records), k + len(self.seen) + len(skipped))
        order = [i for i in self.cycle.next(want) if i not in self.seen]
        order = [i for i in order if i not in skipped] + [i for i in order if i in skipped]
        scores = self.cycle.scores()
        return [
            Shown(self.record_ids[i], self.records[i], float(scores[i]), rank, self.cycle.model_name, i)
            for rank, i in enumerate(order[:k], start=1)
        ]

    def ranked_order(self, *, settled_only: bool = False) -> RankedOrder:
        """Every record still to screen in the order the queue serves them (independent
        double screening aside), with scores and inclusion probabilities. ``settled_only``:
        leaving out only what no queue serves (:attr:`settled`), not what this reviewer's
        queue hides: the order every reviewer's queue is served from."""
        picked = np.asarray(self.cycle.next(len(self.records)) if self.records else [], dtype=np.int64)
        seen = self.settled if settled_only else self.seen
        # The records seen left out with one NumPy call (a Python loop over 1,000,000 held a server's lock).
        order = picked[~np.isin(picked, np.fromiter(seen, dtype=np.int64, count=len(seen)))]
        ids = np.asarray(self.record_ids, dtype=np.int64)[order] if order.size else np.zeros(0, dtype=np.int64)
        return RankedOrder(
            record_ids=ids, scores=self.cycle.scores()[order], probabilities=self.cycle.inclusion_probabilities()[order],
            model=self.cycle.model_name, explained=self.cycle.explained_model, decisions_seen=self.decisions_seen,
            embeddings_pending=self.cycle.embeddings_pending, records=len(self.records),
        )

    @property
    def inputs(self) -> RankingInputs:
        """What the cycle's labels were synced from (the key the kept order is stored under)."""
        return self._inputs

    def keep_order(self, order: RankedOrder | None = None, inputs: RankingInputs | None = None) -> RankedOrder:
        """:meth:`ranked_order` (or ``order``, computed earlier from ``inputs``), kept in the
        project so the next command, or another process of a team server, reuses it.

        A reviewer's queue under an allocation keeps the order of every record not settled
        (the model learns from everyone's decisions, so it is the same for each reviewer);
        :func:`~triage.screening.kept_queue.kept_reviewer_queue` serves each their share of
        it, where this queue would hide the rest. Only an independent reviewer's is not kept."""
        if order is None:
            order, inputs = self.ranked_order(settled_only=self.allocation is not None), self._inputs
        if not self.independent:
            self.state.save_order(inputs or self._inputs, order)
        return order

    def _next_claimed(self, k: int, skipped: set[int]) -> list[Shown]:
        """The reviewer's next ``k`` under an allocation: the best records they may take, each
        leased to them as it is served (only the newest round's, with ``new_only``). A record
        another process took a moment ago (its lease won the race) is passed over."""
        assert self.allocation is not None and self.reviewer is not None
        with self.project.reading() as session:  # others' leases and decisions since the last sync
            away = claimed_away(session, stage=self.stage, reviewer=self.reviewer)
        self.seen |= {self._index[rid] for rid in away if rid in self._index}
        allowed = None if self.only is None else {self._index[r] for r in self.only if r in self._index}
        taken: list[int] = []
        want = min(len(self.records), k + len(self.seen) + len(skipped) + 20)
        while True:
            order = [i for i in self.cycle.next(want) if i not in self.seen and (allowed is None or i in allowed)]
            order = [i for i in order if i not in skipped] + [i for i in order if i in skipped]
            for i in order:
                if i in taken:
                    continue
                group = self.record_ids[i]
                with self.project.transaction() as session:
                    won = claim(session, stage=self.stage, record_id=group, reviewer=self.reviewer,
                                slots=self.allocation.slots(group))
                if won:
                    taken.append(i)
                    if len(taken) == k:
                        break
                else:
                    self.seen.add(i)
            if len(taken) == k or want >= len(self.records):
                break
            want = min(len(self.records), want * 2)
        scores = self.cycle.scores()
        return [
            Shown(self.record_ids[i], self.records[i], float(scores[i]), rank, self.cycle.model_name, i)
            for rank, i in enumerate(taken, start=1)
        ]

    def shown_probability(self, record_id: int) -> float | None:
        """The model's inclusion probability of ``record_id`` now: what a decision on the
        record shown records (the weighted stopping test reads it), None if not queued."""
        index = self._index.get(record_id)
        return None if index is None else float(self.cycle.inclusion_probabilities()[index])

    def explain(self, shown: Shown) -> object:
        return self.cycle.explain(shown.index)

    def decide(
        self,
        record_id: int,
        decision: str,
        *,
        reviewer: str,
        reasons: Sequence[str] = (),
        note: str | None = None,
        shown: Shown | None = None,
    ) -> int:
        """Record a decision (append-only) and teach the cycle; returns the decision id."""
        with self.project.transaction() as session:
            row = record_decision(
                session, record_id, decision, reviewer=reviewer, stage=self.stage, reasons=reasons, note=note,
                score=shown.score if shown else None, rank=shown.rank if shown else None,
                model=shown.model if shown else self.cycle.model_name,
                probability=self.shown_probability(record_id) if shown else None,
            )
            decision_id = row.id
        self.sync()
        return decision_id

    def undo(self, *, reviewer: str) -> int | None:
        """Retract the reviewer's latest decision; returns the record id it concerned."""
        record_id = retract_latest(self.project, reviewer=reviewer, stage=self.stage)
        self.sync()
        return record_id

    def __getstate__(self) -> dict[str, object]:
        """A queue travels between processes without its project (a pool of connections stays
        where it was opened): a team server builds its queue in another process
        (:func:`build_pickled_queue`) and gives it its own with :meth:`attach`."""
        fields = dict(self.__dict__)
        fields["project"] = None
        state = copy.copy(self.state)
        state.project = None  # type: ignore[assignment]
        fields["state"] = state
        return fields

    def attach(self, project: Project) -> ScreeningQueue:
        """This queue, unpickled, working on ``project`` (the one it was built from)."""
        self.project = project
        self.state.project = project
        return self


#: Records per pickle when a queue crosses processes: each unpickles in a few milliseconds, so
#: the server's request threads get the interpreter between them (50,000 records unpickled at
#: once held it for about a second).
RECORDS_PER_PICKLE = 250

#: A queue as it crosses processes: its records in pickles of :data:`RECORDS_PER_PICKLE`,
#: and the rest of it, naming each record by its position.
PickledQueue = tuple[list[bytes], bytes]


class _RecordsByPosition(pickle.Pickler):
    """Pickles a queue naming each of its records by position (they travel apart)."""

    def __init__(self, file: io.BytesIO, positions: dict[int, int]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._positions = positions

    def persistent_id(self, obj: object) -> int | None:
        return self._positions.get(id(obj)) if type(obj) is Record else None


class _RecordsFromList(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, records: list[Record]) -> None:
        super().__init__(file)
        self._records = records

    def persistent_load(self, pid: object) -> Record:
        return self._records[int(str(pid))]

    def load_queue(self) -> ScreeningQueue:
        """The pickled queue; a :class:`~triage.errors.TriageError` if the pickle holds
        something else (a build process of another version of triage)."""
        loaded = self.load()
        if not isinstance(loaded, ScreeningQueue):
            raise TriageError(f"the ranking built in another process came back as {type(loaded).__name__}",
                              hint="restart 'triage serve'; if it persists, reinstall triage")
        return loaded


def build_pickled_queue(directory: str, database: str | None, stage: str) -> PickledQueue:
    """Build the project's queue (its preset, ranked once on the decisions in force) and
    return it pickled (:func:`pickled_queue`): run in another process, so a server's request
    threads never wait for the interpreter while 50,000 records are read and ranked
    (``triage.web.state``)."""
    with Project.open(directory, database) as project:
        queue = ScreeningQueue(project, stage=stage)  # built_by: this process's id
        if len(queue):
            queue.next(1)  # trains here, not in the server
        return pickled_queue(queue)


def pickled_queue(queue: ScreeningQueue) -> PickledQueue:
    """``queue`` without its project, its records apart in small pickles."""
    records = queue.records
    chunks = [pickle.dumps(records[i : i + RECORDS_PER_PICKLE], protocol=pickle.HIGHEST_PROTOCOL)
              for i in range(0, len(records), RECORDS_PER_PICKLE)]
    out = io.BytesIO()
    _RecordsByPosition(out, {id(r): i for i, r in enumerate(records)}).dump(queue)
    return chunks, out.getvalue()


def unpickled_queue(pickled: PickledQueue, project: Project) -> ScreeningQueue:
    """The queue :func:`pickled_queue` made, working on ``project``; between two pickles of
    records the interpreter is offered to other threads."""
    chunks, rest = pickled
    records: list[Record] = []
    for chunk in chunks:
        records.extend(pickle.loads(chunk))
        time.sleep(0)  # lets a waiting thread take the interpreter
    return _RecordsFromList(io.BytesIO(rest), records).load_queue().attach(project)


def wait_for_embeddings(project: Project, wait: bool | None = None) -> bool:
    """Whether a queue missing embeddings computes them before ranking (``wait``, else
    ``$TRIAGE_EMBEDDINGS`` or the ``embeddings`` setting: ``wait`` or ``background``,
    the default) or ranks at once while a background process computes them."""
    if wait is not None:
        return wait
    mode = os.environ.get("TRIAGE_EMBEDDINGS") or str(project.get_setting("embeddings", "background") or "")
    return mode.strip().lower() == "wait"


def _embedding_path(project: Project) -> str | None:
    value = project.get_setting("embedding_model")
    return str(value) if value else None
