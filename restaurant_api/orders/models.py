"""Orders, their lines, and the idempotency records of order placement."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from restaurant_api.db import UTCDateTime, primary_key, utcnow


class OrderStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    SPLIT = "split"


def _fk(target: str, ondelete: str, *, nullable: bool = True, index: bool = False) -> Any:
    return Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index
        ),
    )


class Order(SQLModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("customer_count >= 1", name="customer_count_positive"),
        CheckConstraint("tip_cents >= 0", name="tip_not_negative"),
    )

    id: int = primary_key()
    table_id: int | None = _fk("dining_tables.id", "SET NULL", index=True)
    customer_count: int = Field(default=1)
    special_requests: str | None = Field(default=None, max_length=1000)
    status: OrderStatus = Field(
        default=OrderStatus.OPEN, sa_column=Column(String(16), nullable=False, index=True)
    )
    version: int = Field(default=1)
    created_by_id: int | None = _fk("users.id", "SET NULL")
    # The order this one was split off (bill splitting), if any.
    split_from_id: int | None = _fk("orders.id", "SET NULL")
    payment_method: str | None = Field(default=None, max_length=40)
    tip_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    cancel_reason: str | None = Field(default=None, max_length=500)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True
    )
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class OrderLine(SQLModel, table=True):
    """One line of an order; name and unit price are copied from the menu at order time."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("unit_price_cents >= 0", name="unit_price_not_negative"),
    )

    id: int = primary_key()
    order_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    # Order of the lines within their order: REST clients address lines by index.
    position: int = Field(default=0)
    menu_item_id: int | None = _fk("menu_items.id", "SET NULL")
    name: str = Field(max_length=120)
    category: str = Field(max_length=60)
    unit_price_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    quantity: int = Field(default=1)
    modifiers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    seat_number: int | None = None
    note: str | None = Field(default=None, max_length=500)
    # The table whose order this line came from before a merge, so unmerge can move it back.
    origin_table_id: int | None = _fk("dining_tables.id", "SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class IdempotencyRecord(SQLModel, table=True):
    """The first answer to a keyed place-order request, replayed on retries."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: int = primary_key()
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    order_id: int | None = _fk("orders.id", "CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
