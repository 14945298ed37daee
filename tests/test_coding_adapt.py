"""The project map learned from accepts (round 7 of issue 18): it pulls a code's examples together, starts
from nothing without accepts, is deterministic, and leaves the harness blind to row order."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np
import pytest

from triage.coding.adapt import fit_project_map
from triage.coding.codebook_io import read_codebook
from triage.coding.evaluate import evaluate_coding, read_gold_segments
from triage.coding.suggest import CodeSuggester
from triage.embeddings import Encoder, load_encoder

VIEWS = [("waiting", "Waiting times: how long people waited for a service."), ("waiting", "Waiting times"),
         ("staff", "Staff attitude: how kind or rude the staff were."), ("staff", "Staff attitude")]
WAITING = ["We waited eight months for a psychologist.", "The list for therapy was over a year long.",
           "Nobody could see us for weeks after the referral.", "I rang every day and was told to wait."]
STAFF = ["The nurse was kind and listened to me.", "The receptionist was rude when I asked a question.",
         "The doctor made time to explain everything.", "Staff laughed at me in the corridor."]
OTHER = ["The car park was always full.", "The leaflet was in small print.", "The building was cold.",
         "The café closed early.", "I moved house twice that year.", "My sister helped with the children."]


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return load_encoder()


def _separation(X: np.ndarray, labels: list[str]) -> float:
    """Mean cosine between same-code rows less the mean between different-code rows."""
    X = X / np.linalg.norm(X, axis=1, keepdims=True)
    sims = X @ X.T
    same = np.equal.outer(labels, labels)
    off = ~np.eye(len(labels), dtype=bool)
    return float(sims[same & off].mean() - sims[~same].mean())


def test_the_map_puts_a_codes_examples_nearer_each_other(encoder: Encoder) -> None:
    segments = encoder.encode(WAITING + STAFF + OTHER)
    views = encoder.encode([t for _, t in VIEWS])
    labels = ["waiting"] * 4 + ["staff"] * 4
    # Learned from two accepts of each code; the other two of each are unseen.
    seen = [0, 1, 4, 5]
    project_map = fit_project_map(segments, views, [c for c, _ in VIEWS], segments[seen],
                                  [labels[i] for i in seen], steps=50)
    unseen = [2, 3, 6, 7]
    centred = segments[unseen] - segments.mean(axis=0)
    before = _separation(centred, [labels[i] for i in unseen])
    after = _separation(project_map.transform(segments[unseen]), [labels[i] for i in unseen])
    assert after > before
    assert not np.allclose(project_map.matrix, np.eye(segments.shape[1]))


def test_no_accepts_no_change_and_the_same_rows_the_same_map(encoder: Encoder) -> None:
    segments = encoder.encode(WAITING + STAFF)
    views = encoder.encode([t for _, t in VIEWS])
    codes = ["waiting", "waiting", "staff", "staff"]
    empty = fit_project_map(segments, views, codes, segments[:0], [], steps=50)
    assert np.array_equal(empty.matrix, np.eye(segments.shape[1], dtype=np.float32))
    # A suggester in the identity map scores as one without a map: the map only centres.
    ids, kinds = codes, ["description"] * 4
    plain = CodeSuggester().fit(views, ids, kind=kinds, segments=segments)
    mapped = CodeSuggester().fit(views, ids, kind=kinds, segments=segments, project_map=empty)
    assert np.allclose(plain.decision_function(segments), mapped.decision_function(segments), atol=1e-5)
    first = fit_project_map(segments, views, codes, segments[[0, 4]], ["waiting", "staff"], steps=20)
    again = fit_project_map(segments, views, codes, segments[[0, 4]], ["waiting", "staff"], steps=20)
    assert np.array_equal(first.matrix, again.matrix)


@pytest.mark.slow  # rebuilds the suggester after every accept of a real synthesis: 30-100 s on a loaded machine
def test_shuffled_rows_leave_an_adapted_run_equal(shared_data: Path, tmp_path: Path) -> None:
    """The adapted variant rebuilds the suggester after every accept; it still sees no row order, and
    zero-shot (no accepts) is what it was without it."""
    data = shared_data / "coding" / "qes-siblings-mental-illness"
    with (data / "segments.csv").open(encoding="utf-8", newline="") as fh:
        rows = [(r["segment_id"], r["text"], r["code"]) for r in csv.DictReader(fh)]
    shuffled = list(rows)
    random.Random(7).shuffle(shuffled)
    shuffled = [(f"x{n}", text, code) for n, (_, text, code) in enumerate(shuffled)]
    encoder = load_encoder()
    book = read_codebook(data / "codebook.json")
    reports = []
    for name, these in (("a", rows), ("b", shuffled)):
        path = tmp_path / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["segment_id", "text", "code"])
            writer.writerows(these)
        reports.append(evaluate_coding(book, read_gold_segments(path), encoder, protocol="online", seeds=1,
                                       adapt_steps=20))
    keys = ("n", "top1", "top3")
    assert [reports[0][k] for k in keys] == [reports[1][k] for k in keys]
    gold = read_gold_segments(tmp_path / "a.csv")
    zero = [evaluate_coding(book, gold, encoder, protocol="zero-shot", **params) for params in ({}, {"adapt_steps": 20})]
    assert (zero[0]["top1"], zero[0]["top3"]) == (zero[1]["top1"], zero[1]["top3"])


def test_a_map_without_centring_still_compares_by_cosine(encoder: Encoder) -> None:
    """Mapped rows are not unit length; a suggester that does not centre normalises them itself
    (a map that only scales the space changes no score)."""
    from triage.coding.adapt import ProjectMap

    segments = encoder.encode(WAITING + STAFF)
    views = encoder.encode([t for _, t in VIEWS])
    codes, kinds = [c for c, _ in VIEWS], ["description"] * 4
    dim = segments.shape[1]
    scaled = ProjectMap(np.zeros(dim, dtype=np.float32), 2.0 * np.eye(dim, dtype=np.float32))
    plain = CodeSuggester(center=False, lexical_weight=0.0).fit(views, codes, kind=kinds, segments=segments)
    mapped = CodeSuggester(center=False, lexical_weight=0.0).fit(views, codes, kind=kinds, segments=segments,
                                                                 project_map=scaled)
    assert np.allclose(plain.decision_function(segments), mapped.decision_function(segments), atol=1e-5)


def _torch_fit(segments: np.ndarray, views: np.ndarray, view_codes: list[str], examples: np.ndarray,
               example_codes: list[str], steps: int) -> np.ndarray:
    """The map as rounds 7-10 fitted it, with torch's autograd and Adam: the reference the numpy fit keeps."""
    import torch

    from triage.coding.adapt import LEARNING_RATE, STRENGTH, TEMPERATURE

    center = segments.mean(axis=0)
    codes = sorted(set(view_codes))
    index = {c: i for i, c in enumerate(codes)}
    rows = np.vstack([examples, views]) - center
    labels = torch.tensor([index[c] for c in example_codes] + [index[c] for c in view_codes])
    dim = rows.shape[1]
    Z, V = torch.from_numpy(rows), torch.from_numpy(views - center)
    view_index = torch.tensor([index[c] for c in view_codes])
    delta = torch.zeros(dim, dim, requires_grad=True)
    optimizer = torch.optim.Adam([delta], lr=LEARNING_RATE)
    eye = torch.eye(dim)
    for _ in range(steps):
        optimizer.zero_grad()
        W = eye + delta
        mapped = torch.nn.functional.normalize(Z @ W.T, dim=1)
        prototypes = torch.zeros(len(codes), dim).index_add(0, view_index,
                                                            torch.nn.functional.normalize(V @ W.T, dim=1))
        prototypes = torch.nn.functional.normalize(prototypes, dim=1)
        loss = torch.nn.functional.cross_entropy(mapped @ prototypes.T / TEMPERATURE, labels)
        (loss + STRENGTH * delta.pow(2).sum()).backward()
        optimizer.step()
    return (eye + delta).detach().numpy()


def test_the_numpy_fit_is_the_torch_fit(encoder: Encoder) -> None:
    """The fit's gradient is written out in numpy (no torch import for a refit); it follows torch's autograd
    and Adam step for step: the same matrix to float32 rounding, far below what the fit moves."""
    segments = encoder.encode(WAITING + STAFF + OTHER)
    views = encoder.encode([t for _, t in VIEWS])
    codes = [c for c, _ in VIEWS]
    seen, labels = [0, 1, 4, 5, 2], ["waiting", "waiting", "staff", "staff", "staff"]  # one against its text
    ours = fit_project_map(segments, views, codes, segments[seen], labels, steps=50).matrix
    theirs = _torch_fit(segments, views, codes, segments[seen], labels, steps=50)
    moved = np.abs(theirs - np.eye(segments.shape[1])).max()
    assert moved > 1e-3
    assert np.abs(ours - theirs).max() < 1e-2 * moved, (np.abs(ours - theirs).max(), moved)
