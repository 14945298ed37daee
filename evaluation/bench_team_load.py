"""Team server under load, and a ``kill -9`` in the middle (issue 16).

Starts a throwaway PostgreSQL (``scripts/pg-dev.sh``), makes a project of ``--records``
records from the shared screening datasets with ``--reviewers`` reviewer accounts, and
serves it with ``triage serve --database``. Each simulated reviewer is its own logged-in
HTTP client (own cookies, CSRF token from its login) that asks for its card and decides it,
as the screening page does after a key press, for ``--seconds``. Halfway the server is
killed with SIGKILL and started again; clients retry until it answers.

Checked afterwards against the store: every decision the server acknowledged (HTTP 200
with a decision id) is there (0 lost), no request id was recorded twice (0 duplicated),
and the restart needed no repair. Latency: key press (POST decide) to the next card in the
answer, per acknowledged decision, p50 and p95: outside the restart (from 3 s after the new
server answered: cards that wait for its first ranking count), and before the kill alone
(the server warm). ``--think S``: each reviewer reads a card S seconds before the key press
(0: as fast as the server answers, a load no team of people makes).

    nice .venv/bin/python evaluation/bench_team_load.py --records 50000 --reviewers 20 --seconds 60
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli_runs import run_triage, write_pooled_corpus
from report_files import write_keeping_hand_written
from serve_runs import REQUEST, free_port, login, percentiles, start_server

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "load-test-password-1"
DEFAULT_REPORT = ROOT / "evaluation" / "reports" / "team_load.md"


@dataclass
class ClientLog:
    name: str
    acknowledged: list[tuple[int, str, int]] = field(default_factory=list)  # record, request id, decision id
    latencies: list[float] = field(default_factory=list)
    #: The same, for the decisions answered before the kill (the server warm, never restarted).
    before_kill: list[float] = field(default_factory=list)
    errors: int = 0


def run(*args: str, env: dict[str, str], stdin: str | None = None) -> str:
    return run_triage(*args, env=env, stdin=stdin).stdout


@contextmanager
def postgres_project(work: Path, records: int) -> Iterator[tuple[dict[str, str], Path]]:
    """A throwaway PostgreSQL in ``work / "pg"`` holding a project of ``records`` pooled records
    (preset tfidf): the environment that names it and the project folder; stopped at the end."""
    work.chmod(0o755)  # PostgreSQL runs as its own user (pg-dev.sh, as root) and must reach its folder
    pg_dir = work / "pg"
    url = subprocess.run(["bash", str(ROOT / "scripts" / "pg-dev.sh"), "start", str(pg_dir)], capture_output=True,
                         text=True, check=True).stdout.strip()
    try:
        env = dict(os.environ, TRIAGE_DATABASE=url, TRIAGE_EMBEDDINGS="background")
        project, corpus = work / "project", work / "records.csv"
        write_pooled_corpus(corpus, records)
        run("init", str(project), env=env)
        run("settings", "preset", "tfidf", "-p", str(project), env=env)
        run("import", str(corpus), "-p", str(project), env=env)
        yield env, project
    finally:
        subprocess.run(["bash", str(ROOT / "scripts" / "pg-dev.sh"), "stop", str(pg_dir)], check=False)


def reviewer_loop(base: str, log: ClientLog, stop: threading.Event, down: threading.Event,
                  killed: threading.Event, think: float = 0.0) -> None:
    client = httpx.Client(base_url=base, timeout=30)
    csrf = None
    card: dict[str, object] | None = None
    while not stop.is_set():
        try:
            if csrf is None:
                csrf = login(client, log.name, PASSWORD)
                card = None
            if card is None:
                fetched = client.get("/screen/card", headers={"Accept": "application/json"})
                if fetched.status_code in (401, 403):  # the session died with the killed server
                    csrf = None
                    continue
                card = fetched.json()
            record, html = card.get("record_id"), str(card.get("html", ""))
            found = REQUEST.search(html)
            if record is None or found is None:
                time.sleep(0.5)
                card = None
                continue
            request_id = found.group(1)
            if think and stop.wait(think):  # reading the card before the key press
                break
            started = time.perf_counter()
            answer = client.post("/screen/decide", data={
                "record_id": str(record), "decision": "exclude" if int(str(record)) % 5 else "include",
                "request_id": request_id,
            }, headers={"X-CSRF-Token": csrf, "Accept": "application/json"})
            elapsed = time.perf_counter() - started
            if answer.status_code == 200 and answer.headers.get("X-Decision-Id"):
                log.acknowledged.append((int(str(record)), request_id, int(answer.headers["X-Decision-Id"])))
                if not down.is_set():
                    log.latencies.append(elapsed)
                    if not killed.is_set():
                        log.before_kill.append(elapsed)
                card = answer.json()
            else:
                log.errors += 1
                card = None
                if answer.status_code in (401, 403):  # a restarted server signs sessions anew: log in again
                    csrf = None
        except (httpx.HTTPError, ValueError):
            log.errors += 1
            time.sleep(0.3)  # the server is down (the kill) or restarting: try again
            card = None
            csrf = None  # after a restart the old session is void (and an answer that is no JSON: the login page)
    client.close()


def postgres_cpu_seconds(pg_dir: Path) -> float:
    """CPU seconds of the cluster so far: the postmaster, its live backends, and the backends
    that ended (the postmaster's waited-for children)."""
    ticks = os.sysconf("SC_CLK_TCK")
    postmaster = int((pg_dir / "data" / "postmaster.pid").read_text().split()[0])
    total = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, parent = int(proc.name), int(fields[1])
        if pid == postmaster or parent == postmaster:
            total += int(fields[11]) + int(fields[12])  # utime, stime
            if pid == postmaster:
                total += int(fields[13]) + int(fields[14])  # cutime, cstime
    return total / ticks


def _shown(path: Path) -> str:
    """``path`` as the command line names it: relative to the repository where inside it."""
    full = path.resolve()
    return str(full.relative_to(ROOT)) if full.is_relative_to(ROOT) else str(full)


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def stored(project: Path, env: dict[str, str]) -> list[tuple[int, str | None, int]]:
    code = ("import json, sys\nfrom triage.store.db import Project\nfrom triage.store.decisions import decision_history\n"
            "import os\nwith Project.open(sys.argv[1], os.environ['TRIAGE_DATABASE']) as p, p.reading() as s:\n"
            "    print(json.dumps([[r.id, r.request_id, r.record_id] for r in decision_history(s)]))\n")
    done = subprocess.run([sys.executable, "-c", code, str(project)], capture_output=True, text=True, env=env,
                          check=True)
    import json

    return [tuple(x) for x in json.loads(done.stdout)]  # type: ignore[misc]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--reviewers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--no-kill", action="store_true", help="no kill -9 in the middle")
    parser.add_argument("--think", type=float, default=0.0,
                        help="seconds each reviewer reads a card before the key press (default 0: as fast as the "
                             "server answers)")
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT)
    parser.add_argument("--profile", type=Path, default=None,
                        help="record the first server with py-spy (on PATH) while the load runs, as py-spy's raw "
                             "(collapsed stack) text")
    parser.add_argument("--profile-wall", action="store_true",
                        help="with --profile: every thread at every sample, waiting ones too (where requests queue); "
                             "default: only samples holding the interpreter lock (who keeps the others waiting)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="triage-load-") as tmp, postgres_project(Path(tmp), args.records) as made:
        work, pg_dir = Path(tmp), Path(tmp) / "pg"
        env, project = made
        run("users", "add", "lead", "--role", "lead", "--password-stdin", "-p", str(project), env=env,
            stdin=PASSWORD + "\n")
        names = [f"reviewer{i:02d}" for i in range(1, args.reviewers + 1)]
        for name in names:
            run("users", "add", name, "--role", "reviewer", "--password-stdin", "-p", str(project),
                env=dict(env, TRIAGE_REVIEWER="lead"), stdin=PASSWORD + "\n")
        port = free_port()
        server_log = work / "server.log"
        server = start_server(project, port, env, server_log)
        base = f"http://127.0.0.1:{port}"
        # The first ranking is built when the screening page is first asked for.
        warm = httpx.Client(base_url=base, timeout=600)
        login(warm, "lead", PASSWORD)
        warm.get("/screen/card", headers={"Accept": "application/json"})
        warm.close()
        logs = [ClientLog(name) for name in names]
        stop, down, killed = threading.Event(), threading.Event(), threading.Event()
        threads = [threading.Thread(target=reviewer_loop, args=(base, log, stop, down, killed, args.think))
                   for log in logs]
        load_before = os.getloadavg()[0]
        cpu_before = (cpu_seconds(resource.RUSAGE_CHILDREN), cpu_seconds(resource.RUSAGE_SELF),
                      postgres_cpu_seconds(pg_dir))
        started = time.monotonic()
        for t in threads:
            t.start()
        spy = None
        if args.profile is not None:
            seconds = args.seconds if args.no_kill else args.seconds / 2
            spy = subprocess.Popen(["py-spy", "record", "--idle" if args.profile_wall else "--gil", "--threads",
                                    "-r", "50", "-f", "raw", "-d",
                                    f"{max(1, int(seconds) - 2)}", "-o", str(args.profile), "-p", str(server.pid)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        restart_s = None
        if not args.no_kill:
            time.sleep(args.seconds / 2)
            down.set()
            killed.set()
            os.kill(server.pid, signal.SIGKILL)
            server.wait()
            killed = time.monotonic()
            server = start_server(project, port, env, server_log)
            restart_s = time.monotonic() - killed
            time.sleep(3)
            down.clear()
        time.sleep(max(0.0, args.seconds - (time.monotonic() - started)))
        stop.set()
        for t in threads:
            t.join(timeout=60)
        load_after = os.getloadavg()[0]
        pg_cpu = postgres_cpu_seconds(pg_dir) - cpu_before[2]
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        server_cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - cpu_before[0]  # both server processes
        clients_cpu = cpu_seconds(resource.RUSAGE_SELF) - cpu_before[1]
        rows = stored(project, env)
        if spy is not None:
            spy.wait(timeout=60)
    by_id = {decision_id: (request_id, record) for decision_id, request_id, record in rows}
    acknowledged = [a for log in logs for a in log.acknowledged]
    lost = [a for a in acknowledged if a[2] not in by_id or by_id[a[2]][0] != a[1]]
    request_ids = [request_id for request_id, _ in by_id.values() if request_id]
    duplicated = len(request_ids) - len(set(request_ids))
    p50, p95 = percentiles([x for log in logs for x in log.latencies])
    warm50, warm95 = percentiles([x for log in logs for x in log.before_kill])
    errors = sum(log.errors for log in logs)
    lines = [
        f"# Team server under load: {args.reviewers} reviewers, {args.records:,} records, PostgreSQL",
        "",
        (f"Command: `nice .venv/bin/python evaluation/bench_team_load.py --records {args.records} --reviewers "
        f"{args.reviewers} --seconds {args.seconds:g}{' --no-kill' if args.no_kill else ''}"
        f"{f' --think {args.think:g}' if args.think else ''}"
        f"{'' if args.report.resolve() == DEFAULT_REPORT else f' --report {_shown(args.report)}'}`"),
        "",
        (f"Machine: {os.cpu_count()} cores shared with other work, load average (1 min) {load_before:.1f} as the"
        f" load began and {load_after:.1f} as it ended; the server, PostgreSQL and all {args.reviewers} clients on it"
        f" (preset tfidf). Each reviewer {'presses a key as soon as its card arrives' if not args.think else f'reads each card {args.think:g} s before the key press'}."),
        "",
        "| measure | value |",
        "|---|---|",
        f"| decisions acknowledged by the server | {len(acknowledged)} |",
        f"| decisions in the store | {len(rows)} |",
        f"| acknowledged but lost | {len(lost)} |",
        f"| recorded twice (same request id) | {duplicated} |",
        f"| key press to next card, p50 / p95 (ms, outside the restart) | {p50:.0f} / {p95:.0f} |",
        f"| key press to next card, p50 / p95 (ms, before the kill: the first server, warm) | {warm50:.0f} / {warm95:.0f} |",
        f"| client errors (connection refused during the restart, retried) | {errors} |",
        f"| kill -9 then restart until it answered (s) | {'not killed' if restart_s is None else f'{restart_s:.1f}'} |",
        f"| decisions per second (acknowledged / {args.seconds:g} s) | {len(acknowledged) / args.seconds:.1f} |",
        (f"| CPU seconds during the load: server (both processes, its restart's first ranking included) / "
        f"PostgreSQL / the {args.reviewers} clients | {server_cpu:.0f} / {pg_cpu:.0f} / {clients_cpu:.0f} |"),
    ]
    write_keeping_hand_written(args.report, "\n".join(lines))
    print(args.report.read_text())


if __name__ == "__main__":
    main()
