"""The ledger: payments against checks, tip adjustments, refunds, and business days.

Append-mostly: a payment is never deleted (voided while its check is open, refunded after),
and its order reference survives the order (`order_ref` keeps the id when the order row is
deleted), so a day's figures never change once the day is closed.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from restaurant_api.db import UTCDateTime, primary_key, utcnow
from restaurant_api.enums import DescribedEnum


class Tender(DescribedEnum):
    CASH = "cash", "Cash: the guest may hand over more than the amount (the change)."
    CARD = "card", "A card (credit, debit, contactless); its tip can be adjusted later."
    GIFT_CARD = "gift_card", "A gift card or voucher."
    OTHER = "other", "Anything else (cheque, house account, ...): see `methodLabel`."


class PaymentStatus(DescribedEnum):
    CAPTURED = "captured", "Taken: counts against the check's balance."
    VOIDED = "voided", "Voided while the check was open (taken by mistake): counts for nothing."


class BusinessDayStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


def _user_fk() -> Any:
    return Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )


class Payment(SQLModel, table=True):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="payment_amount_positive"),
        CheckConstraint("tip_cents >= 0", name="payment_tip_not_negative"),
        CheckConstraint("tendered_cents >= amount_cents", name="payment_tendered_covers"),
        CheckConstraint("change_cents = tendered_cents - amount_cents", name="payment_change"),
        UniqueConstraint("order_ref", "idempotency_key"),
    )

    id: int = primary_key()
    # The check paid (an order, or a split share: split shares are orders).
    order_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("orders.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    # The order's id, kept when the order row is deleted (the ledger outlives it).
    order_ref: int = Field(sa_column=Column(Integer, nullable=False, index=True))
    tender: Tender = Field(sa_column=Column(String(16), nullable=False))
    # Applied to the balance (never more than it was).
    amount_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    # What the guest handed over: above `amount_cents` only for cash (the change).
    tendered_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    change_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    # On top of the amount; a card tip can be adjusted until the business day closes.
    tip_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    # The card terminal's or provider's id of the transaction, the legacy method text, ...
    external_reference: str | None = Field(default=None, max_length=200)
    # Free label of the tender (the REST close call's payment_method, "Visa", ...).
    method_label: str | None = Field(default=None, max_length=40)
    idempotency_key: str | None = Field(default=None, max_length=255)
    status: PaymentStatus = Field(sa_column=Column(String(16), nullable=False, index=True))
    taken_by_id: int | None = _user_fk()
    business_date: date = Field(sa_column=Column(Date, nullable=False, index=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    voided_by_id: int | None = _user_fk()
    void_reason: str | None = Field(default=None, max_length=500)


class TipAdjustment(SQLModel, table=True):
    """A card tip changed after the payment was taken (the guest wrote it on the slip)."""

    __tablename__ = "tip_adjustments"

    id: int = primary_key()
    payment_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("payments.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    tip_before_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    tip_after_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    adjusted_by_id: int | None = _user_fk()
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Refund(SQLModel, table=True):
    """Money given back on a closed check's payment; counted on the day it happens."""

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="refund_amount_positive"),)

    id: int = primary_key()
    payment_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("payments.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    amount_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    reason: str = Field(max_length=500)
    refunded_by_id: int | None = _user_fk()
    idempotency_key: str | None = Field(default=None, max_length=255, unique=True)
    business_date: date = Field(sa_column=Column(Date, nullable=False, index=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class BusinessDay(SQLModel, table=True):
    """A business date once it has been closed (a date with no row is open)."""

    __tablename__ = "business_days"

    business_date: date = Field(sa_column=Column(Date, primary_key=True))
    status: BusinessDayStatus = Field(sa_column=Column(String(16), nullable=False))
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by_id: int | None = _user_fk()
    # The Z report as it was when the day closed (the same figures a recomputation gives).
    z_report: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
