"""Kitchen tickets: what was fired to a station, and the timeline of its status."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from restaurant_api.db import UTCDateTime, primary_key, utcnow


class TicketStatus(StrEnum):
    PENDING = "pending"
    PREPARING = "preparing"
    READY = "ready"
    SERVED = "served"


class KitchenTicket(SQLModel, table=True):
    __tablename__ = "kitchen_tickets"

    id: int = primary_key()
    order_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    station: str = Field(max_length=40, index=True)
    status: TicketStatus = Field(
        default=TicketStatus.PENDING, sa_column=Column(String(16), nullable=False, index=True)
    )
    # 1 for the lines fired with the order, 2 for the next lines added later, ...
    fire_number: int = Field(default=1)
    # Set when the ticket is taken off the kitchen display.
    dismissed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class KitchenTicketLine(SQLModel, table=True):
    """A copy of an order line as fired; voided (not deleted) when the line is removed."""

    __tablename__ = "kitchen_ticket_lines"

    id: int = primary_key()
    ticket_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("kitchen_tickets.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    order_line_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("order_lines.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    name: str = Field(max_length=120)
    quantity: int
    modifiers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The kitchen names of the modifier options chosen ("MED RARE", "+BACON"), as fired.
    options: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    seat_number: int | None = None
    note: str | None = Field(default=None, max_length=500)
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    void_reason: str | None = Field(default=None, max_length=500)


class TicketEvent(SQLModel, table=True):
    """One status change of a ticket: the ticket's timeline."""

    __tablename__ = "kitchen_ticket_events"

    id: int = primary_key()
    ticket_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("kitchen_tickets.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    status: TicketStatus = Field(sa_column=Column(String(16), nullable=False))
    actor_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
