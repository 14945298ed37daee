"""Sentence embeddings of a labelled dataset, computed once and kept on disk (developer tool;
``python evaluation/dataset_embeddings.py`` embeds every shared screening review).

Embedding a review's records is the slow step of every evaluation script (about 30 records
a second on a 2-core CPU), while the vectors never change for the same texts and model. So
the benchmarks, the cold-start check and the tuning script share one cache, keyed by the
dataset's name, the model and a hash of the exact texts embedded: a changed reader or
record text is a new entry, never a stale one.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import numpy as np

from triage.evaluation.labelled import LabelledSet

CACHE = Path(__file__).resolve().parent / ".cache" / "embeddings"


def dataset_embeddings(ds: LabelledSet, cache: Path = CACHE) -> np.ndarray:
    """L2-normalised embeddings of ``ds.records`` (the text ranking embeds), shape (n, dim).

    A project stores each record's embedding once, at import or first ranking, so a
    simulated run starts with them too; the one-time cost is printed when computed."""
    from triage.embeddings import DEFAULT_MODEL_NAME, load_encoder
    from triage.ranking.features import record_text

    texts = [record_text(r) for r in ds.records]
    key = hashlib.sha256("\x1e".join(texts).encode("utf-8")).hexdigest()[:12]
    path = cache / f"{ds.name}-{DEFAULT_MODEL_NAME}-{key}.npy"
    if path.exists():
        return np.asarray(np.load(path))
    start = time.perf_counter()
    vectors = load_encoder().encode(texts)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    print(f"{ds.name}: embedded {len(texts)} records in {time.perf_counter() - start:.0f} s", flush=True)
    return np.asarray(vectors)


def main() -> int:
    """Embed every shared screening review (the stopping benchmark's default-preset orders
    need them), smallest first, so an interrupted run leaves the most reviews cached."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from stopping_orders import dataset_paths

    from triage.evaluation.labelled import load_labelled

    sets = sorted((load_labelled(p) for p in dataset_paths()), key=lambda ds: ds.n)
    start = time.perf_counter()
    for ds in sets:
        dataset_embeddings(ds)
    print(f"{len(sets)} reviews, {sum(ds.n for ds in sets)} records embedded or cached in "
          f"{time.perf_counter() - start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
