"""``triage users``: the team on a shared project: users, their roles, deactivation.

The first user makes a project a team project: the web app asks for a login and
commands that decide act as a named user (:mod:`triage.cli.acting`). Roles are per
project: one database is one review, so a server with several reviews gives a person
a role in each.
"""

from __future__ import annotations

import getpass
import json
import sys
import warnings
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from triage.cli.acting import REVIEWER_ENV
from triage.cli.app import app, console, fail, list_when_alone, listing_sub_app
from triage.cli.options import ProjectOption, open_project
from triage.roles import ROLES
from triage.store import users as store

__all__ = ["users_app"]

users_app = listing_sub_app("Team accounts on this project: add users with a role, change roles, deactivate "
                            "(no subcommand: list them).")
app.add_typer(users_app, name="users")

RoleArgument = Annotated[str, typer.Argument(help=f"One of {', '.join(ROLES)}.")]
PasswordStdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input (scripts).")
]


def _password(from_stdin: bool) -> str:
    """The new password: the first line of stdin, or typed twice at a hidden prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    try:
        with warnings.catch_warnings():
            # Without a terminal (a script, a pipe) getpass warns in Python's words that the
            # password may be echoed; what the user needs is the option below, said on EOF.
            warnings.simplefilter("ignore", getpass.GetPassWarning)
            entered: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    except typer.Abort:
        fail("no password was typed; type it at the prompt, or in a script pass --password-stdin "
             "with the password on the first line of standard input")
    return entered


@users_app.command("add")
def add_command(
    name: str,
    role: Annotated[str, typer.Option("--role", help=f"One of {', '.join(ROLES)}.")],
    password_stdin: PasswordStdinOption = False,
    project_dir: ProjectOption = None,
) -> None:
    """Add a user with a role (the first user makes this a team project: logins and roles apply)."""
    if role not in ROLES:
        fail(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    with open_project(project_dir) as project:
        password = _password(password_stdin)
        with project.transaction() as session:
            first = not store.has_users(session)
            user = store.add_user(session, name, role, password)
    console.print(escape(f"added {user.name} ({user.role})"))
    if first:
        console.print("This is now a team project: the web app asks for a login and commands that decide "
                      f"need --reviewer NAME (or ${REVIEWER_ENV}).")
        if user.role != "lead":
            console.print("[yellow]note:[/] nobody is lead yet; add one with --role lead to change settings or export")


@users_app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines: one object per user.")] = False,
    project_dir: ProjectOption = None,
) -> None:
    """The project's users: name, role, active or since when deactivated."""
    with open_project(project_dir) as project, project.reading() as session:
        users = store.list_users(session)
    if as_json:
        for u in users:
            print(json.dumps({"name": u.name, "role": u.role, "active": u.active,
                              "created_at": u.created_at.isoformat(),
                              "deactivated_at": u.deactivated_at.isoformat() if u.deactivated_at else None},
                             ensure_ascii=False))
        return
    if not users:
        console.print("No users: this is a one-person project (add one with 'triage users add NAME --role lead').")
        return
    table = Table("name", "role", "active", "added", title=f"{len(users)} users")
    for u in users:
        state = "yes" if u.active else f"no (since {u.deactivated_at:%Y-%m-%d})" if u.deactivated_at else "no"
        table.add_row(escape(u.name), u.role, state, f"{u.created_at:%Y-%m-%d}")
    console.print(table)


list_when_alone(users_app, list_command)


@users_app.command("role")
def role_command(name: str, role: RoleArgument, project_dir: ProjectOption = None) -> None:
    """Give a user another role (their earlier decisions keep their name)."""
    with open_project(project_dir) as project, project.transaction() as session:
        user = store.set_role(session, name, role)
    console.print(escape(f"{user.name} is now {user.role}"))


@users_app.command("deactivate")
def deactivate_command(name: str, project_dir: ProjectOption = None) -> None:
    """Stop a user from logging in or acting; their decisions stay attributed to them."""
    with open_project(project_dir) as project, project.transaction() as session:
        user = store.deactivate(session, name)
    console.print(escape(f"deactivated {user.name}; their decisions stay theirs"))


@users_app.command("activate")
def activate_command(name: str, project_dir: ProjectOption = None) -> None:
    """Let a deactivated user log in and act again."""
    with open_project(project_dir) as project, project.transaction() as session:
        user = store.activate(session, name)
    console.print(escape(f"activated {user.name} ({user.role})"))


@users_app.command("password")
def password_command(name: str, password_stdin: PasswordStdinOption = False, project_dir: ProjectOption = None) -> None:
    """Set a new password for a user (their browsers have to log in again)."""
    with open_project(project_dir) as project:
        password = _password(password_stdin)
        with project.transaction() as session:
            user = store.set_password(session, name, password)
    console.print(escape(f"new password set for {user.name}"))
