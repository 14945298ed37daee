"""Embeddings computed in the background, so no reviewer waits for them.

The first ranking of a large project would otherwise embed every record before showing
one (minutes on a CPU). A command that finds vectors missing ranks without them (TF-IDF
and the criteria's words) and starts this module as a separate process, detached from the
terminal; it embeds the missing records shortest first, storing them a chunk at a time,
and the next command that finds them all there ranks with them (the kept order says it
was ranked while they were pending, so it is rebuilt; see ``ranking_state``).

One run per project at a time: a lock file in the project directory holds the process id;
a lock whose process is gone (killed, machine restarted) is taken over.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from triage.embeddings import Encoder, load_encoder
from triage.errors import TriageError
from triage.store.db import Project
from triage.store.records import screenable_records

if TYPE_CHECKING:
    from triage.screening.embedding_cache import EmbeddingProgress

__all__ = ["CHUNK", "LOCK_FILE", "embed_project", "embedding_lock", "embedding_running", "run", "start"]

LOCK_FILE = "embedding.lock"
LOG_FILE = "embedding.log"
#: Vectors stored per transaction: each chunk is visible to readers once written.
CHUNK = 512


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def embedding_running(project: Project) -> bool:
    """True while a background run for this project is alive."""
    lock = project.directory / LOCK_FILE
    try:
        pid = int(lock.read_text().strip() or 0)
    except (OSError, ValueError):
        return False
    return pid > 0 and _alive(pid)


def start(project: Project) -> bool:
    """Start a background run unless one is alive; returns True if one was started.

    The child opens the same store: a PostgreSQL URL travels in its environment
    (``TRIAGE_DATABASE``), never on its command line, where other users could read it."""
    if embedding_running(project):
        return False
    env = dict(os.environ)
    if project.database is not None:
        env["TRIAGE_DATABASE"] = project.database
    # posix_spawn rather than subprocess.Popen: the run is meant to outlive this command,
    # and a Popen object dropped while its child lives warns about it.
    log = str(project.directory / LOG_FILE)
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ]
    os.posix_spawn(sys.executable, [sys.executable, "-m", "triage.screening.background_embeddings",
                                    str(project.directory)], env, file_actions=actions, setsid=True)
    return True


@contextmanager
def embedding_lock(project: Project) -> Iterator[bool]:
    """Hold the project's embedding lock for the block: yields False (and holds nothing)
    when a live run holds it, True otherwise; a dead run's lock is taken over.

    Both the background run and ``triage embed`` take it, so one project never has two
    processes embedding the same records."""
    lock = project.directory / LOCK_FILE
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        if embedding_running(project):
            yield False
            return
        lock.unlink(missing_ok=True)  # a dead run's lock
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    try:
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        yield True
    finally:
        lock.unlink(missing_ok=True)


def embed_project(project: Project, encoder: Encoder, progress: EmbeddingProgress | None = None, *,
                  chunk: int = CHUNK) -> tuple[int, int]:
    """Embed every screenable record missing a vector, shortest first, storing each chunk
    as it is done (a run stopped half way keeps what it stored); returns (records, embedded).
    The caller holds :func:`embedding_lock`."""
    from triage.screening.embedding_cache import embed_missing, stored_embedding_matrix

    with project.reading() as session:
        pairs = screenable_records(session)
    ids, records = [rid for rid, _ in pairs], [r for _, r in pairs]
    _, missing = stored_embedding_matrix(project, ids, records, encoder.name)
    if missing:
        embed_missing(project, ids, records, encoder, missing, chunk=chunk, progress=progress)
    return len(ids), len(missing)


def run(project: Project) -> int:
    """Embed every screenable record missing a vector (in this process); returns how many.

    Returns 0 at once if another run holds the project's lock."""
    with embedding_lock(project) as held:
        if not held:
            return 0
        path = project.get_setting("embedding_model")
        return embed_project(project, load_encoder(str(path) if path else None))[1]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m triage.screening.background_embeddings PROJECT_DIR", file=sys.stderr)
        return 2
    try:
        with Project.open(Path(args[0]), os.environ.get("TRIAGE_DATABASE") or None) as project:
            done = run(project)
    except TriageError as exc:
        print(f"background embeddings: {exc}", file=sys.stderr)
        return 1
    print(f"background embeddings: {done} records embedded", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
