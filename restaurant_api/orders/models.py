"""Orders, their lines, and the idempotency records of order placement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.sql.expression import false
from sqlmodel import Field, SQLModel

from restaurant_api.db import UTCDateTime, primary_key, utcnow
from restaurant_api.enums import DescribedEnum


class OrderStatus(DescribedEnum):
    OPEN = "open", "Being served: lines can still change."
    CLOSED = "closed", "Paid and settled."
    CANCELLED = "cancelled", "Cancelled by a manager; its kitchen tickets are voided."
    SPLIT = "split", "Replaced by the orders of a split bill."


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
    # dine_in, takeout or delivery (pricing.models.DiningOption); only dine-in has a table.
    dining_option: str = Field(
        default="dine_in",
        sa_column=Column(String(16), nullable=False, server_default="dine_in"),
    )
    # A split share's part of the original check (pricing.engine.CarriedCheck as JSON):
    # the amounts its carried lines stand for, fixed at the split so shares add up exactly.
    carried_check: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
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
    # The modifier options chosen, copied at order time (orders.selections.SelectedOption as
    # JSON): group, name, kitchen name, price delta. unit_price_cents includes the deltas.
    options: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    # The tax rates of the item, copied at order time (pricing.engine.TaxSnapshot as JSON),
    # so later edits of rates never change a placed check.
    tax_rates: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    # Priced in the order's carried_check (a line copied into a split share), not again.
    carried: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    seat_number: int | None = None
    note: str | None = Field(default=None, max_length=500)
    # Its course (1 starters, 2 mains, ...): later courses wait, held, until fired.
    course: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
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


class AdjustmentStatus(DescribedEnum):
    PENDING = "pending", "Requested by a server; waiting for a manager's decision."
    APPLIED = "applied", "Counts in the check."
    DENIED = "denied", "Refused by a manager; never counted."
    REMOVED = "removed", "Taken off the check (it counted before)."


class OrderDiscount(SQLModel, table=True):
    """A discount or comp on one line (line_id) or on the whole check (line_id null).

    Its terms are copied from the preset (if any) when it is requested, like a line's name
    and price; a comp is a 100% line discount with a reason.
    """

    __tablename__ = "order_discounts"
    __table_args__ = (
        CheckConstraint("rate_ppm >= 0 AND rate_ppm <= 1000000", name="order_discount_rate"),
        CheckConstraint("amount_cents >= 0", name="order_discount_amount"),
    )

    id: int = primary_key()
    order_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    line_id: int | None = _fk("order_lines.id", "CASCADE", index=True)
    preset_id: int | None = _fk("discount_presets.id", "SET NULL")
    name: str = Field(max_length=60)
    kind: str = Field(sa_column=Column(String(16), nullable=False))  # percent | amount
    rate_ppm: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    amount_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    is_comp: bool = Field(default=False)
    reason: str = Field(max_length=500)
    status: AdjustmentStatus = Field(sa_column=Column(String(16), nullable=False, index=True))
    requested_by_id: int | None = _fk("users.id", "SET NULL")
    approved_by_id: int | None = _fk("users.id", "SET NULL")
    removed_by_id: int | None = _fk("users.id", "SET NULL")
    remove_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OrderServiceCharge(SQLModel, table=True):
    """A service charge on a check: added by hand or by a rule (automatic gratuity)."""

    __tablename__ = "order_service_charges"
    __table_args__ = (
        CheckConstraint("rate_ppm >= 0 AND rate_ppm <= 1000000", name="order_charge_rate"),
        CheckConstraint("amount_cents >= 0", name="order_charge_amount"),
    )

    id: int = primary_key()
    order_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    rule_id: int | None = _fk("service_charge_rules.id", "SET NULL")
    name: str = Field(max_length=60)
    kind: str = Field(sa_column=Column(String(16), nullable=False))  # percent | amount
    rate_ppm: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    amount_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    taxable: bool = Field(default=False)
    # The default tax rates when it was added (pricing.engine.TaxSnapshot as JSON).
    tax_rates: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    automatic: bool = Field(default=False)
    status: AdjustmentStatus = Field(sa_column=Column(String(16), nullable=False))
    added_by_id: int | None = _fk("users.id", "SET NULL")
    removed_by_id: int | None = _fk("users.id", "SET NULL")
    remove_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OrderAuditEntry(SQLModel, table=True):
    """One change to what a check charges: a discount or comp requested, applied, approved,
    denied or removed, a line voided, a service charge added or removed. Append-only."""

    __tablename__ = "order_audit_entries"

    id: int = primary_key()
    order_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    # discount_requested, discount_applied, discount_approved, discount_denied,
    # discount_removed, comp_applied, line_voided, service_charge_added, service_charge_removed
    action: str = Field(sa_column=Column(String(32), nullable=False))
    discount_id: int | None = _fk("order_discounts.id", "SET NULL")
    service_charge_id: int | None = _fk("order_service_charges.id", "SET NULL")
    line_id: int | None = _fk("order_lines.id", "SET NULL")
    actor_id: int | None = _fk("users.id", "SET NULL")
    approver_id: int | None = _fk("users.id", "SET NULL")
    reason: str | None = Field(default=None, max_length=500)
    # The check's total before and after the change, exact.
    total_before_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    total_after_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True
    )
