"""Benchmark: read a ~100,000-record RIS file (and the same records as CSV).

Builds the files in a temporary directory from ../shared/data: the real RIS exports
(their dialect quirks included) followed by the labelled screening CSVs written out
as RIS with triage's own writer, cycled and numbered until the target count. Each read
runs in a fresh child process so its peak memory (``VmHWM``) is the reader's own.
The peer is rispy alone on the same RIS file: no TY/ER checks, no records built.

Goal (issue 2): under 20 s and under 1 GB for 100,000 records. Does not measure the
store insert separately: the last row is ``triage import``'s path (read + store).

    .venv/bin/python evaluation/bench_import.py [--records 100000] [--report evaluation/reports/import.md]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"

_CHILD = r"""
import json, sys, time
kind, path = sys.argv[1], sys.argv[2]

def status_mb(field):
    # VmHWM/VmRSS of this process; unlike ru_maxrss, not inherited from the parent across exec.
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024

if kind == "rispy":
    import rispy
elif kind == "store":
    import tempfile
    from triage.importing import import_file
    from triage.store.db import Project
else:
    from triage.records.load import read_file
before = status_mb("VmRSS")
start = time.perf_counter()
if kind == "rispy":
    with open(path, encoding="utf-8") as handle:
        n, problems = len(rispy.load(handle)), 0
elif kind == "store":
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.init(tmp)
        outcome = import_file(project, path)
        n, problems = outcome.records, len(outcome.problems)
        project.close()
else:
    result = read_file(path)
    n, problems = len(result.records), len(result.problems)
seconds = time.perf_counter() - start
print(json.dumps({"records": n, "problems": problems, "seconds": seconds,
                  "peak_mb": status_mb("VmHWM"), "start_mb": before}))
"""


def build_files(target: int, folder: Path) -> tuple[Path, Path]:
    """Write ``bench.ris`` and ``bench.csv`` with ``target`` records each."""
    sys.path.insert(0, str(REPO))
    from triage.records.model import Record
    from triage.records.writers import ExportItem, render_records

    ris_parts: list[str] = []
    count = 0
    for path in sorted((SHARED / "exports" / "ris").glob("asreview_*.ris")) + [
        SHARED / "exports" / "ris" / "asysd_zotero_export.ris"
    ]:
        text = path.read_text(encoding="utf-8-sig")
        ris_parts.append(text.rstrip("\n") + "\n\n")
        count += sum(1 for line in text.splitlines() if line.startswith("TY  -"))
    rows = []
    for path in sorted((SHARED / "screening").glob("*.csv")):
        if path.name == "INDEX.csv":
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            rows.extend(csv.DictReader(handle))
    items: list[ExportItem] = []
    csv_items: list[ExportItem] = []
    cycle = 0
    while count + len(items) < target:
        for row in rows:
            if count + len(items) >= target:
                break
            number = len(items) + 1
            record = Record(
                title=row["title"] or None,
                abstract=row["abstract"] or None,
                authors=[a.strip() for a in row["authors"].split(";") if a.strip()],
                year=int(row["year"]) if row["year"].isdigit() else None,
                doi=row["doi"] or None,
                pmid=row["pmid"] or None,
                publication_type="JOUR",
                notes=f"bench record {number} (copy {cycle + 1} of {row['record_id']})",
            )
            items.append(ExportItem(record, number))
        cycle += 1
    ris_parts.append(render_records(items, "ris"))
    ris_path = folder / "bench.ris"
    ris_path.write_text("".join(ris_parts), encoding="utf-8")
    csv_items = items + items[: target - len(items)]
    csv_path = folder / "bench.csv"
    csv_path.write_text(render_records(csv_items[:target], "csv"), encoding="utf-8")
    return ris_path, csv_path


def run_child(kind: str, path: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, kind, str(path)], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(out.stdout)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs visible, {platform.system()} {platform.release()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000, help="records to build (default 100000)")
    parser.add_argument("--report", type=Path, default=None, help="write a Markdown report here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ris_path, csv_path = build_files(args.records, Path(tmp))
        sizes = {p.suffix: p.stat().st_size / 1e6 for p in (ris_path, csv_path)}
        results = {
            "triage RIS": run_child("triage", ris_path),
            "rispy alone, same RIS (peer)": run_child("rispy", ris_path),
            "triage CSV": run_child("triage", csv_path),
            "triage import RIS into a new project (read + one SQLite transaction)": run_child("store", ris_path),
        }
    report_flag = f" --report {args.report}" if args.report else ""
    lines = [
        "# Import benchmark",
        "",
        f"Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC. Machine: {machine()}.",
        (
            f"Python {platform.python_version()}; rispy {metadata.version('rispy')}; "
            f"bibtexparser {metadata.version('bibtexparser')}; "
            f"charset-normalizer {metadata.version('charset-normalizer')}."
        ),
        (
            f"Input: {args.records} records built from ../shared/data (real RIS exports, then the screening "
            f"CSVs cycled and written as RIS); RIS {sizes['.ris']:.0f} MB, CSV {sizes['.csv']:.0f} MB."
        ),
        f"Command: `.venv/bin/python evaluation/bench_import.py --records {args.records}{report_flag}`",
        "",
        "| reader | records | problems | seconds | records/s | peak RSS MB | RSS before read MB |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['records']} | {r['problems']} | {r['seconds']:.2f} | {r['records'] / r['seconds']:,.0f} "
            f"| {r['peak_mb']:.0f} | {r['start_mb']:.0f} |"
        )
    ratio = results["triage RIS"]["seconds"] / results["rispy alone, same RIS (peer)"]["seconds"]
    lines += [
        "",
        (
            f"triage's RIS reader takes {ratio:.1f}x rispy's time: the price of the TY/ER integrity pass, "
            "unknown-tag checks and building Record objects with provenance."
        ),
        "Goal: under 20 s and under 1 GB (1024 MB) peak for 100,000 records.",
        (
            f"Load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (a shared machine; "
            "seconds vary with other work, the ratio to rispy less so)."
        ),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
