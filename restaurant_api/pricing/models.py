"""What a restaurant configures to price its checks: tax rates (and what they apply to),
preset discounts and service-charge rules.

Rates are exact: parts per million of the amount (8.875% is 88_750 ppm), integers in both
databases; amounts are integer cents.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
)
from sqlmodel import Field, SQLModel

from restaurant_api.db import UTCDateTime, primary_key, utcnow
from restaurant_api.enums import DescribedEnum

PPM = 1_000_000  # a rate of 100%


class DiningOption(DescribedEnum):
    DINE_IN = "dine_in", "At a table (or the counter) in the restaurant."
    TAKEOUT = "takeout", "Picked up and eaten elsewhere; no table."
    DELIVERY = "delivery", "Delivered to the guest; no table."


class AdjustmentKind(DescribedEnum):
    """How a discount or service charge is expressed."""

    PERCENT = "percent", "A percentage (`rate`) of the amount it applies to."
    AMOUNT = "amount", "A fixed `amount`."


class DiscountScope(DescribedEnum):
    LINE = "line", "One line of a check."
    CHECK = "check", "The whole check."


class TaxRate(SQLModel, table=True):
    __tablename__ = "tax_rates"
    __table_args__ = (
        CheckConstraint("rate_ppm >= 0 AND rate_ppm <= 1000000", name="tax_rate_in_range"),
    )

    id: int = primary_key()
    name: str = Field(max_length=60)
    name_key: str = Field(max_length=60, unique=True)
    rate_ppm: int = Field(sa_column=Column(Integer, nullable=False))
    # Inclusive: the menu price already contains the tax (VAT); exclusive: added on top.
    inclusive: bool = Field(default=False)
    # Applies to items with no rate of their own or of their category.
    is_default: bool = Field(default=False)
    # The dining options it applies to; empty means all of them.
    dining_options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class MenuItemTaxRate(SQLModel, table=True):
    """A rate assigned to one menu item (overrides its category's and the defaults)."""

    __tablename__ = "menu_item_tax_rates"

    menu_item_id: int = Field(
        sa_column=Column(Integer, ForeignKey("menu_items.id", ondelete="CASCADE"), primary_key=True)
    )
    tax_rate_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tax_rates.id", ondelete="CASCADE"), primary_key=True)
    )


class CategoryTaxRate(SQLModel, table=True):
    """A rate assigned to a menu category (overrides the defaults)."""

    __tablename__ = "category_tax_rates"

    category: str = Field(sa_column=Column(String(60), primary_key=True))
    tax_rate_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tax_rates.id", ondelete="CASCADE"), primary_key=True)
    )


class DiscountPreset(SQLModel, table=True):
    """A discount from the managed list (happy hour 10%, staff meal, birthday dessert)."""

    __tablename__ = "discount_presets"
    __table_args__ = (
        CheckConstraint("rate_ppm >= 0 AND rate_ppm <= 1000000", name="discount_rate_in_range"),
        CheckConstraint("amount_cents >= 0", name="discount_amount_not_negative"),
    )

    id: int = primary_key()
    name: str = Field(max_length=60)
    name_key: str = Field(max_length=60, unique=True)
    kind: AdjustmentKind = Field(sa_column=Column(String(16), nullable=False))
    rate_ppm: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    amount_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    scope: DiscountScope = Field(sa_column=Column(String(16), nullable=False))
    requires_approval: bool = Field(default=False)
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ServiceChargeRule(SQLModel, table=True):
    """A service charge a check can carry: automatic gratuity for large parties, a delivery
    fee, a cake-cutting fee added by hand."""

    __tablename__ = "service_charge_rules"
    __table_args__ = (
        CheckConstraint("rate_ppm >= 0 AND rate_ppm <= 1000000", name="charge_rate_in_range"),
        CheckConstraint("amount_cents >= 0", name="charge_amount_not_negative"),
        CheckConstraint(
            "auto_min_guests IS NULL OR auto_min_guests >= 1", name="auto_min_guests_positive"
        ),
    )

    id: int = primary_key()
    name: str = Field(max_length=60)
    name_key: str = Field(max_length=60, unique=True)
    kind: AdjustmentKind = Field(sa_column=Column(String(16), nullable=False))
    rate_ppm: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    amount_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    taxable: bool = Field(default=False)
    # Added by itself to checks of this many guests or more (automatic gratuity).
    auto_min_guests: int | None = Field(default=None)
    # Limits an automatic rule to these dining options; empty means all.
    dining_options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
