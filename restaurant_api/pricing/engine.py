"""The one check computation. Quotes, orders, split shares and (next) payments all use it.

Pure: no database, no clock. Inputs are the stored terms (integer cents, rates in parts per
million); every output is integer cents. Every check-level amount (check discounts,
service charges, taxes) is also given line by line, spread by largest remainder, so a
share made of lines adds up exactly and an even share splits each column exactly.

The rules (README, "How a check is computed"):

1. A line's gross is its unit price (options included) times its quantity.
2. Line discounts apply in the order given, each computed on the line's gross (a
   percentage rounds half-up to the cent) and capped at what is left of the line.
3. Check discounts apply in the order given, each computed on the subtotal after line
   discounts and capped at what is left of the check; each is spread over the lines in
   proportion to what is left of them, so taxes are computed on discounted amounts.
4. Service charges: a percentage of the discounted subtotal (half-up) or an amount, spread
   over the lines in proportion to their discounted amounts.
5. Taxes, per rate: a line's rates apply to its discounted amount, a taxable service
   charge's rates (the default rates when it was added) to its share. An inclusive rate is
   inside that amount: its tax is amount x rate / (1 + the line's inclusive rates); an
   exclusive rate applies to the amount net of inclusive taxes, which is the same formula.
   The exact amounts are summed over the check and rounded half-up once per rate, then
   spread back over the lines by largest remainder of their exact amounts.
6. Total = discounted subtotal + service charges + exclusive taxes (inclusive taxes are
   already in the prices).

Why per rate per check and half-up: rounding once per rate keeps the tax of a check within
half a cent of the exact tax whatever the number of lines (per-line rounding drifts by up
to half a cent per line), and half-up is the rule tax authorities and guests expect on a
receipt (a check's 12.345 tax is 12.35); half-even only pays off over many roundings of
the same kind, which per-check rounding does not have.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from math import lcm
from typing import Any

from restaurant_api.money import allocate, split_evenly
from restaurant_api.pricing.tax_terms import PPM, TaxAmount, TaxKey, TaxSnapshot, tax_order

PERCENT = "percent"
AMOUNT = "amount"


def half_up(value: Fraction) -> int:
    """Round a non-negative exact amount of cents to the nearest cent, halves up."""
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)


def rate_of(amount_cents: int, rate_ppm: int) -> int:
    """`rate_ppm` of an amount, half-up (10% of 12.345 is 1.23; of 12.35 is 1.24)."""
    # half_up(Fraction(amount_cents * rate_ppm, PPM)) without the Fraction.
    return (2 * amount_cents * rate_ppm + PPM) // (2 * PPM)


@dataclass(frozen=True, slots=True)
class LineToPrice:
    key: int  # the line's id, or its index in a draft
    unit_price_cents: int
    quantity: int
    tax_rates: tuple[TaxSnapshot, ...] = ()


@dataclass(frozen=True, slots=True)
class DiscountToApply:
    key: int
    name: str
    kind: str  # PERCENT or AMOUNT
    rate_ppm: int = 0
    amount_cents: int = 0
    line_key: int | None = None  # None: on the whole check
    is_comp: bool = False


@dataclass(frozen=True, slots=True)
class ChargeToApply:
    key: int
    name: str
    kind: str  # PERCENT or AMOUNT
    rate_ppm: int = 0
    amount_cents: int = 0
    taxable: bool = False
    # The rates a taxable charge is taxed at: the default rates when it was added.
    tax_rates: tuple[TaxSnapshot, ...] = ()


@dataclass(frozen=True, slots=True)
class AppliedDiscount:
    key: int
    name: str
    line_key: int | None
    is_comp: bool
    amount_cents: int  # after the cap: what it takes off


@dataclass(frozen=True, slots=True)
class AppliedCharge:
    key: int
    name: str
    taxable: bool
    amount_cents: int


@dataclass(frozen=True, slots=True)
class Amounts:
    """The columns of a check or of a share of it; each adds up across shares."""

    subtotal_cents: int = 0
    discount_cents: int = 0
    service_charge_cents: int = 0
    taxes: tuple[TaxAmount, ...] = ()

    @property
    def tax_cents(self) -> int:
        """Taxes added on top of the prices (exclusive rates)."""
        return sum(tax.amount_cents for tax in self.taxes if not tax.key.inclusive)

    @property
    def inclusive_tax_cents(self) -> int:
        """Taxes already inside the prices (inclusive rates), shown for the record."""
        return sum(tax.amount_cents for tax in self.taxes if tax.key.inclusive)

    @property
    def total_cents(self) -> int:
        return (
            self.subtotal_cents - self.discount_cents + self.service_charge_cents + self.tax_cents
        )

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts(
            subtotal_cents=self.subtotal_cents + other.subtotal_cents,
            discount_cents=self.discount_cents + other.discount_cents,
            service_charge_cents=self.service_charge_cents + other.service_charge_cents,
            taxes=_sum_taxes((*self.taxes, *other.taxes)),
        )

    def to_json(self) -> dict[str, Any]:
        """The form an order stores for a split share (`Order.carried_check`)."""
        return {
            "subtotal_cents": self.subtotal_cents,
            "discount_cents": self.discount_cents,
            "service_charge_cents": self.service_charge_cents,
            "taxes": [
                {
                    "id": tax.key.id,
                    "name": tax.key.name,
                    "rate_ppm": tax.key.rate_ppm,
                    "inclusive": tax.key.inclusive,
                    "amount_cents": tax.amount_cents,
                }
                for tax in self.taxes
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Amounts:
        return cls(
            subtotal_cents=int(data["subtotal_cents"]),
            discount_cents=int(data["discount_cents"]),
            service_charge_cents=int(data["service_charge_cents"]),
            taxes=tuple(
                TaxAmount(
                    TaxKey(tax.get("id"), tax["name"], int(tax["rate_ppm"]), tax["inclusive"]),
                    int(tax["amount_cents"]),
                )
                for tax in data.get("taxes") or ()
            ),
        )


def _sum_taxes(taxes: Iterable[TaxAmount]) -> tuple[TaxAmount, ...]:
    by_key: dict[TaxKey, int] = {}
    for tax in taxes:
        by_key[tax.key] = by_key.get(tax.key, 0) + tax.amount_cents
    return tuple(TaxAmount(key, by_key[key]) for key in sorted(by_key, key=tax_order))


@dataclass(frozen=True, slots=True)
class LinePrice:
    """One line's part of every column: what explains the check line by line."""

    key: int
    gross_cents: int
    line_discount_cents: int
    check_discount_cents: int
    service_charge_cents: int
    taxes: tuple[TaxAmount, ...]

    @property
    def amounts(self) -> Amounts:
        return Amounts(
            subtotal_cents=self.gross_cents,
            discount_cents=self.line_discount_cents + self.check_discount_cents,
            service_charge_cents=self.service_charge_cents,
            taxes=self.taxes,
        )

    @property
    def net_cents(self) -> int:
        """Gross less every discount on it: what its taxes and service charges are on."""
        return self.gross_cents - self.line_discount_cents - self.check_discount_cents

    @property
    def total_cents(self) -> int:
        return self.amounts.total_cents


@dataclass(frozen=True, slots=True)
class Check:
    amounts: Amounts
    lines: tuple[LinePrice, ...]
    discounts: tuple[AppliedDiscount, ...] = ()
    service_charges: tuple[AppliedCharge, ...] = ()
    # A split share's part of the check it came from (its carried lines' amounts).
    carried: Amounts | None = None

    @property
    def subtotal_cents(self) -> int:
        return self.amounts.subtotal_cents

    @property
    def discount_cents(self) -> int:
        return self.amounts.discount_cents

    @property
    def service_charge_cents(self) -> int:
        return self.amounts.service_charge_cents

    @property
    def taxes(self) -> tuple[TaxAmount, ...]:
        return self.amounts.taxes

    @property
    def tax_cents(self) -> int:
        return self.amounts.tax_cents

    @property
    def inclusive_tax_cents(self) -> int:
        return self.amounts.inclusive_tax_cents

    @property
    def total_cents(self) -> int:
        return self.amounts.total_cents

    def share_of_lines(self, keys: Iterable[int]) -> Amounts:
        """The columns of the lines with these keys (a split by items or seats)."""
        wanted = set(keys)
        share = Amounts()
        for line in self.lines:
            if line.key in wanted:
                share = share + line.amounts
        return share

    def even_shares(self, ways: int) -> list[Amounts]:
        """The check in `ways` shares: each column split evenly (largest remainder, the
        leftover cents to the first shares), so every column and the totals add up."""
        return even_shares(self.amounts, ways)


def even_shares(amounts: Amounts, ways: int) -> list[Amounts]:
    subtotals = split_evenly(amounts.subtotal_cents, ways)
    discounts = split_evenly(amounts.discount_cents, ways)
    charges = split_evenly(amounts.service_charge_cents, ways)
    taxes = [split_evenly(tax.amount_cents, ways) for tax in amounts.taxes]
    return [
        Amounts(
            subtotal_cents=subtotals[i],
            discount_cents=discounts[i],
            service_charge_cents=charges[i],
            taxes=tuple(
                TaxAmount(tax.key, parts[i])
                for tax, parts in zip(amounts.taxes, taxes, strict=True)
            ),
        )
        for i in range(ways)
    ]


# Exact amounts are kept as integer numerators by denominator: a line's tax at a rate is
# amount x rate_ppm / (PPM + the line's inclusive rates), and a check has one or two such
# denominators. Summing numerators over a common denominator and rounding with integer
# division gives exactly what summing `Fraction`s did (half-up depends on the value only),
# at a fraction of the cost; spreading by numerators over any common denominator gives the
# same parts as over the least one (largest remainder is unchanged by scaling the weights).
_Exact = dict[int, int]  # denominator -> numerator


@dataclass(slots=True)
class _Line:
    source: LineToPrice
    gross: int
    line_discount: int = 0
    check_discount: int = 0
    charge: int = 0
    exact_taxes: dict[TaxKey, _Exact] = field(default_factory=dict)

    @property
    def left(self) -> int:
        return self.gross - self.line_discount - self.check_discount


def _spread(amount: int, weights: Sequence[int]) -> list[int]:
    """`amount` over the lines in proportion to `weights` (equal parts when all are 0)."""
    if not weights:
        return []
    if amount == 0:  # every part of nothing is nothing, whatever the weights
        return [0] * len(weights)
    weights = [max(weight, 0) for weight in weights]
    if sum(weights) == 0:
        weights = [1] * len(weights)
    return allocate(amount, weights)


def _discount_amount(discount: DiscountToApply, base: int) -> int:
    # Never negative: a negative discount would raise the check past its lines.
    if discount.kind == PERCENT:
        return rate_of(max(base, 0), max(discount.rate_ppm, 0))
    return max(discount.amount_cents, 0)


def _add_exact_taxes(
    target: dict[TaxKey, _Exact], amount: int, rates: Sequence[TaxSnapshot]
) -> None:
    if amount == 0 or not rates:
        return
    denominator = PPM + sum(rate.rate_ppm for rate in rates if rate.inclusive)
    sign = 1
    if denominator <= 0:
        if denominator == 0:
            raise ZeroDivisionError("inclusive rates of -100%")
        denominator, sign = -denominator, -1
    for rate in rates:
        numerator = sign * amount * rate.rate_ppm
        exact = target.get(rate.key)
        if exact is None:
            target[rate.key] = {denominator: numerator}
        else:
            exact[denominator] = exact.get(denominator, 0) + numerator


def _exact_weights(priced: Sequence[_Line], key: TaxKey) -> tuple[list[int], int]:
    """Each line's exact tax at `key` as a numerator over one common denominator."""
    exacts = [line.exact_taxes.get(key) for line in priced]
    denominators = {den for exact in exacts if exact for den in exact}
    if len(denominators) == 1:
        (common,) = denominators
        return [exact[common] if exact else 0 for exact in exacts], common
    common = lcm(*denominators)
    weights = [
        sum(num * (common // den) for den, num in exact.items()) if exact else 0 for exact in exacts
    ]
    return weights, common


def _price_taxes(priced: Sequence[_Line]) -> tuple[list[dict[TaxKey, int]], tuple[TaxAmount, ...]]:
    """Per rate: the exact sum rounded half-up once, spread back by the exact amounts."""
    line_taxes: list[dict[TaxKey, int]] = [{} for _ in priced]
    totals: list[TaxAmount] = []
    keys = {key for line in priced for key in line.exact_taxes}
    for key in sorted(keys, key=tax_order) if len(keys) > 1 else keys:
        weights, common = _exact_weights(priced, key)
        total = (2 * sum(weights) + common) // (2 * common)
        parts = _spread(total, weights)
        summed = 0
        for line, taxes, part in zip(priced, line_taxes, parts, strict=True):
            if key in line.exact_taxes:
                taxes[key] = part
                summed += part
        totals.append(TaxAmount(key, summed))
    return line_taxes, tuple(totals)


def price_check(
    lines: Sequence[LineToPrice],
    *,
    dining_option: str = "dine_in",
    discounts: Sequence[DiscountToApply] = (),
    service_charges: Sequence[ChargeToApply] = (),
    carried: Amounts | None = None,
) -> Check:
    """Price a check from its lines and adjustments (the rules in this module's docstring).

    `carried` is a split share's fixed part of the check it came from; it adds to the
    result as it is (its lines are not among `lines`).
    """
    priced = [_Line(line, line.unit_price_cents * line.quantity) for line in lines]
    applied = _apply_discounts(priced, discounts) if discounts else []

    charges: list[AppliedCharge] = []
    if service_charges and priced:
        discounted = sum(line.left for line in priced)
        for charge in service_charges:
            amount = max(
                rate_of(discounted, charge.rate_ppm)
                if charge.kind == PERCENT
                else charge.amount_cents,
                0,
            )
            charges.append(AppliedCharge(charge.key, charge.name, charge.taxable, amount))
            if amount == 0:
                continue
            parts = _spread(amount, [line.left for line in priced])
            charge_rates = [rate for rate in charge.tax_rates if rate.applies_to(dining_option)]
            for line, part in zip(priced, parts, strict=True):
                line.charge += part
                if charge.taxable:
                    _add_exact_taxes(line.exact_taxes, part, charge_rates)

    for line in priced:
        if line.source.tax_rates:
            rates = [rate for rate in line.source.tax_rates if rate.applies_to(dining_option)]
            _add_exact_taxes(line.exact_taxes, line.left, rates)

    line_taxes, taxes = _price_taxes(priced)
    # Each line's taxes were filled in tax_order: no sorting again.
    line_prices = tuple(
        LinePrice(
            key=line.source.key,
            gross_cents=line.gross,
            line_discount_cents=line.line_discount,
            check_discount_cents=line.check_discount,
            service_charge_cents=line.charge,
            taxes=tuple(TaxAmount(key, part) for key, part in line_tax.items()),
        )
        for line, line_tax in zip(priced, line_taxes, strict=True)
    )
    amounts = Amounts(
        subtotal_cents=sum(line.gross for line in priced),
        discount_cents=sum(line.line_discount + line.check_discount for line in priced),
        service_charge_cents=sum(charge.amount_cents for charge in charges),
        taxes=taxes,
    )
    if carried is not None:
        amounts = amounts + carried
    return Check(
        amounts=amounts,
        lines=line_prices,
        discounts=tuple(applied),
        service_charges=tuple(charges),
        carried=carried,
    )


def _apply_discounts(
    priced: Sequence[_Line], discounts: Sequence[DiscountToApply]
) -> list[AppliedDiscount]:
    """Line discounts, then check discounts spread over what is left of the lines."""
    by_key = {line.source.key: line for line in priced}
    applied: list[AppliedDiscount] = []
    for discount in discounts:
        if discount.line_key is None:
            continue
        line = by_key.get(discount.line_key)
        if line is None:
            continue
        amount = min(_discount_amount(discount, line.gross), line.left)
        line.line_discount += amount
        applied.append(
            AppliedDiscount(discount.key, discount.name, line.source.key, discount.is_comp, amount)
        )

    after_line_discounts = sum(line.left for line in priced)
    for discount in discounts:
        if discount.line_key is not None:
            continue
        left = sum(line.left for line in priced)
        amount = min(_discount_amount(discount, after_line_discounts), left)
        for line, part in zip(priced, _spread(amount, [ln.left for ln in priced]), strict=True):
            line.check_discount += part
        applied.append(AppliedDiscount(discount.key, discount.name, None, discount.is_comp, amount))
    return applied
