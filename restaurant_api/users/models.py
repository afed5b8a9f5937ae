"""Staff accounts and their refresh tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String
from sqlmodel import Field, SQLModel

from restaurant_api.db import UTCDateTime, primary_key, utcnow
from restaurant_api.enums import DescribedEnum


class Role(DescribedEnum):
    ADMIN = "admin", "Everything, including managing users."
    MANAGER = "manager", "Floor and kitchen work, the menu, tables, cancelling and deleting orders."
    SERVER = "server", "Places, changes and closes orders; seats guests."
    KITCHEN = "kitchen", "Reads orders and works kitchen tickets."


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int = primary_key()
    name: str = Field(max_length=100)
    # Stored lower-cased, so the unique index makes emails compare case-insensitively.
    email: str = Field(max_length=254, unique=True)
    hashed_password: str = Field(max_length=255)
    role: Role = Field(default=Role.SERVER, sa_column=Column(String(16), nullable=False))
    is_active: bool = Field(default=True)
    # Carried as the `ver` claim of access tokens; bumping it ends every access token (and
    # open websocket) of the user at once: logout, password change, role change, deactivation.
    token_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class RefreshToken(SQLModel, table=True):
    """One issued refresh token. Rotation marks it used; reuse revokes its whole family."""

    __tablename__ = "refresh_tokens"

    id: int = primary_key()
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    family: str = Field(max_length=64, index=True)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Invitation(SQLModel, table=True):
    """A staff invitation: a one-time code (stored hashed) that creates an account with a role."""

    __tablename__ = "invitations"

    id: int = primary_key()
    email: str = Field(max_length=254, index=True)
    name: str = Field(max_length=100)
    role: Role = Field(sa_column=Column(String(16), nullable=False))
    code_hash: str = Field(max_length=64, unique=True)
    invited_by_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    user_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginAttempt(SQLModel, table=True):
    """A login attempt counted against a throttle key (a hashed account or client address).

    Successful attempts are deleted; failures stay until they leave the sliding window.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key_attempted_at", "key", "attempted_at"),)

    id: int = primary_key()
    key: str = Field(max_length=64)
    attempted_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)


class LoginLockout(SQLModel, table=True):
    """A throttle key in its cool-down: logins are refused without a password check until then."""

    __tablename__ = "login_lockouts"

    key: str = Field(max_length=64, primary_key=True)
    locked_until: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
