"""The menu: what can be ordered, at what price (integer cents)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Integer, UniqueConstraint
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
    # The course its lines get unless the order says otherwise (1 starters, 2 mains, ...).
    default_course: int = Field(
        default=1, sa_column=Column(Integer, nullable=False, server_default="1")
    )
    # Prep-time target in minutes (null: the station's default applies).
    prep_minutes: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ModifierGroup(SQLModel, table=True):
    """A choice a guest makes about an item: "Temperature" (pick exactly one), "Extras"
    (up to three). Shared: one group can be offered on several items."""

    __tablename__ = "modifier_groups"
    __table_args__ = (
        CheckConstraint("min_selections >= 0", name="min_selections_not_negative"),
        CheckConstraint("max_selections >= 1", name="max_selections_positive"),
        CheckConstraint("max_selections >= min_selections", name="max_not_below_min"),
    )

    id: int = primary_key()
    name: str = Field(max_length=60)
    name_key: str = Field(max_length=60, unique=True)
    # Required groups have min_selections >= 1: an order line must choose from them.
    min_selections: int = Field(default=0)
    max_selections: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ModifierOption(SQLModel, table=True):
    """One option of a group, with what it adds to the unit price and what the ticket
    prints. A negative delta is a credit ("no cheese -0.50"), shown on the line."""

    __tablename__ = "modifier_options"
    __table_args__ = (UniqueConstraint("group_id", "name_key"),)

    id: int = primary_key()
    group_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("modifier_groups.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    name: str = Field(max_length=60)
    name_key: str = Field(max_length=60)
    kitchen_name: str = Field(max_length=60)
    price_delta_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    is_default: bool = Field(default=False)
    # False while the kitchen is out of it ("86 the bacon").
    is_available: bool = Field(default=True)
    display_order: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class MenuItemModifierGroup(SQLModel, table=True):
    """The groups offered on an item, in the order a screen shows them."""

    __tablename__ = "menu_item_modifier_groups"

    menu_item_id: int = Field(
        sa_column=Column(Integer, ForeignKey("menu_items.id", ondelete="CASCADE"), primary_key=True)
    )
    group_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("modifier_groups.id", ondelete="CASCADE"), primary_key=True
        )
    )
    position: int = Field(default=0)
