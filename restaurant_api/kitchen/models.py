"""Kitchen stations and their routing rules; tickets: what was fired (or is held) for a
station, and the timeline of their status."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Column, ForeignKey, Integer, String
from sqlalchemy.sql.expression import false
from sqlmodel import Field, SQLModel

from restaurant_api.db import UTCDateTime, primary_key, utcnow
from restaurant_api.enums import DescribedEnum


class TicketStatus(DescribedEnum):
    # A later course waiting to be fired: cooks see it to plan, nobody starts it yet.
    HELD = "held", "A later course waiting to be fired: shown so cooks can plan."
    PENDING = "pending", "Fired, not started yet."
    PREPARING = "preparing", "Being prepared at its station."
    READY = "ready", "Done: waiting to be served."
    SERVED = "served", "Brought to the guests; leaves the kitchen screen."


class KitchenStation(SQLModel, table=True):
    """A place in the kitchen with its own screen: grill, fry, cold line, bar, expo.

    Retired, never deleted: old tickets keep their station. Tickets copy the name
    (`KitchenTicket.station`), and a rename rewrites the copies.
    """

    __tablename__ = "kitchen_stations"

    id: int = primary_key()
    name: str = Field(max_length=40)
    # lower-cased name: the unique key, so "Grill" and "grill" are one station.
    name_key: str = Field(max_length=40, unique=True)
    display_order: int = Field(default=0)
    # The expo sees every ticket of an order and calls it ready for pickup; nothing is
    # routed to it.
    is_expo: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    # Where a line goes when no rule matches (one station at a time).
    is_default: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    # Prep-time target of a line whose item has none of its own.
    default_prep_minutes: int | None = None
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class KitchenRoute(SQLModel, table=True):
    """A routing rule: lines of a menu category, or of one menu item, go to a station; a
    modifier option routed elsewhere than its item prints on that station's ticket.

    The most specific rule wins: option, then item, then category, then the default station.
    """

    __tablename__ = "kitchen_routes"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN category_key IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN menu_item_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN modifier_option_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
    )

    id: int = primary_key()
    station_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("kitchen_stations.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    # lower-cased menu category name
    category_key: str | None = Field(default=None, max_length=60, unique=True)
    menu_item_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("menu_items.id", ondelete="CASCADE"),
            nullable=True,
            unique=True,
        ),
    )
    modifier_option_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("modifier_options.id", ondelete="CASCADE"),
            nullable=True,
            unique=True,
        ),
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class KitchenTicket(SQLModel, table=True):
    __tablename__ = "kitchen_tickets"

    id: int = primary_key()
    order_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    # The station's name, copied (screens and REST filter on it); station_id is the truth.
    station: str = Field(max_length=40, index=True)
    station_id: int = Field(
        sa_column=Column(Integer, ForeignKey("kitchen_stations.id"), nullable=False, index=True)
    )
    # 1 starters, 2 mains, 3 desserts, ... (kitchen.courses): one ticket per station and course.
    course: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    status: TicketStatus = Field(
        default=TicketStatus.PENDING, sa_column=Column(String(16), nullable=False, index=True)
    )
    # 1 for the lines fired with the order, 2 for the next lines added later, ...
    fire_number: int = Field(default=1)
    # Set when the ticket is taken off the kitchen display.
    dismissed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When cooks were told to start (null while held).
    fired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # fired_at + the longest prep-time target of its lines (null without targets).
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    # When due passed while not ready, set once by the one process that announced it.
    late_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ready_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    served_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The expo called the order's food ready for pickup (every station done).
    pickup_ready_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
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
    # The prep-time target of this line as fired (the item's, else the station's default).
    prep_minutes: int | None = None
    # Bumped by its station before the whole ticket: the ticket is ready with its last line.
    ready_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
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
