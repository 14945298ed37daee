"""Roles on a team project and what each may do: one table for the web and the CLI.

A project with no users is one person's: everything is allowed and nobody is asked who
they are (the embedded default). Once ``triage users add`` has made a user, every change
is made by a named, active user whose role allows it. The roles follow how reviews are
run (Cochrane Handbook ch. 4; Covidence's "administrator" and "reviewer"): the lead sets
the review up and settles disagreements, reviewers screen, coders code the included
studies' results.
"""

from __future__ import annotations

from typing import Literal, get_args

from triage.errors import AccessError

__all__ = ["ACTIONS", "ROLES", "Action", "Role", "allowed", "check_allowed", "roles_allowed"]

Role = Literal["lead", "reviewer", "coder"]
#: The roles a user can have, most powerful first.
ROLES: tuple[Role, ...] = get_args(Role)

Action = Literal[
    "view", "screen", "dedup_review", "dedup_run", "code", "settings", "resolve", "export", "backup", "manage",
    "sources", "users", "codebook",
]

#: What each action is, and who may do it. ``view`` is reading the pages (any logged-in user).
ACTIONS: dict[Action, tuple[str, frozenset[Role]]] = {
    "view": ("read the dashboard, history and pages", frozenset(ROLES)),
    "screen": ("record screening decisions", frozenset({"lead", "reviewer"})),
    "dedup_review": ("decide possible duplicates", frozenset({"lead", "reviewer"})),
    "dedup_run": ("run deduplication over the project", frozenset({"lead"})),
    "code": ("apply codes and edit the codebook", frozenset({"lead", "coder"})),
    "settings": ("change settings or criteria", frozenset({"lead"})),
    "resolve": ("resolve conflicts between reviewers", frozenset({"lead"})),
    "export": ("export records, decisions or coding", frozenset({"lead"})),
    "backup": ("back up or restore the project", frozenset({"lead"})),
    "manage": ("change the project this way (a lead's page)", frozenset({"lead"})),
    "sources": ("import files, take an import back or record a search round", frozenset({"lead"})),
    "users": ("add users, change their roles or deactivate them", frozenset({"lead"})),
    "codebook": ("merge, split or move codes in the codebook", frozenset({"lead"})),
}


def allowed(role: str, action: Action) -> bool:
    """Whether ``role`` may do ``action`` (an unknown role may do nothing)."""
    return role in ACTIONS[action][1]


def roles_allowed(action: Action) -> list[Role]:
    """The roles that may do ``action``, in :data:`ROLES` order (for error messages)."""
    return [role for role in ROLES if role in ACTIONS[action][1]]


def check_allowed(name: str, role: str, action: Action) -> None:
    """Raise AccessError (the one wording for web and CLI) unless ``role`` may do ``action``."""
    if not allowed(role, action):
        raise AccessError(f"{name} is a {role} and may not {ACTIONS[action][0]}",
                          hint=f"ask a {' or '.join(roles_allowed(action))} to do it")
