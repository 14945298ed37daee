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

Not a library metric learner: scikit-learn's ``NeighborhoodComponentsAnalysis`` (init="identity") was tried
on the same rows and lost (tuning sets, online top-3 0.582 against 0.650), and sentence-transformers' losses
train a model over texts, not a matrix over stored vectors. Rounds 7-10 fitted it with torch's autograd; the
loss's gradient is written out here in numpy instead (the chain rule through three normalisations and a
softmax, and Adam's update as torch does it), because importing torch cost a command-line call that refits
a map about 5 s of its 10 (``triage code suggest`` after an accept on the demo), and the fit needs nothing
else of torch: the same steps from the same start give the same matrix to float32 rounding (the largest
difference 5e-6 against movements of 2e-2; tests/test_coding_adapt.py pins it against the torch fit).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

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


#: Held while a fit limits BLAS to one thread (see :func:`fit_project_map`).
_LIMIT_LOCK = threading.Lock()


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
    the centre). Deterministic: full-batch Adam from the identity, ``steps`` steps.

    The loss: each member row ``z`` (an accepted example or a view) mapped and normalised, its cosines to the
    codes' prototypes (the mean of each code's normalised mapped views, normalised) over
    :data:`TEMPERATURE`, cross-entropy against its own code; plus :data:`STRENGTH` times the squared
    distance of the map from the identity."""
    center = np.asarray(segments, dtype=np.float32).mean(axis=0)
    codes = sorted(set(view_codes))
    index = {c: i for i, c in enumerate(codes)}
    known = [i for i, c in enumerate(example_codes) if c in index]
    dim = int(center.shape[0])
    if steps < 1 or not known:
        return ProjectMap(center, np.eye(dim, dtype=np.float32))
    Z = np.vstack([np.asarray(examples, dtype=np.float32)[known], np.asarray(views, dtype=np.float32)]) - center
    labels = np.array([index[example_codes[i]] for i in known] + [index[c] for c in view_codes])
    V = np.asarray(views, dtype=np.float32) - center
    target = np.zeros((len(Z), len(codes)), dtype=np.float32)
    target[np.arange(len(Z)), labels] = 1.0
    member = np.zeros((len(codes), len(V)), dtype=np.float32)  # code x view: a prototype sums its views
    member[[index[c] for c in view_codes], np.arange(len(V))] = 1.0
    eye = np.eye(dim, dtype=np.float32)
    delta = np.zeros((dim, dim), dtype=np.float32)
    adam = _Adam(delta.shape)
    # One BLAS thread: the fit is hundreds of small products, and with a thread per core each waits for every
    # thread (on the loaded 2-core machine 1.5-4 s at 60 accepts against 0.33 s on one; torch's fit
    # was 5 s against 0.25 s). The limit is the process's while the fit runs (threadpoolctl, as torch's was), so
    # two fits at once take turns: each restores the count it found, and interleaved they would leave one thread.
    with _LIMIT_LOCK, threadpool_limits(limits=1):
        for _ in range(steps):
            W = eye + delta
            mapped, mapped_norms = _unit(Z @ W.T)
            views_mapped, view_norms = _unit(V @ W.T)
            prototypes, prototype_norms = _unit(member @ views_mapped)
            logits = mapped @ prototypes.T / TEMPERATURE
            probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
            probabilities /= probabilities.sum(axis=1, keepdims=True)
            d_logits = (probabilities - target) / (len(Z) * TEMPERATURE)  # mean cross-entropy
            d_views = member.T @ _unit_backward(d_logits.T @ mapped, prototypes, prototype_norms)
            gradient = (_unit_backward(d_logits @ prototypes, mapped, mapped_norms).T @ Z
                        + _unit_backward(d_views, views_mapped, view_norms).T @ V + 2 * STRENGTH * delta)
            delta = adam.step(delta, gradient.astype(np.float32))
    return ProjectMap(center, eye + delta)


def _unit(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``X`` normalised, and their norms (floored at 1e-12, as torch's ``normalize``)."""
    norms = np.maximum(np.linalg.norm(X, axis=1, keepdims=True), np.float32(1e-12))
    return X / norms, norms


def _unit_backward(gradient: np.ndarray, unit: np.ndarray, norms: np.ndarray) -> np.ndarray:
    """The gradient through ``x -> x / |x|``, given the gradient at the unit rows: ``(g - u (g . u)) / |x|``."""
    return np.asarray((gradient - unit * np.sum(gradient * unit, axis=1, keepdims=True)) / norms)


class _Adam:
    """Adam (Kingma and Ba 2015) as ``torch.optim.Adam`` steps with its defaults (betas 0.9 / 0.999, eps 1e-8,
    bias-corrected, no weight decay), at :data:`LEARNING_RATE`."""

    def __init__(self, shape: tuple[int, ...], beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.mean: np.ndarray = np.zeros(shape, dtype=np.float32)
        self.square: np.ndarray = np.zeros(shape, dtype=np.float32)
        self.steps = 0

    def step(self, param: np.ndarray, gradient: np.ndarray) -> np.ndarray:
        self.steps += 1
        self.mean = self.beta1 * self.mean + (1 - self.beta1) * gradient
        self.square = self.beta2 * self.square + (1 - self.beta2) * gradient * gradient
        denominator = np.sqrt(self.square) / np.sqrt(1 - self.beta2 ** self.steps) + self.eps
        return np.asarray(param - (LEARNING_RATE / (1 - self.beta1 ** self.steps)) * self.mean / denominator,
                          dtype=np.float32)


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
