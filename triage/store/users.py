"""The project's users: adding them, roles, deactivation, passwords and web sessions.

A project with no users is one person's and nothing here is consulted. Passwords are
kept only as argon2id hashes (argon2-cffi, RFC 9106 defaults); the password itself is
never stored or logged. A user is never deleted: :func:`deactivate` keeps the row (and so
the name on every decision they made) but ends their sessions and refuses their login.
Web sessions are random ids handed to the browser; the store keeps their SHA-256 only.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from triage.errors import AccessError, TriageError
from triage.roles import ROLES, Action, check_allowed
from triage.store.base import utcnow
from triage.store.schema_users import UserRow, UserSessionRow

__all__ = [
    "MAX_NAME",
    "MIN_PASSWORD",
    "SESSION_LIFETIME",
    "User",
    "UserError",
    "acting_user",
    "activate",
    "add_user",
    "check_password",
    "deactivate",
    "end_session",
    "find_user",
    "has_users",
    "list_users",
    "session_user",
    "set_password",
    "set_role",
    "start_session",
]

#: Longest user name (names go into every decision row, as the web's reviewer names).
MAX_NAME = 80
#: Shortest password accepted (NIST SP 800-63B 5.1.1.2: at least 8 characters).
MIN_PASSWORD = 8
#: Longest password hashed (argon2 takes any length; this only stops absurd request bodies).
MAX_PASSWORD = 1024
#: How long a web login lasts: a working day, then the browser logs in again.
SESSION_LIFETIME = timedelta(hours=12)


class UserError(TriageError):
    """A user cannot be added or changed as asked (name taken, unknown role, short password...)."""


@dataclass(frozen=True)
class User:
    """A team member as the web and CLI see them (never with the password hash)."""

    id: int
    name: str
    role: str
    active: bool
    created_at: datetime
    deactivated_at: datetime | None


def _user(row: UserRow) -> User:
    return User(row.id, row.name, row.role, row.active, row.created_at, row.deactivated_at)


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise UserError("a user name cannot be empty", hint="give the name to record on their decisions")
    if len(cleaned) > MAX_NAME:
        raise UserError(f"a user name has at most {MAX_NAME} characters", hint="use a shorter name")
    return cleaned


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}", hint=f"use one of {', '.join(ROLES)}")
    return role


def _hash(password: str) -> str:
    from argon2 import PasswordHasher

    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters", hint="choose a longer one")
    if len(password) > MAX_PASSWORD:
        raise UserError(f"a password has at most {MAX_PASSWORD} characters", hint="choose a shorter one")
    return PasswordHasher().hash(password)


@cache
def _dummy_hash() -> str:
    """A hash to check unknown names against, so a login for a missing user takes as long."""
    from argon2 import PasswordHasher

    return PasswordHasher().hash(secrets.token_urlsafe(16))


def _row(session: Session, name: str) -> UserRow:
    row = session.execute(select(UserRow).where(UserRow.name == " ".join(name.split()))).scalar_one_or_none()
    if row is None:
        raise UserError(f"no user named {name!r}", hint="see 'triage users list'")
    return row


def has_users(session: Session) -> bool:
    """Whether the project is a team project (it has at least one user, active or not)."""
    return session.execute(select(UserRow.id).limit(1)).first() is not None


def list_users(session: Session) -> list[User]:
    """Every user, active or not, in the order they were added."""
    return [_user(row) for row in session.execute(select(UserRow).order_by(UserRow.id)).scalars()]


def find_user(session: Session, name: str) -> User | None:
    """The user called ``name`` (spaces normalised), or None."""
    row = session.execute(select(UserRow).where(UserRow.name == " ".join(name.split()))).scalar_one_or_none()
    return _user(row) if row is not None else None


def add_user(session: Session, name: str, role: str, password: str) -> User:
    """Add an active user; a taken name (even a deactivated one) is refused."""
    name, role = _clean_name(name), _check_role(role)
    if find_user(session, name) is not None:
        raise UserError(f"a user named {name!r} exists already",
                        hint="choose another name, or 'triage users activate' a deactivated one")
    row = UserRow(name=name, role=role, password_hash=_hash(password), active=True, created_at=utcnow())
    session.add(row)
    session.flush()
    return _user(row)


def _keeps_a_lead(session: Session, row: UserRow) -> None:
    """Refuse to leave a team project without an active lead (nobody could change settings)."""
    leads = session.execute(select(UserRow.id).where(UserRow.role == "lead", UserRow.active.is_(True))).scalars()
    if row.role == "lead" and row.active and set(leads) == {row.id}:
        raise UserError(f"{row.name} is the only active lead", hint="make another user lead first")


def set_role(session: Session, name: str, role: str) -> User:
    """Give ``name`` another role (their earlier decisions keep their name)."""
    row, role = _row(session, name), _check_role(role)
    if role != "lead":
        _keeps_a_lead(session, row)
    row.role = role
    return _user(row)


def deactivate(session: Session, name: str) -> User:
    """Refuse ``name``'s logins from now on and end their sessions; their decisions stay theirs."""
    row = _row(session, name)
    _keeps_a_lead(session, row)
    row.active, row.deactivated_at = False, utcnow()
    session.execute(delete(UserSessionRow).where(UserSessionRow.user_id == row.id))
    return _user(row)


def activate(session: Session, name: str) -> User:
    """Let a deactivated user log in again (with their old password)."""
    row = _row(session, name)
    row.active, row.deactivated_at = True, None
    return _user(row)


def set_password(session: Session, name: str, password: str) -> User:
    """Replace ``name``'s password; every browser logged in as them has to log in again."""
    row = _row(session, name)
    row.password_hash = _hash(password)
    session.execute(delete(UserSessionRow).where(UserSessionRow.user_id == row.id))
    return _user(row)


def check_password(session: Session, name: str, password: str) -> User | None:
    """The active user ``name`` if ``password`` is theirs, else None (same work either way).

    A hash made with older argon2 parameters is replaced by one with today's.
    """
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = PasswordHasher()
    row = session.execute(select(UserRow).where(UserRow.name == " ".join(name.split()))).scalar_one_or_none()
    try:
        hasher.verify(row.password_hash if row is not None else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row.active:
        return None
    if hasher.check_needs_rehash(row.password_hash):
        row.password_hash = hasher.hash(password)
    return _user(row)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: User, lifetime: timedelta = SESSION_LIFETIME) -> str:
    """A new random session id for ``user`` (the browser's cookie); the store keeps its hash."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(UserSessionRow(token_hash=_token_hash(token), user_id=user.id, created_at=now,
                               expires_at=now + lifetime))
    session.execute(delete(UserSessionRow).where(UserSessionRow.expires_at < now))  # forget old ones as we go
    return token


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value  # SQLite hands back naive UTC


def session_user(session: Session, token: str) -> User | None:
    """The active user logged in with ``token``, or None (unknown, expired, or deactivated)."""
    found = session.execute(
        select(UserSessionRow, UserRow).join(UserRow, UserRow.id == UserSessionRow.user_id)
        .where(UserSessionRow.token_hash == _token_hash(token))
    ).one_or_none()
    if found is None:
        return None
    login, row = found
    if _aware(login.expires_at) <= utcnow() or not row.active:
        return None
    return _user(row)


def end_session(session: Session, token: str) -> None:
    """Log the browser holding ``token`` out (nothing happens for an unknown one)."""
    session.execute(delete(UserSessionRow).where(UserSessionRow.token_hash == _token_hash(token)))


def acting_user(session: Session, name: str | None, action: Action) -> User | None:
    """On a team project, the active user ``name`` if their role may do ``action``; None without users.

    Raises :class:`AccessError` naming what is wrong and what to do: no name given, no
    such user, a deactivated user, or a role that may not do this.
    """
    if not has_users(session):
        return None
    who = " ".join((name or "").split())
    if not who:
        raise AccessError("this is a team project: say who you are",
                          hint="pass --reviewer NAME (or set TRIAGE_REVIEWER) to a user from 'triage users list'")
    user = find_user(session, who)
    if user is None:
        raise AccessError(f"{who!r} is not a user of this project", hint="see 'triage users list'")
    if not user.active:
        raise AccessError(f"{who} was deactivated", hint="a lead can 'triage users activate' them")
    check_allowed(user.name, user.role, action)
    return user

