"""``triage users`` and the CLI on a team project (issue 16), on SQLite and PostgreSQL.

The first user makes a project a team project: commands that decide act as a named,
active user whose role allows it, or end in one clear line. A project without users
keeps working as before (the other CLI tests, unchanged, pin that).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from triage.cli.main import app as cli
from triage.store.db import Project
from triage.store.decisions import decision_history
from triage.store.users import check_password, find_user


def run(project: Project, *args: str, input: str | None = None, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [*args, "-p", str(project.directory)], input=input, env=env)
    return result.exit_code, result.output


def _record(project: Project, path: Path) -> None:
    path.write_text("TY  - JOUR\nTI  - A trial of something\nPY  - 2020\nER  - \n"
                    "TY  - JOUR\nTI  - Another study entirely\nPY  - 2021\nER  - \n", encoding="utf-8")
    assert run(project, "import", str(path))[0] == 0


def test_users_add_list_role_deactivate(project: Project) -> None:
    code, out = run(project, "users", "add", "ana", "--role", "lead", "--password-stdin", input="ana-secret-1\n")
    assert code == 0 and "added ana (lead)" in out and "This is now a team project" in out
    code, out = run(project, "users", "add", "ben", "--role", "reviewer", input="ben-secret-2\nben-secret-2\n")
    assert code == 0, out  # typed twice at a hidden prompt
    assert "ben-secret-2" not in out
    with project.reading() as session:
        assert check_password(session, "ben", "ben-secret-2") is not None
        assert check_password(session, "ben", "ana-secret-1") is None
    code, out = run(project, "users", "add", "ana", "--role", "coder", "--password-stdin", input="whatever-123\n")
    assert code == 1 and "error: a user named 'ana' exists already" in out
    code, out = run(project, "users", "add", "cat", "--role", "boss", "--password-stdin", input="whatever-123\n")
    assert code == 1 and "error: unknown role 'boss'; use one of lead, reviewer, coder" in out
    code, out = run(project, "users", "add", "cat", "--role", "coder", "--password-stdin", input="short\n")
    assert code == 1 and "error: a password needs at least 8 characters; choose a longer one" in out
    code, out = run(project, "users", "deactivate", "ana")
    assert code == 1 and "error: ana is the only active lead; make another user lead first" in out
    assert run(project, "users", "role", "ben", "lead") == (0, "ben is now lead\n")
    assert run(project, "users", "deactivate", "ana")[0] == 0
    code, out = run(project, "users", "list", "--json")
    listed = [json.loads(line) for line in out.splitlines()]
    assert [(u["name"], u["role"], u["active"]) for u in listed] == [("ana", "lead", False), ("ben", "lead", True)]
    assert listed[0]["deactivated_at"] is not None
    assert run(project, "users", "activate", "ana")[0] == 0
    with project.reading() as session:
        ana = find_user(session, "ana")
        assert ana is not None and ana.active


def test_a_team_members_commands_act_as_a_named_user_with_their_role(project: Project, tmp_path: Path) -> None:
    _record(project, tmp_path / "two.ris")
    assert run(project, "decide", "1", "include", "--reviewer", "solo")[0] == 0  # no users yet: as before
    for name, role in (("ana", "lead"), ("ben", "reviewer"), ("cat", "coder")):
        assert run(project, "users", "add", name, "--role", role, "--password-stdin", input=f"{name}-secret-1\n")[0] == 0
    env = {"TRIAGE_REVIEWER": ""}
    code, out = run(project, "decide", "2", "include", env=env)
    assert (code, out) == (1, ("error: this is a team project: say who you are; pass --reviewer NAME (or set "
                               "TRIAGE_REVIEWER) to a user from 'triage users list'\n"))
    assert run(project, "decide", "2", "include", "--reviewer", "eve", env=env) == (
        1, "error: 'eve' is not a user of this project; see 'triage users list'\n")
    assert run(project, "decide", "2", "include", "--reviewer", "cat", env=env) == (
        1, "error: cat is a coder and may not record screening decisions; ask a lead or reviewer to do it\n")
    assert run(project, "decide", "2", "exclude", "--reason", "population", env={"TRIAGE_REVIEWER": "ben"})[0] == 0
    assert run(project, "settings", "recall_target", "0.9", "--reviewer", "ben", env=env) == (
        1, "error: ben is a reviewer and may not change settings or criteria; ask a lead to do it\n")
    assert run(project, "export", str(tmp_path / "out.ris"), env={"TRIAGE_REVIEWER": "ben"}) == (
        1, "error: ben is a reviewer and may not export records, decisions or coding; ask a lead to do it\n")
    assert run(project, "backup", str(tmp_path / "b.sqlite"), "--reviewer", "cat", env=env)[0] == 1
    assert run(project, "settings", "recall_target", "0.9", "--reviewer", "ana", env=env)[0] == 0
    assert run(project, "export", str(tmp_path / "out.ris"), "--reviewer", "ana", env=env)[0] == 0
    project.set_setting("reviewer", "ana")  # a shared setting names nobody on a team project
    assert run(project, "decide", "2", "include", env=env)[0] == 1
    assert run(project, "users", "deactivate", "ben")[0] == 0
    assert run(project, "decide", "2", "include", "--reviewer", "ben", env=env) == (
        1, "error: ben was deactivated; a lead can 'triage users activate' them\n")
    with project.reading() as session:
        assert [(r.record_id, r.decision, r.reviewer) for r in decision_history(session)] == [
            (1, "include", "solo"), (2, "exclude", "ben")]  # ben's decision stays his


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow  # a server process starting (10-20 s on a busy machine)
def test_serve_takes_database_and_beyond_loopback_says_tls_and_asks_for_a_login(
    project: Project, database: str | None
) -> None:
    """The real command in a process: ``--database`` opens the store, ``--host 0.0.0.0`` warns."""
    port = _free_port()
    args = [sys.executable, "-m", "triage.cli.main", "serve", "--host", "0.0.0.0", "--port", str(port),
            "-p", str(project.directory)]
    if database is not None:
        args += ["--database", database]
    env = {k: v for k, v in os.environ.items() if k != "TRIAGE_DATABASE"}  # only --database names the store
    server = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        warning = server.stdout.readline() if server.stdout else ""
        assert "behind a TLS reverse proxy" in warning, warning
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
            except urllib.error.HTTPError as exc:
                assert exc.code == 401  # no users yet, but the network can reach it: a login is needed
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline and server.poll() is None, "serve did not start"
                time.sleep(0.3)
                continue
            pytest.fail("the dashboard answered without a login")
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stdout is not None:
            server.stdout.close()


def test_on_a_team_project_only_a_lead_backs_up_and_restores_over_it(project: Project, tmp_path: Path) -> None:
    _record(project, tmp_path / "two.ris")
    for name, role in (("ana", "lead"), ("ben", "reviewer")):
        assert run(project, "users", "add", name, "--role", role, "--password-stdin", input=f"{name}-secret-1\n")[0] == 0
    assert run(project, "decide", "1", "include", "--reviewer", "ben")[0] == 0
    backup = str(tmp_path / "review.backup")
    assert run(project, "backup", backup, "--reviewer", "ben") == (
        1, "error: ben is a reviewer and may not back up or restore the project; ask a lead to do it\n")
    assert run(project, "backup", backup, "--reviewer", "ana")[0] == 0
    assert run(project, "decide", "2", "include", "--reviewer", "ben")[0] == 0
    project.close()
    assert run(project, "restore", backup, "--replace", "--reviewer", "ben")[0] == 1
    code, out = run(project, "restore", backup, "--replace", "--reviewer", "ana")
    assert code == 0, out
    with Project.open(project.directory, project.database) as restored, restored.reading() as session:
        assert [(r.record_id, r.reviewer) for r in decision_history(session)] == [(1, "ben")]
        assert check_password(session, "ben", "ben-secret-1") is not None  # the team came back with it



def test_only_a_lead_allocates_and_resolves_on_a_team_project(project: Project, tmp_path: Path) -> None:
    _record(project, tmp_path / "two.ris")
    for name, role in (("ana", "lead"), ("ben", "reviewer")):
        assert run(project, "users", "add", name, "--role", role, "--password-stdin", input=f"{name}-secret-1\n",
                   env={"TRIAGE_REVIEWER": "ana"})[0] == 0
    for args in (("allocate", "--reviewers", "ben,ana", "--double", "all"), ("resolve", "1", "include", "--note", "x")):
        code, out = run(project, *args, "--by", "ben")
        assert code == 1 and "ben is a reviewer and may not" in out, out
    code, out = run(project, "allocate", "--reviewers", "ben,ana", "--double", "all", "--by", "ana")
    assert code == 0, out


def test_users_add_without_a_terminal_says_how_to_give_the_password(project: Project) -> None:
    """In a script with nothing on standard input, `users add` printed Python's GetPassWarning
    and "Aborted."; it now says in one line how to pass the password, and adds nobody."""
    answer = subprocess.run(
        [sys.executable, "-m", "triage.cli.main", "users", "add", "lea", "--role", "lead", "-p", str(project.directory)],
        check=False, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )
    said = answer.stdout + answer.stderr
    assert answer.returncode == 1, said
    assert "GetPassWarning" not in said and "Traceback" not in said
    assert "error: no password was typed; type it at the prompt, or in a script pass --password-stdin" in said
    assert run(project, "users", "list", "--json")[1].strip() == ""
