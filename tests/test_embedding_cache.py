"""Record embeddings kept in the project store: computed once, reported while computed,
recomputed only for records whose text changed."""

from __future__ import annotations

import numpy as np
from dedup_support import add
from sqlalchemy import func, select

from triage.embeddings import load_encoder
from triage.records.model import Record
from triage.screening.embedding_cache import cached_embeddings
from triage.store.db import Project
from triage.store.schema import EmbeddingRow

TITLES = [
    "Postnatal depression in fathers: a cohort study",
    "Peer support for mothers with perinatal anxiety",
    "Soil nitrogen and wheat yield in dry years",
]


def _stored(project: Project) -> int:
    with project.reading() as session:
        return int(session.scalar(select(func.count()).select_from(EmbeddingRow)) or 0)


def test_embeddings_are_computed_once_with_progress_then_read_back(project: Project) -> None:
    records = [Record(title=t) for t in TITLES]
    ids = add(project, "Embase", records)
    encoder = load_encoder()
    calls: list[tuple[int, int]] = []
    first = cached_embeddings(project, ids, records, encoder, lambda done, total: calls.append((done, total)))
    assert first.shape == (3, encoder.dimension)
    assert calls and calls[-1] == (3, 3)
    assert _stored(project) == 3
    # related topics lie closer than an unrelated one
    assert float(first[0] @ first[1]) > float(first[0] @ first[2])

    calls.clear()
    again = cached_embeddings(project, ids, records, encoder, lambda done, total: calls.append((done, total)))
    assert calls == []  # nothing to compute: read from the store
    np.testing.assert_array_equal(again, first)


def test_only_a_record_whose_text_changed_is_embedded_again(project: Project) -> None:
    records = [Record(title=t) for t in TITLES]
    ids = add(project, "Embase", records)
    encoder = load_encoder()
    first = cached_embeddings(project, ids, records, encoder)
    changed = [records[0], records[1], Record(title="Soil nitrogen and barley yield in wet years")]
    calls: list[tuple[int, int]] = []
    second = cached_embeddings(project, ids, changed, encoder, lambda done, total: calls.append((done, total)))
    assert calls == [(1, 1)]
    np.testing.assert_array_equal(second[:2], first[:2])
    assert not np.allclose(second[2], first[2])
    assert _stored(project) == 3


def test_encoder_reports_progress_in_steps_and_gives_the_same_vectors() -> None:
    encoder = load_encoder()
    texts = [f"record {i} about parental mental health" for i in range(300)]
    calls: list[tuple[int, int]] = []
    stepped = encoder.encode(texts, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(256, 300), (300, 300)]
    np.testing.assert_allclose(stepped, encoder.encode(texts), atol=1e-5)
