"""Dining tables and their seats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from restaurant_api.db import UTCDateTime, primary_key, utcnow
from restaurant_api.enums import DescribedEnum


class TableStatus(DescribedEnum):
    AVAILABLE = "available", "Free: guests can be seated."
    OCCUPIED = "occupied", "Guests are seated or an order holds it."
    RESERVED = "reserved", "Held for a reservation (set by managers)."
    CLEANING = "cleaning", "Being cleaned (set by managers)."


class SeatStatus(DescribedEnum):
    AVAILABLE = "available", "Nobody sits here."
    OCCUPIED = "occupied", "A guest sits here."


class DiningTable(SQLModel, table=True):
    __tablename__ = "dining_tables"
    __table_args__ = (CheckConstraint("capacity >= 1", name="capacity_positive"),)

    id: int = primary_key()
    table_number: int = Field(unique=True)
    capacity: int
    status: TableStatus = Field(
        default=TableStatus.AVAILABLE, sa_column=Column(String(16), nullable=False)
    )
    # Orders and tables point at each other; use_alter breaks the cycle when creating them.
    current_order_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey(
                "orders.id",
                ondelete="SET NULL",
                use_alter=True,
                name="fk_dining_tables_current_order_id_orders",
            ),
            nullable=True,
        ),
    )
    merged_into: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("dining_tables.id", ondelete="SET NULL"), nullable=True
        ),
    )
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Seat(SQLModel, table=True):
    __tablename__ = "seats"
    __table_args__ = (UniqueConstraint("table_id", "seat_number"),)

    id: int = primary_key()
    table_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("dining_tables.id", ondelete="CASCADE"), nullable=False
        )
    )
    seat_number: int
    status: SeatStatus = Field(
        default=SeatStatus.AVAILABLE, sa_column=Column(String(16), nullable=False)
    )
    customer_name: str | None = Field(default=None, max_length=100)
    # Where a seat came from before a merge, so that unmerge can put it back.
    home_table_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("dining_tables.id", ondelete="SET NULL"), nullable=True
        ),
    )
    home_seat_number: int | None = None
