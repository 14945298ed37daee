"""Building the suggestion model from a project: codebook plus a coder's decisions.

The model is rebuilt from the store on every call (fitting is appending vectors, a
few milliseconds), so an accept or reject recorded a moment ago shapes the next
suggestion; only its logistic-regression head is kept between calls (refitted as the
coding grows), and the coder's project map (:mod:`triage.coding.adapt`), which
:func:`refit_project_map` refits when enough accepts have changed and keeps in the store.
Segment embeddings and the embeddings of the codebook's texts are computed once and kept
in the store, so with a lazily loaded encoder (:class:`~triage.embeddings.LazyEncoder`) a
call whose vectors are all stored never loads the model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from triage.coding.adapt import ProjectMap, fit_coders_map, map_is_due
from triage.coding.codebook import Codebook, CodebookError
from triage.coding.lexical import LexicalIndex
from triage.coding.suggest import CodeSuggester, LinearHead, code_text, code_themes, training_items
from triage.embeddings import Encoder
from triage.store import coding as coding_store
from triage.store.code_decisions import current_code_decisions
from triage.store.code_vectors import save_code_vectors, stored_code_vectors
from triage.store.coding import sentence_segments
from triage.store.db import Project, Session
from triage.store.project_maps import save_project_map, stored_map_accepts, stored_project_map

__all__ = ["build_suggester", "code_text_vectors", "refit_project_map", "segment_vectors", "store_missing_vectors"]


def segment_vectors(session: Session, encoder: Encoder, segment_ids: Sequence[int]) -> np.ndarray:
    """Embeddings (len(segment_ids), dim) of segments, computing and storing missing ones."""
    ids = list(segment_ids)
    if not ids:
        return np.zeros((0, encoder.dimension), dtype=np.float32)
    stored = coding_store.stored_segment_vectors(session, encoder.name, ids)
    missing = [i for i in dict.fromkeys(ids) if i not in stored]
    if missing:
        texts = {i: s.text for i, s in coding_store.segments_by_id(session, missing).items()}
        vectors = encoder.encode([texts[i] for i in missing])
        for seg_id, vec in zip(missing, vectors):
            stored[seg_id] = vec.tobytes()
        coding_store.save_segment_vectors(session, encoder.name, ((i, stored[i]) for i in missing))
    return np.vstack([np.frombuffer(stored[i], dtype=np.float32) for i in ids])


def store_missing_vectors(project: Project, encoder: Encoder, codebook: Codebook | None = None) -> None:
    """Store a vector for every sentence, span and code text that has none, so that
    :func:`build_suggester` only reads them (nothing when the codebook has no codes yet).
    ``codebook``: the one the caller read (a coding page reads it once and suggests with it), else read here.

    Call it before opening the transaction a suggestion is built in. The encoding happens
    outside any transaction and its result is stored in a short one: on SQLite a transaction
    that has written holds the write lock, and encoding a synthesis's few thousand sentences
    inside one (a minute on 2 cores) held every screening decision of the team past the
    store's 10 s busy timeout.
    """
    with project.reading() as session:
        if codebook is None:
            codebook = coding_store.load_codebook(session)
        if not codebook.codable():
            return  # nothing to suggest: build_suggester says what to do
        missing = coding_store.segments_without_vectors(session, encoder.name)
    if missing:
        vectors = encoder.encode(list(missing.values()))
        with project.transaction() as session:
            coding_store.save_segment_vectors(session, encoder.name,
                                              ((i, v.tobytes()) for i, v in zip(missing, vectors, strict=True)))
    with project.transaction() as session:  # a codebook's few texts: milliseconds
        code_text_vectors(session, encoder,
                          training_items([(c, codebook.path(c.id)) for c in codebook.codable()])[0])


def code_text_vectors(session: Session, encoder: Encoder, texts: Sequence[str]) -> np.ndarray:
    """Embeddings (len(texts), dim) of the codebook's texts, encoding only those not stored yet.

    The stored set is replaced by exactly these texts when any was missing: it follows the
    codebook as it is now, not every text a code ever had.
    """
    texts = list(texts)
    stored = stored_code_vectors(session, encoder.name)
    missing = [t for t in dict.fromkeys(texts) if t not in stored]
    if missing:
        stored.update(zip(missing, encoder.encode(missing)))
        save_code_vectors(session, encoder.name, list(dict.fromkeys(texts)),
                          np.vstack([stored[t] for t in dict.fromkeys(texts)]))
    if not texts:
        return np.zeros((0, encoder.dimension), dtype=np.float32)
    return np.vstack([stored[t] for t in texts]).astype(np.float32, copy=False)


def refit_project_map(project: Project, encoder: Encoder, coder: str | None = None, *,
                      vectors_ready: bool = False) -> bool:
    """Fit ``coder``'s project map (every coder's if None) again and keep it, when
    :func:`~triage.coding.adapt.map_is_due` says enough of their accepts have changed since the kept one;
    True if it did.

    Call it outside any transaction, as :func:`store_missing_vectors` (which it calls first, unless the
    caller has, ``vectors_ready``): the fit takes from a quarter of a second to seconds (it grows with the
    accepts) and is stored in a short transaction of its own. Suggestions meanwhile use the map kept before
    (:func:`build_suggester`).
    """
    if not vectors_ready:
        store_missing_vectors(project, encoder)
    with project.reading() as session:
        codebook = coding_store.load_codebook(session)
        codable = codebook.codable()
        if not codable:
            return False
        accepts = {(d.segment_id, d.code_id) for d in current_code_decisions(session, codebook, coder)
                   if d.decision == "accept"}
        kept = stored_map_accepts(session, encoder.name, coder)  # the accepts only: not the map's matrix
        changed = len(accepts ^ kept) if kept is not None else len(accepts)
        if not map_is_due(len(kept) if kept is not None else None, changed):
            return False
        texts, ids, kinds = training_items([(c, codebook.path(c.id)) for c in codable])
        code_vectors = code_text_vectors(session, encoder, texts)
        everything = segment_vectors(session, encoder, [s.id for s in sentence_segments(session)])
        pairs = sorted(accepts)
        accepted = segment_vectors(session, encoder, [segment for segment, _ in pairs])
    fitted = fit_coders_map(everything, code_vectors, ids, kinds, accepted, [code for _, code in pairs])
    with project.transaction() as session:
        save_project_map(session, encoder.name, coder, fitted.center, fitted.matrix, pairs)
    return True


def build_suggester(session: Session, codebook: Codebook, encoder: Encoder, *, coder: str | None = None,
                    project_map: bool = True, **params: object) -> CodeSuggester:
    """A suggester fitted on the codebook and on ``coder``'s accepts and rejects (all coders' if None),
    in the coder's kept project map (``project_map``; the latest one :func:`refit_project_map` kept, used
    once the coder has accepted something).

    Learning from one coder only keeps double coding independent: coder B's
    suggestions do not echo coder A's decisions.
    """
    codable = codebook.codable()
    if not codable:
        raise CodebookError("the project has no codebook yet", hint="run 'triage codebook import FILE' first")
    texts, ids, kinds = training_items([(c, codebook.path(c.id)) for c in codable])
    decisions = [d for d in current_code_decisions(session, codebook, coder) if d.decision in ("accept", "reject")]
    vectors = code_text_vectors(session, encoder, texts)
    if decisions:
        learned = segment_vectors(session, encoder, [d.segment_id for d in decisions])
        vectors = np.vstack([vectors, learned])
        ids += [d.code_id for d in decisions]
        kinds += ["accepted" if d.decision == "accept" else "rejected" for d in decisions]
    names = {c.id: c.name for c in codebook.codes()}
    # Each code's theme, for the suggester's max_per_theme.
    params.setdefault("themes", code_themes([(c, codebook.path(c.id)) for c in codable]))
    # Every segment of the project, coded or not, centres the vectors (CodeSuggester.fit): embedded
    # once and stored, so later calls only read them.
    segments = sentence_segments(session)
    everything = segment_vectors(session, encoder, [s.id for s in segments])
    # Their words too (CodeSuggester's lexical part), indexed once per process while the segments
    # and code texts stay the same: a TF-IDF fit over every segment on each call would cost more
    # than the suggestion.
    code_texts = {c.id: code_text(c, codebook.path(c.id)) for c in codable}
    lexical_key = (coding_store.store_url(session), tuple(s.id for s in segments), tuple(code_texts.items()))
    lexical = _LEXICAL.get(lexical_key[0])
    if lexical is None or lexical[0] != lexical_key:
        lexical = (lexical_key, LexicalIndex([s.text for s in segments], everything, code_texts))
        _LEXICAL[lexical_key[0]] = lexical
    mapped = None
    if project_map and any(d.decision == "accept" for d in decisions):
        kept = stored_project_map(session, encoder.name, coder)
        mapped = ProjectMap(kept.center, kept.matrix) if kept is not None else None
    model = CodeSuggester(names=names, **params).fit(vectors, ids, kind=kinds,  # type: ignore[arg-type]
                                                     segments=everything, lexical=lexical[1], project_map=mapped)
    # The model is rebuilt on every call, but its logistic-regression head need not be
    # refitted every time: reuse the one fitted for this store, coder and codebook until
    # the coded rows have grown by a tenth (CodeSuggester.refresh_linear decides).
    url = coding_store.store_url(session)
    key = (url, coder, tuple(str(c) for c in model.classes_))
    if key in _LINEAR_HEADS:
        model.linear_ = _LINEAR_HEADS[key]
    model.refresh_linear()
    if model.linear_ is not None:
        _LINEAR_HEADS[key] = model.linear_
    return model


#: The lexical index of each store (its URL) with what it was built from; see build_suggester.
_LEXICAL: dict[str, tuple[tuple[object, ...], LexicalIndex]] = {}

#: Fitted linear heads per (database URL, coder, codes); see build_suggester.
_LINEAR_HEADS: dict[tuple[str, str | None, tuple[str, ...]], LinearHead] = {}
