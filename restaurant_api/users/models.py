"""Staff accounts and their refresh tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from restaurant_api.db import UTCDateTime, utcnow


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    SERVER = "server"
    KITCHEN = "kitchen"


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    # Stored lower-cased, so the unique index makes emails compare case-insensitively.
    email: str = Field(max_length=254, unique=True)
    hashed_password: str = Field(max_length=255)
    role: Role = Field(default=Role.SERVER, sa_column=Column(String(16), nullable=False))
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class RefreshToken(SQLModel, table=True):
    """One issued refresh token. Rotation marks it used; reuse revokes its whole family."""

    __tablename__ = "refresh_tokens"

    id: int | None = Field(default=None, primary_key=True)
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
