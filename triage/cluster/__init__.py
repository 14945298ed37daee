"""Running the two stages whose cost grows fastest on a Dask cluster (the ``cluster`` extra).

Embedding records and scoring dedup candidate pairs grow with the number of records
(and pairs); everything else (blocking, clustering pairs into groups, every store
write) stays in the calling process. Dask's own scheduler places the work and moves
the data: :mod:`client` connects and submits, :mod:`embed` encodes batches of texts
with a model loaded once per worker, :mod:`dedup` scores partitions of candidate pairs.

Nothing here is imported by the base install: ``--cluster ADDRESS`` on ``triage embed``
and ``triage dedup`` imports it, and ``pip install "triage-review[cluster]"`` brings
Dask (``dask[distributed]``). See ``docs/scaling.md`` for why Dask and the measurements.
"""
