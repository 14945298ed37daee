"""Who a command acts as on a team project, checked against their role.

A project without users is one person's and every command works as before. Once a
user exists (``triage users add``), commands that decide or change the project act as a
named user: ``--reviewer`` or ``$TRIAGE_REVIEWER`` (the project-wide 'reviewer' setting
is not used, since everyone on the server shares it), who must be active and whose role
allows the change (:mod:`triage.roles`). The CLI reaches the database directly, so this
is attribution and a guard against mistakes, not a lock against a person holding the
database password; the web app is where logins are checked.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from triage.errors import DecisionError
from triage.roles import Action
from triage.store.db import Project
from triage.store.users import acting_user

__all__ = ["REVIEWER_ENV", "TeamMemberOption", "act_as", "acting_name"]

#: Environment variable naming who a team member's commands act as.
REVIEWER_ENV = "TRIAGE_REVIEWER"

TeamMemberOption = Annotated[
    str | None,
    typer.Option("--reviewer", help="On a team project: the user you act as (default: $TRIAGE_REVIEWER)."),
]


def act_as(project: Project, given: str | None, action: Action) -> str | None:
    """On a team project, the name of the active user acting (``given`` or ``$TRIAGE_REVIEWER``),
    checked for ``action``; None on a project without users (callers keep their old default).

    Raises AccessError (one line at the CLI) when nobody, an unknown or deactivated user,
    or a role that may not do this is named.
    """
    with project.reading() as session:
        user = acting_user(session, given or os.environ.get(REVIEWER_ENV), action)
    return user.name if user is not None else None


def acting_name(project: Project, given: str | None, action: Action, *, what: str, option: str = "--reviewer") -> str:
    """Who a decision or change is recorded under: on a team project the active user
    (:func:`act_as`); otherwise ``given``, ``$TRIAGE_REVIEWER`` or the project's 'reviewer'
    setting, in that order. ``what`` names the record in the one-line error when none is set
    ("a screening decision", "a codebook change"), ``option`` the command's option for the name."""
    if (member := act_as(project, given, action)) is not None:
        return member
    name = given or os.environ.get(REVIEWER_ENV) or project.get_setting("reviewer")
    if not name:
        raise DecisionError(f"{what} is recorded with who made it, and no name was given",
                            hint=f"pass {option} NAME, set {REVIEWER_ENV}=NAME, or once for the project: "
                                 "triage settings reviewer NAME")
    return str(name)
