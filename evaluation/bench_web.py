"""Benchmark: keypress to next record in the web app's screening page at 50k records.

    .venv/bin/python evaluation/bench_web.py [--size 50000] [--decisions 40] [--workdir DIR]

Builds a scaled project from the shared screening datasets (``../shared/data/screening``:
every file's rows in name order, concatenated into one CSV and repeated with a
``[copy k]`` title mark until ``--size`` rows), imports it with ``triage import``, and
records a seeded start of 500 decisions (50 includes, 450 excludes, from the files'
labels) so the classifier is trained, as in ``bench_retrain.py``. Then it serves the
project with uvicorn on 127.0.0.1 (the project's default preset, as ``triage serve``)
and drives Debian's Chromium with Playwright: for each decision it presses ``i`` (every
eighth record) or ``e`` + a typed reason + Enter, and times

- *page*: the page script's own time from sending the decision to the next card being
  in the DOM (``document.body.dataset.lastMs``: request, server, JSON, swap);
- *observed*: Playwright's time from the key press to the new card seen by a
  ``requestAnimationFrame`` poll (so including one paint frame and the CDP round trip);
- *retrain*: the background work after a decision (off the request path): sync with the
  store, retrain on the new label, rerank, explain the head; timed separately, five
  more decisions each followed by ``ScreeningState.refresh_now``.

Writes ``evaluation/reports/web.md``. Needs ``/usr/bin/chromium``.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "evaluation"))

from serve_runs import free_port
from stand_in import StandInEncoder

DATA = REPO.parent / "shared" / "data" / "screening"
REPORT = REPO / "evaluation" / "reports" / "web.md"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
COLUMNS = ("title", "abstract", "authors", "year", "doi")


def scaled_csv(size: int, out: Path) -> list[int]:
    """Write ``size`` rows to ``out``; returns their labels (``label_included``) in row order."""
    pool: list[dict[str, str]] = []
    for path in sorted(p for p in DATA.glob("*.csv") if p.name != "INDEX.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            pool.extend(csv.DictReader(handle))
    labels: list[int] = []
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        copy = 0
        while len(labels) < size:
            for row in pool:
                if len(labels) == size:
                    break
                values = {c: row.get(c, "") for c in COLUMNS}
                if copy:
                    values["title"] = f"{values['title']} [copy {copy}]"
                writer.writerow(values)
                labels.append(int(row.get("label_included") or 0))
            copy += 1
    return labels


def build_project(workdir: Path, size: int) -> tuple[Path, float]:
    """A project with ``size`` records and 500 seeded decisions; returns it and the import seconds."""
    import numpy as np

    from triage.store.db import Project
    from triage.store.decisions import record_decision
    from triage.store.records import screening_rows

    data = workdir / f"scaled-{size}.csv"
    labels = np.asarray(scaled_csv(size, data))
    project_dir = workdir / "review"
    triage = str(REPO / ".venv" / "bin" / "triage")
    shutil.rmtree(project_dir, ignore_errors=True)
    subprocess.run([triage, "init", str(project_dir)], check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run([triage, "import", str(data), "-p", str(project_dir)], check=True, capture_output=True)
    seconds = time.perf_counter() - started
    rng = np.random.default_rng(0)
    with Project.open(project_dir) as project, project.transaction() as session:
        # Rows without title and abstract are reported and skipped by the reader, so map
        # each record back to its CSV row by its position in the file (1-based).
        by_row = {row.position: row.id for row in screening_rows(session)}
        rows = np.array(sorted(by_row))
        start = [*rng.choice(rows[labels[rows - 1] == 1], 50, replace=False),
                 *rng.choice(rows[labels[rows - 1] == 0], 450, replace=False)]
        for position in start:
            decision = "include" if labels[position - 1] else "exclude"
            record_decision(session, by_row[int(position)], decision, reviewer="seed",
                            reasons=["off topic"] if decision == "exclude" else ())
    with Project.open(project_dir) as project:
        store_stand_in_embeddings(project)
    return project_dir, seconds, len(by_row)


def store_stand_in_embeddings(project: object) -> None:
    from triage.screening.embedding_cache import cached_embeddings
    from triage.store.records import screening_records

    with project.reading() as session:  # type: ignore[attr-defined]
        pairs = screening_records(session)
    cached_embeddings(project, [rid for rid, _ in pairs], [r for _, r in pairs], StandInEncoder())  # type: ignore[arg-type]


def _count(project_dir: Path) -> int:
    from triage.store.db import Project
    from triage.store.records import screening_rows

    with Project.open(project_dir) as project, project.reading() as session:
        return len(screening_rows(session))


def measure(project_dir: Path, decisions: int) -> dict[str, object]:
    import uvicorn
    from playwright.sync_api import sync_playwright

    from triage.web.app import create_app

    app = create_app(project_dir)
    state = app.state.triage.screening
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    built = time.perf_counter()
    while not server.started:
        time.sleep(0.05)
    state.wait_ready()
    build_seconds = time.perf_counter() - built
    page_ms: list[float] = []
    observed_ms: list[float] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/screen")
            page.fill("#name", "bench")
            page.keyboard.press("Enter")
            page.wait_for_selector("#card[data-record-id]")
            for n in range(decisions):
                before = page.get_attribute("#card", "data-record-id")
                started = time.perf_counter()
                if n % 8 == 0:
                    page.keyboard.press("i")
                else:
                    page.keyboard.press("e")
                    page.keyboard.type("off topic")
                    started = time.perf_counter()
                    page.keyboard.press("Enter")
                page.wait_for_function(
                    "id => document.getElementById('card').dataset.recordId !== id", arg=before, timeout=60000
                )
                observed_ms.append(1000 * (time.perf_counter() - started))
                page_ms.append(float(page.evaluate("document.body.dataset.lastMs")))
                time.sleep(0.5)  # a (very fast) reviewer reads for half a second
            browser.close()
        state.refresh_now()  # let any retrain in flight finish
        retrain_ms = []
        for n in range(5):
            record_id = state.snapshot().order[0]
            state.decide(record_id, "exclude", reviewer="bench-retrain", request_id=f"bench-retrain-{n}",
                         reasons=["off topic"])
            started = time.perf_counter()
            state.refresh_now()  # sync, retrain on the new label, rerank, explain the head
            retrain_ms.append(1000 * (time.perf_counter() - started))
    finally:
        server.should_exit = True
        thread.join(timeout=60)
    return {"build_s": build_seconds, "page_ms": page_ms, "observed_ms": observed_ms, "retrain_ms": retrain_ms}


def _summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered):.0f} | {p95:.0f} | {ordered[-1]:.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=50000)
    parser.add_argument("--decisions", type=int, default=40)
    parser.add_argument("--workdir", type=Path, default=None, help="Keep the scaled project here (default: temp).")
    parser.add_argument("--reuse", action="store_true", help="Reuse the project already in --workdir (timing only).")
    args = parser.parse_args(argv)
    if not Path("/usr/bin/chromium").exists():
        print("error: /usr/bin/chromium is absent; apt-get install chromium", file=sys.stderr)
        return 1
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-web-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        if args.reuse and (workdir / "review" / "triage.sqlite").exists():
            project_dir, imported = workdir / "review", _count(workdir / "review")
            import_s = float((workdir / "import-seconds.txt").read_text()) if (workdir / "import-seconds.txt").exists() \
                else float("nan")
        else:
            project_dir, import_s, imported = build_project(workdir, args.size)
            (workdir / "import-seconds.txt").write_text(f"{import_s:.2f}")
        result = measure(project_dir, args.decisions)
        print(result)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    from importlib.metadata import version

    import fastapi
    import sklearn

    page, observed, retrain = (_summary(result[k]) for k in ("page_ms", "observed_ms", "retrain_ms"))  # type: ignore[arg-type]
    lines = [
        "# Web app: keypress to next record",
        "",
        (f"Run on {time.strftime('%Y-%m-%d')} with `.venv/bin/python evaluation/bench_web.py --size {args.size} "
         f"--decisions {args.decisions}`: Python {platform.python_version()}, FastAPI {fastapi.__version__}, "
         f"scikit-learn {sklearn.__version__}, Playwright {version('playwright')}, Chromium (Debian), "
         f"{os.cpu_count()} CPUs shared with other jobs (indicative, one run)."),
        "",
        (f"Project: {args.size} CSV rows (shared screening sets concatenated, repeated with a `[copy k]` title "
         f"mark), {imported} records imported with `triage import` in {import_s:.1f} s (rows with neither title "
         "nor abstract are reported and skipped); 500 seeded decisions (50 includes, 450 excludes, seed 0); the "
         "project's default preset, with random stand-in vectors stored as the records' embeddings (computing "
         "the real ones is a one-time half hour at this size, not part of a key press). "
         f"Queue built once at start-up in {result['build_s']:.1f} s (background thread)."),
        "",
        (f"{args.decisions} decisions made in Chromium with the keys (`i` every eighth record, else `e` + typed "
         "reason + Enter), half a second apart:"),
        "",
        "| time (ms) | median | p95 | max |",
        "|---|---|---|---|",
        f"| page: decision sent to next card in the DOM | {page} |",
        f"| observed: key press to next card seen (rAF poll) | {observed} |",
        f"| background sync + retrain + rerank per decision (off the request path) | {retrain} |",
        "",
        ("The request writes the decision to the store and answers from the latest ranking the background "
         "retrainer published (records decided since are read from the store and skipped), so the reviewer "
         "never waits for a retrain; the goal is under 200 ms."),
        "",
    ]
    REPORT.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
