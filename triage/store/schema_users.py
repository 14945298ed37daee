"""Team tables: the project's users (name, role, argon2 hash) and their web sessions.

Users are per project (one database is one review), so a server holding several reviews
gives one person a role in each. A user is never deleted: deactivating keeps the row,
so every decision recorded under the name stays attributed to a known person. A web
session is stored by the SHA-256 of its random id, so a copy of the database does not
hand out logged-in cookies.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from triage.store.base import Base, utcnow

__all__ = ["UserRow", "UserSessionRow"]


class UserRow(Base):
    """One person on the team: the name their decisions carry, their role, their password hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String, unique=True)
    role: Mapped[str] = mapped_column(String)
    #: argon2id hash in PHC form (``$argon2id$v=19$m=...``): salt and parameters inside.
    password_hash: Mapped[str] = mapped_column(String)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class UserSessionRow(Base):
    """A logged-in browser: the hash of its session cookie, whose it is, until when."""

    __tablename__ = "user_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
