"""Benchmark: embeddings and dedup pair scoring in one process vs on a Dask cluster of 1 and 2 workers.

    .venv/bin/python evaluation/bench_cluster.py [--embed-records 600] [--workers 1,2]

Fixed slices of the shared data (``../shared/data``), the same on every run:

- embeddings: the first ``--embed-records`` records (title, abstract, keywords: the text
  the ranking embeds) of the screening sets in name order;
- dedup: every record of the four dedup benchmark sets and of the screening sets (about
  47,000), keyed and blocked once in this process; the candidate pairs are then scored
  by ``score_pairs`` here and by ``triage.cluster.dedup.cluster_scorer`` on the cluster.

Each cluster is a ``LocalCluster`` of worker processes with one thread each (Dask sets
``OMP_NUM_THREADS=1`` in workers, so torch uses one core per worker); the one-process
baseline is ``Encoder.encode`` (``SentenceTransformer.encode``) with torch's default
threads. Times are wall-clock; the cluster figures include shipping texts, keys and
results. The script checks that the cluster's vectors and scored pairs equal the
one-process ones and stops if not. Writes ``evaluation/reports/cluster.md``.
"""

from __future__ import annotations

import argparse
import os
import pickle
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from distributed import LocalCluster

from triage.cluster.client import connect
from triage.cluster.dedup import PARTITION_PAIRS, cluster_scorer
from triage.cluster.embed import BATCH_TEXTS, ClusterEncoder
from triage.dedup.blocking import candidate_pairs
from triage.dedup.engine import score_pairs
from triage.dedup.keys import RecordKeys, record_keys
from triage.embeddings import load_encoder
from triage.ranking.features import record_text
from triage.records.load import read_file
from triage.records.model import Record

DATA = REPO.parent / "shared" / "data"
REPORT = REPO / "evaluation" / "reports" / "cluster.md"


def _csvs(folder: str) -> list[Path]:
    return sorted(p for p in (DATA / folder).glob("*.csv") if p.name != "INDEX.csv")


def embed_slice(size: int) -> list[str]:
    texts: list[str] = []
    for path in _csvs("screening"):
        texts.extend(record_text(r) for r in read_file(path).records)
        if len(texts) >= size:
            break
    return texts[:size]


def dedup_slice() -> list[Record]:
    records: list[Record] = []
    for path in _csvs("dedup") + _csvs("screening"):
        records.extend(read_file(path).records)
    return records


def _worker_rss(client: Any) -> str:
    """Resident memory of each worker process, MB."""

    def rss() -> int:
        import psutil

        return int(psutil.Process().memory_info().rss)

    return ", ".join(str(round(v / 2**20)) for v in sorted(client.run(rss).values()))


def _worker_cpu(client: Any) -> float:
    """CPU seconds used so far by all worker processes together."""

    def cpu() -> float:
        return time.process_time()

    return float(sum(client.run(cpu).values()))


def _cluster(workers: int) -> LocalCluster:
    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")


def bench_embeddings(texts: list[str], worker_counts: list[int], batch_texts: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    local = load_encoder()
    local.encode(texts[:8])  # warm up: the first call pays for lazy initialisation
    started, client_cpu = time.perf_counter(), time.process_time()
    reference = local.encode(texts)
    seconds, client_cpu = time.perf_counter() - started, time.process_time() - client_cpu
    rows.append({"where": "one process (torch threads: default)", "workers": 0, "seconds": seconds,
                 "rate": len(texts) / seconds, "setup": None, "rss": None, "client_cpu": client_cpu})
    print(f"embeddings, one process: {len(texts) / seconds:.1f} records/s", flush=True)
    for workers in worker_counts:
        with _cluster(workers) as cluster, connect(cluster.scheduler_address) as client:
            started = time.perf_counter()
            encoder = ClusterEncoder(client, batch_texts=batch_texts)  # loads the model on every worker
            setup = time.perf_counter() - started
            encoder.encode(texts[: 8 * workers])
            worker_cpu = _worker_cpu(client)
            started, client_cpu = time.perf_counter(), time.process_time()
            vectors = encoder.encode(texts)
            seconds, client_cpu = time.perf_counter() - started, time.process_time() - client_cpu
            worker_cpu = _worker_cpu(client) - worker_cpu
            rss = _worker_rss(client)
        difference = float(np.abs(vectors - reference).max())
        if difference > 1e-4:
            raise SystemExit(f"cluster vectors differ from one process's by {difference}")
        rows.append({"where": f"LocalCluster, {workers} worker process(es) x 1 thread", "workers": workers,
                     "seconds": seconds, "rate": len(texts) / seconds, "setup": setup, "rss": rss,
                     "difference": difference, "client_cpu": client_cpu, "worker_cpu": worker_cpu})
        print(f"embeddings, {workers} workers: {len(texts) / seconds:.1f} records/s (model load {setup:.1f} s)",
              flush=True)
    return rows


def bench_dedup(keys: list[RecordKeys], pairs: list[tuple[int, int]], worker_counts: list[int],
                partition_pairs: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    started, client_cpu = time.perf_counter(), time.process_time()
    reference = score_pairs(keys, pairs)
    seconds, client_cpu = time.perf_counter() - started, time.process_time() - client_cpu
    rows.append({"where": "one process", "workers": 0, "seconds": seconds, "rate": len(pairs) / seconds,
                 "rss": None, "client_cpu": client_cpu})
    print(f"pair scoring, one process: {len(pairs) / seconds:.0f} pairs/s", flush=True)
    for workers in worker_counts:
        with _cluster(workers) as cluster, connect(cluster.scheduler_address) as client:
            scorer = cluster_scorer(client, partition_pairs=partition_pairs)
            scorer(keys, pairs[:1000], None)  # warm up: workers import triage.dedup
            worker_cpu = _worker_cpu(client)
            started, client_cpu = time.perf_counter(), time.process_time()
            found = scorer(keys, pairs, None)
            seconds, client_cpu = time.perf_counter() - started, time.process_time() - client_cpu
            worker_cpu = _worker_cpu(client) - worker_cpu
            rss = _worker_rss(client)
        if found != reference:
            raise SystemExit("cluster pair scores differ from one process's")
        rows.append({"where": f"LocalCluster, {workers} worker process(es) x 1 thread", "workers": workers,
                     "seconds": seconds, "rate": len(pairs) / seconds, "rss": rss, "client_cpu": client_cpu,
                     "worker_cpu": worker_cpu})
        print(f"pair scoring, {workers} workers: {len(pairs) / seconds:.0f} pairs/s", flush=True)
    return rows


def _cpu(row: dict[str, Any]) -> str:
    return f"{row['worker_cpu']:.2f}" if "worker_cpu" in row else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embed-records", type=int, default=600)
    parser.add_argument("--workers", default="1,2", help="worker counts to try, comma-separated")
    parser.add_argument("--partition-pairs", type=int, default=PARTITION_PAIRS,
                        help="candidate pairs per worker call (a small slice needs small partitions to spread)")
    parser.add_argument("--batch-texts", type=int, default=BATCH_TEXTS,
                        help="texts per worker call (a small slice needs small batches to spread)")
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args()
    worker_counts = [int(w) for w in args.workers.split(",")]
    load_before = os.getloadavg()

    import psutil

    me = psutil.Process()
    rss = me.memory_info().rss
    records = dedup_slice()
    records_rss = me.memory_info().rss - rss
    started = time.perf_counter()
    keys = [record_keys(i, r) for i, r in enumerate(records)]
    keys_seconds = time.perf_counter() - started
    keys_rss = me.memory_info().rss - rss - records_rss
    started = time.perf_counter()
    pairs = sorted(candidate_pairs(keys))
    blocking_seconds = time.perf_counter() - started
    key_bytes = len(pickle.dumps(keys)) / len(keys)
    print(f"dedup slice: {len(records)} records, {len(pairs)} candidate pairs", flush=True)
    dedup_rows = bench_dedup(keys, pairs, worker_counts, args.partition_pairs)

    texts = embed_slice(args.embed_records)
    embed_rows = bench_embeddings(texts, worker_counts, args.batch_texts)
    load_after = os.getloadavg()

    import dask
    import sentence_transformers
    import torch

    lines = [
        "# Embeddings and dedup pair scoring on a Dask cluster: 1 vs 2 workers",
        "",
        (f"Generated by `python evaluation/bench_cluster.py --embed-records {args.embed_records} "
        f"--workers {args.workers} --batch-texts {args.batch_texts} --partition-pairs {args.partition_pairs}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"{platform.platform()}, Python {platform.python_version()}, dask {dask.__version__}, "
        f"torch {torch.__version__}, sentence-transformers {sentence_transformers.__version__}; "
        f"{os.cpu_count()} CPUs shared with other jobs (load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after): indicative, not a clean measurement."),
        "",
        ("Workers are `LocalCluster` processes with one thread each; the cluster times include shipping the "
        "work and the results. Cluster results were checked equal to one process's (embeddings: largest "
        "difference below; pair scores: identical lists)."),
        "",
        (f"## Embeddings ({len(texts)} records: title, abstract and keywords of the first screening sets; "
        f"all-MiniLM-L6-v2, {args.batch_texts} texts per worker call)"),
        "",
        ("| where | records/s | seconds | CPU s, client | CPU s, workers | model load on the workers, s "
        "| worker memory, MB | largest difference |"),
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in embed_rows:
        setup = "" if row["setup"] is None else f"{row['setup']:.1f}"
        difference = f"{row['difference']:.1e}" if "difference" in row else ""
        lines.append(f"| {row['where']} | {row['rate']:.1f} | {row['seconds']:.1f} | {row['client_cpu']:.1f} | "
                     f"{_cpu(row)} | {setup} | {row['rss'] or ''} | {difference} |")
    lines += [
        "",
        (f"## Dedup pair scoring ({len(records):,} records: the 4 dedup sets and the screening sets; "
        f"{len(pairs):,} candidate pairs, {len(pairs) / len(records):.2f} per record; "
        f"{args.partition_pairs:,} pairs per partition)"),
        "",
        (f"In this process before scoring: keys {keys_seconds:.1f} s ({len(records) / keys_seconds:,.0f} records/s), "
        f"blocking {blocking_seconds:.1f} s; a record's keys pickle to {key_bytes:.0f} bytes; "
         f"in memory (growth of this process's resident size) a record takes {records_rss / len(records):,.0f} "
         f"bytes and its keys {keys_rss / len(records):,.0f} bytes."),
        "",
        "| where | pairs/s | seconds | CPU s, client | CPU s, workers | worker memory, MB |",
        "|---|---|---|---|---|---|",
    ]
    for row in dedup_rows:
        lines.append(f"| {row['where']} | {row['rate']:,.0f} | {row['seconds']:.2f} | {row['client_cpu']:.2f} | "
                     f"{_cpu(row)} | {row['rss'] or ''} |")
    lines.append("")
    args.report.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.report}")


if __name__ == "__main__":
    main()
