"""A project's own similarity: a linear map of the frozen embeddings, learned from the coder's accepts.

Issue 18, round 7: the encoder adapted to the project from the accepted segments, the cheap relative of
SetFit's contrastive fine-tuning (Tunstall et al. 2022). Instead of tuning MiniLM itself, a 384 x 384
matrix is learned on the stored embeddings (started at the identity, pulled back toward it): every accepted
segment and every text view of every code (:func:`~triage.coding.suggest.code_views`) should lie nearer its
own code's text prototype than any other code's, in the mapped space (a prototypical softmax loss over
cosines, temperature :data:`TEMPERATURE`). Because the map is one matrix for the whole space, codes not yet
coded move too. Applying it is one matrix product per vector, and a project would keep it as one matrix.

Measured in ``evaluation/reports/coding.md`` (round 7): refitted after every accept (``triage evaluate``'s
harness, :func:`~triage.coding.evaluate.evaluate_coding` with ``adapt_steps``), online top-3 rose on the two
qes tuning sets and an NHS subset and fell slightly on the check set, so the suggester does not use it by
default and a project does not yet learn or keep one.
Round 8: with at most two codes of one theme among the three suggestions (``CodeSuggester(max_per_theme=2)``,
variant ``adapt-map-cap``) it rose on the tuning sets without lowering the check set; still an option, since a
project would have to refit the map in the background after every accept.

Written with torch's autograd rather than a library metric learner: scikit-learn's
``NeighborhoodComponentsAnalysis`` (init="identity") was tried on the same rows and lost (tuning sets,
online top-3 0.582 against 0.650), and sentence-transformers' losses train a model over texts, not a
matrix over stored vectors.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["REFIT_SHARE", "STEPS", "STRENGTH", "TEMPERATURE", "ProjectMap", "fit_coders_map", "fit_project_map",
           "map_is_due"]

#: Weight of the squared distance of the map from the identity: with a dozen accepts a free matrix
#: would fit them and forget the encoder. 0.1 on the qes tuning sets (0.01 / 0.1 / 1.0: online top-3
#: 0.644 / 0.661 / 0.660, refitted at 4, 8, 16, 32, 64 accepts).
STRENGTH = 0.1
#: Softmax temperature over cosines (0.05; 0.1 at strength 0.3: 0.668).
TEMPERATURE = 0.05
#: Adam's step size.
LEARNING_RATE = 1e-3
#: Full-batch steps per fit (rounds 7 and 8; 150 steps: level).
STEPS = 50
#: A map is refitted once the accepts it was fitted on have changed by this share of them (at least one):
#: after every accept up to 64 accepts, then every 2nd, ..., every 100th at 3,200. A fit grows with the
#: accepts (one thread: 0.25 s at 60, 0.8 s at 400, 2.9 s at 3,000), so refitting after every one of a
#: big project's accepts would keep a core busy for little change; the harness follows the same rule.
REFIT_SHARE = 32


@dataclass(frozen=True)
class ProjectMap:
    """``x -> (x - center) @ matrix.T``: the project's segments' mean removed, then the learned map."""

    center: np.ndarray
    matrix: np.ndarray

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Rows of ``X`` (n, dim) in the mapped space, not normalised (the suggester normalises them)."""
        return np.asarray((np.asarray(X, dtype=np.float32) - self.center) @ self.matrix.T, dtype=np.float32)


def map_is_due(fitted_accepts: int | None, changed: int) -> bool:
    """Whether a map fitted on ``fitted_accepts`` accepts (None: no map yet) should be refitted now that
    ``changed`` accepts differ from those (made since, or undone; see :data:`REFIT_SHARE`)."""
    if fitted_accepts is None:
        return changed > 0
    return changed >= max(1, fitted_accepts // REFIT_SHARE)


def fit_project_map(segments: np.ndarray, views: np.ndarray, view_codes: Sequence[str],
                    examples: np.ndarray, example_codes: Sequence[str], *, steps: int = STEPS) -> ProjectMap:
    """Learn the map from code text ``views`` (one row per view, labelled ``view_codes``) and accepted
    ``examples`` (labelled ``example_codes``); ``segments`` are all the project's segments (their mean is
    the centre). Deterministic: full-batch Adam from the identity, ``steps`` steps."""
    import torch

    center = np.asarray(segments, dtype=np.float32).mean(axis=0)
    codes = sorted(set(view_codes))
    index = {c: i for i, c in enumerate(codes)}
    known = [i for i, c in enumerate(example_codes) if c in index]
    rows = np.vstack([np.asarray(examples, dtype=np.float32)[known], np.asarray(views, dtype=np.float32)]) - center
    labels = torch.tensor([index[example_codes[i]] for i in known] + [index[c] for c in view_codes])
    dim = rows.shape[1]
    if steps < 1 or not known:
        return ProjectMap(center, np.eye(dim, dtype=np.float32))
    Z = torch.from_numpy(np.ascontiguousarray(rows))
    V = torch.from_numpy(np.ascontiguousarray(np.asarray(views, dtype=np.float32) - center))
    view_index = torch.tensor([index[c] for c in view_codes])
    delta = torch.zeros(dim, dim, requires_grad=True)
    optimizer = torch.optim.Adam([delta], lr=LEARNING_RATE)
    eye = torch.eye(dim)
    with _one_thread(torch):
        for _ in range(steps):
            optimizer.zero_grad()
            W = eye + delta
            mapped = torch.nn.functional.normalize(Z @ W.T, dim=1)
            prototypes = torch.zeros(len(codes), dim).index_add(0, view_index,
                                                                torch.nn.functional.normalize(V @ W.T, dim=1))
            prototypes = torch.nn.functional.normalize(prototypes, dim=1)
            loss = torch.nn.functional.cross_entropy(mapped @ prototypes.T / TEMPERATURE, labels)
            (loss + STRENGTH * delta.pow(2).sum()).backward()  # type: ignore[no-untyped-call]
            optimizer.step()
    return ProjectMap(center, (eye + delta).detach().numpy().astype(np.float32))


def fit_coders_map(segments: np.ndarray, code_vectors: np.ndarray, ids: Sequence[str], kinds: Sequence[str],
                   accepted: np.ndarray, accepted_codes: Sequence[str], *, steps: int = STEPS) -> ProjectMap:
    """:func:`fit_project_map` from the suggester's training items (``code_vectors`` with their code ``ids`` and
    ``kinds``, :func:`~triage.coding.suggest.training_items`) and a coder's ``accepted`` segments: the code
    texts' views are the prototypes, the codebook's examples and the accepted segments the members. The one
    way a project (:func:`triage.coding.learn.refit_project_map`) and the harness
    (:func:`triage.coding.evaluate.evaluate_coding`) fit it."""
    views = [i for i, k in enumerate(kinds) if k == "description"]
    examples = [i for i, k in enumerate(kinds) if k == "example"]
    return fit_project_map(segments, code_vectors[views], [ids[i] for i in views],
                           np.vstack([code_vectors[examples], accepted]),
                           [ids[i] for i in examples] + list(accepted_codes), steps=steps)


_THREADS_LOCK = threading.Lock()


@contextmanager
def _one_thread(torch: Any) -> Iterator[None]:
    """torch on one thread while a map is fitted. The fit is hundreds of small products, and with torch's
    default of a thread per core each waits for every thread: on the shared 2-core machine under load a
    fit took 5 s at 60 accepts and 16 s at 3,000, against 0.25 s and 2.9 s on one thread. torch's thread
    count is global to the process, so an encoder running meanwhile in another thread (the web app's)
    also runs on one thread until the fit ends."""
    with _THREADS_LOCK:
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(before)
