"""Sentence embeddings on a Dask cluster: batches of texts encoded on the workers.

The model loads once per worker, when :class:`EncoderPlugin` is registered (and on any
worker that joins later); each call then encodes one batch with it. Texts are sorted by
length before they are cut into batches, so a batch pads to similar lengths, and the
vectors are put back in the caller's order. :class:`ClusterEncoder` is an
:class:`~triage.embeddings.Encoder`, so the project's embedding cache uses it as it
uses the local one, and the store writes stay in the calling process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from distributed import Client, WorkerPlugin, get_worker

from triage.cluster.client import gather_in_order
from triage.embeddings import Encoder, encoder_name, load_encoder

__all__ = ["BATCH_TEXTS", "ClusterEncoder", "EncoderPlugin"]

#: Texts per call on a worker: a few seconds of encoding on one core (about 60
#: title-and-abstract texts/s), long enough that shipping them costs little.
BATCH_TEXTS = 256


class EncoderPlugin(WorkerPlugin):
    """Loads the embedding model on a worker once; calls find it by the plugin's name."""

    def __init__(self, model_path: str | None) -> None:
        self.model_path = model_path
        self.name = f"triage-encoder:{model_path or encoder_name(None)}"
        self.encoder: Encoder | None = None

    def setup(self, worker: Any) -> None:
        self.encoder = load_encoder(self.model_path)


def _worker_encoder(plugin_name: str) -> Encoder:
    encoder: Encoder | None = getattr(get_worker().plugins[plugin_name], "encoder", None)
    if encoder is None:  # setup runs before a worker takes tasks; this is a broken worker
        raise RuntimeError(f"plugin {plugin_name} did not load the model")
    return encoder


def encode_batch(plugin_name: str, texts: list[str], batch_size: int) -> np.ndarray:
    """On a worker: the vectors of ``texts``, shape ``(len(texts), dimension)``."""
    return _worker_encoder(plugin_name).encode(texts, batch_size=batch_size)


def worker_dimension(plugin_name: str) -> int:
    """On a worker: the model's vector length."""
    return _worker_encoder(plugin_name).dimension


class ClusterEncoder(Encoder):
    """An :class:`~triage.embeddings.Encoder` whose :meth:`encode` runs on ``client``'s
    workers: the same name, dimension and vectors (to float rounding) as the local one,
    without loading the model in this process."""

    def __init__(self, client: Client, model_path: str | Path | None = None, *,
                 batch_texts: int = BATCH_TEXTS) -> None:
        path = str(model_path) if model_path is not None else None
        plugin = EncoderPlugin(path)
        client.register_plugin(plugin)  # runs setup (loads the model) on every worker now
        super().__init__(None, encoder_name(path))
        self._client = client
        self._plugin_name = plugin.name
        self._batch_texts = batch_texts
        self._dimension = gather_in_order(client, worker_dimension, [(plugin.name,)])[0]

    @property
    def dimension(self) -> int:
        return self._dimension

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 64,
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """Embed ``texts`` on the workers; shape ``(len(texts), dimension)``, float32,
        in the order given. ``progress(done, total)`` is told as each batch returns."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        batches = [order[start:start + self._batch_texts] for start in range(0, len(order), self._batch_texts)]
        done = 0

        def store(n: int, vectors: np.ndarray) -> None:
            nonlocal done
            out[batches[n]] = vectors
            done += len(batches[n])
            if progress is not None:
                progress(done, len(texts))

        gather_in_order(self._client, encode_batch,
                        ((self._plugin_name, [texts[i] for i in batch], batch_size) for batch in batches),
                        on_result=store)
        return out
