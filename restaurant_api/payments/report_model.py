"""The figures of a business day (X and Z reports) and their JSON form (the stored Z).

Every amount is integer cents; the average check is the only derived figure (total of the
checks / their number, half-up to the cent). Each block's rows add up to its total, and each
total is the sum of the ledger or check rows it comes from (`reports` explains the rules).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from restaurant_api.money import CENT


@dataclass(frozen=True, slots=True)
class ItemSales:
    name: str
    category: str
    quantity: int
    gross_cents: int


@dataclass(frozen=True, slots=True)
class CategorySales:
    category: str
    quantity: int
    gross_cents: int


@dataclass(frozen=True, slots=True)
class DiscountEntry:
    """An applied discount or comp of a check of the day; `order_id` None for the part of
    split shares' checks carried from the check they were split off."""

    order_id: int | None
    name: str
    is_comp: bool
    amount_cents: int
    reason: str | None
    requested_by_id: int | None
    approved_by_id: int | None


@dataclass(frozen=True, slots=True)
class VoidEntry:
    """A line voided on a check of the day (`kind` "line") or a check cancelled that day
    ("check"): what it took off the check, why and who."""

    order_id: int
    kind: str
    amount_cents: int
    reason: str | None
    by_id: int | None


@dataclass(frozen=True, slots=True)
class ChargeSales:
    name: str
    count: int
    amount_cents: int


@dataclass(frozen=True, slots=True)
class TaxSales:
    name: str
    rate_ppm: int
    inclusive: bool
    amount_cents: int


@dataclass(frozen=True, slots=True)
class TenderTotal:
    tender: str
    count: int
    amount_cents: int
    tip_cents: int
    tendered_cents: int
    change_cents: int


@dataclass(frozen=True, slots=True)
class StaffTips:
    staff_id: int | None
    staff_name: str | None
    count: int
    tip_cents: int


@dataclass(frozen=True, slots=True)
class RefundEntry:
    refund_id: int
    payment_id: int
    order_id: int
    tender: str
    amount_cents: int
    reason: str
    by_id: int | None


@dataclass(frozen=True, slots=True)
class DayReport:
    """One business date: its checks (orders closed in it) and its ledger rows."""

    business_date: date
    closed: bool  # a Z report (the day is closed) or an X report (the day so far)
    generated_at: datetime
    checks: int
    covers: int
    gross_sales_cents: int
    discount_cents: int
    service_charge_cents: int
    tax_cents: int  # exclusive taxes, added on top of the prices
    inclusive_tax_cents: int  # inside the prices, for the record
    total_cents: int  # the checks' totals
    paid_cents: int  # captured payments' amounts
    tip_cents: int
    refund_cents: int
    items: tuple[ItemSales, ...] = ()
    categories: tuple[CategorySales, ...] = ()
    discounts: tuple[DiscountEntry, ...] = ()
    voids: tuple[VoidEntry, ...] = ()
    service_charges: tuple[ChargeSales, ...] = ()
    taxes: tuple[TaxSales, ...] = ()
    tenders: tuple[TenderTotal, ...] = ()
    tips: tuple[StaffTips, ...] = ()
    refunds: tuple[RefundEntry, ...] = ()
    open_checks: tuple[int, ...] = field(default=())

    @property
    def average_check(self) -> Decimal:
        """Total of the checks / their number, to the cent, halves up (0 without checks)."""
        if not self.checks:
            return Decimal("0.00")
        return (Decimal(self.total_cents) / 100 / self.checks).quantize(CENT, ROUND_HALF_UP)

    @property
    def net_cents(self) -> int:
        """What the day took in: payments and tips less refunds."""
        return self.paid_cents + self.tip_cents - self.refund_cents

    @property
    def void_cents(self) -> int:
        return sum(void.amount_cents for void in self.voids)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["business_date"] = self.business_date.isoformat()
        data["generated_at"] = self.generated_at.isoformat()
        data["open_checks"] = list(self.open_checks)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DayReport:
        blocks: dict[str, type[Any]] = {
            "items": ItemSales,
            "categories": CategorySales,
            "discounts": DiscountEntry,
            "voids": VoidEntry,
            "service_charges": ChargeSales,
            "taxes": TaxSales,
            "tenders": TenderTotal,
            "tips": StaffTips,
            "refunds": RefundEntry,
        }
        values: dict[str, Any] = {}
        for spec in fields(cls):
            raw = data[spec.name]
            if spec.name in blocks:
                values[spec.name] = tuple(blocks[spec.name](**row) for row in raw)
            elif spec.name == "business_date":
                values[spec.name] = date.fromisoformat(raw)
            elif spec.name == "generated_at":
                values[spec.name] = datetime.fromisoformat(raw)
            elif spec.name == "open_checks":
                values[spec.name] = tuple(raw)
            else:
                values[spec.name] = raw
        return cls(**values)
