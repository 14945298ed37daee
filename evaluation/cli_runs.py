"""What the CLI benchmarks share: a pooled corpus of the shared screening records, and a
whole ``triage`` process timed with its CPU seconds (bench_cli_latency, bench_scale,
bench_team_load)."""

from __future__ import annotations

import csv
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
TRIAGE = str(Path(sys.executable).with_name("triage"))


def write_pooled_corpus(path: Path, size: int) -> None:
    """``size`` title/abstract rows from every shared screening dataset, cycled, copies
    marked in the title so each row is a distinct record."""
    pool: list[tuple[str, str]] = []
    for source in sorted((SHARED / "data" / "screening").glob("*.csv")):
        if source.name != "INDEX.csv":
            with source.open(newline="", encoding="utf-8") as handle:
                pool.extend((r.get("title") or "", r.get("abstract") or "") for r in csv.DictReader(handle))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["title", "abstract"])
        for i in range(size):
            title, abstract = pool[i % len(pool)]
            copy = i // len(pool)
            writer.writerow([f"{title} (copy {copy})" if copy else title, abstract])


@dataclass(frozen=True)
class Run:
    """One ``triage`` process: wall and CPU seconds, the largest child's peak RSS so far."""

    wall: float
    cpu: float
    peak_rss_mb: float
    stdout: str


def run_triage(*args: str, env: dict[str, str], stdin: str | None = None) -> Run:
    """Run ``triage ARGS`` to the end; a failure stops the benchmark with its stderr."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([TRIAGE, *args], input=stdin, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"triage {' '.join(args[:3])} failed: {done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu, after.ru_maxrss / 1024, done.stdout)
