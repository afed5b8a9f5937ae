"""The menu: what can be ordered, at what price (integer cents)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Column
from sqlmodel import Field, SQLModel

from restaurant_api.db import UTCDateTime, primary_key, utcnow


class MenuItem(SQLModel, table=True):
    __tablename__ = "menu_items"
    __table_args__ = (CheckConstraint("price_cents >= 0", name="price_not_negative"),)

    id: int = primary_key()
    name: str = Field(max_length=120)
    # lower-cased name: the unique key, so "Burger" and "burger" are the same dish.
    name_key: str = Field(max_length=120, unique=True)
    description: str | None = Field(default=None, max_length=1000)
    category: str = Field(max_length=60, index=True)
    price_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    is_available: bool = Field(default=True)
    display_order: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
