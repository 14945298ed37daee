"""Random unit vectors in place of sentence embeddings, for timing benchmarks only.

A project embeds each record once (about half an hour for 50,000 records on a 2-core CPU)
and stores the vectors; a retrain or a key press only reads them. Timing benchmarks need
vectors of the right shape, not the right meaning, so they use these instead.
"""

from __future__ import annotations

import numpy as np

#: all-MiniLM-L6-v2's embedding size.
DIMENSION = 384


def stand_in_embeddings(n: int, seed: int = 0, dimension: int = DIMENSION) -> np.ndarray:
    """``n`` random L2-normalised float32 vectors, shape (n, dimension), seeded."""
    vectors = np.random.default_rng(seed).standard_normal((n, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


class StandInEncoder:
    """An encoder under the bundled model's name that returns stand-in vectors, so code that
    stores embeddings per record (the project cache) can be fed without the model."""

    def __init__(self, seed: int = 0) -> None:
        from triage.embeddings import DEFAULT_MODEL_NAME

        self.name = DEFAULT_MODEL_NAME
        self.dimension = DIMENSION
        self._calls = 0
        self._seed = seed

    def encode(self, texts: list[str], **_: object) -> np.ndarray:
        self._calls += 1
        return stand_in_embeddings(len(texts), seed=self._seed + self._calls, dimension=self.dimension)
