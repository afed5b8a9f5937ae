"""The integer engine against exact `Fraction` arithmetic (issue 11): the taxes of a check,
per rate and per line, are what summing the exact fractions, rounding half-up once and
spreading by largest remainder of the exact amounts gives, whatever the mix of inclusive
rates (several denominators in one check). And the priced-check memo of `orders.checks`
answers equal rows with an equal check and changed rows with a new one."""

from __future__ import annotations

from fractions import Fraction
from math import lcm
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from restaurant_api.money import allocate
from restaurant_api.orders import checks
from restaurant_api.orders.models import AdjustmentStatus
from restaurant_api.pricing.engine import (
    PERCENT,
    PPM,
    ChargeToApply,
    DiscountToApply,
    LineToPrice,
    TaxKey,
    TaxSnapshot,
    half_up,
    price_check,
)

RATES = [
    TaxSnapshot(1, "Sales", 88_750),
    TaxSnapshot(2, "VAT", 200_000, inclusive=True),
    TaxSnapshot(3, "Reduced VAT", 55_000, inclusive=True),
    TaxSnapshot(4, "City", 15_000),
]

rate_sets = st.lists(st.sampled_from(RATES), unique=True, max_size=3).map(tuple)
lines_st = st.lists(
    st.tuples(st.integers(0, 50_000), st.integers(1, 5), rate_sets), min_size=1, max_size=8
)


def exact_reference(
    nets: list[int], line_rates: list[tuple[TaxSnapshot, ...]], shares: list[int],
    charge_rates: tuple[TaxSnapshot, ...],
) -> dict[TaxKey, tuple[int, list[int | None]]]:  # fmt: skip
    """Per rate: the rounded total and each line's part (None: the rate is not on it)."""
    exact: list[dict[TaxKey, Fraction]] = [{} for _ in nets]
    for i, (net, rates) in enumerate(zip(nets, line_rates, strict=True)):
        for amount, applied in ((shares[i], charge_rates), (net, rates)):
            if amount == 0 or not applied:
                continue
            inclusive = sum(rate.rate_ppm for rate in applied if rate.inclusive)
            for rate in applied:
                exact[i][rate.key] = exact[i].get(rate.key, Fraction(0)) + Fraction(
                    amount * rate.rate_ppm, PPM + inclusive
                )
    result: dict[TaxKey, tuple[int, list[int | None]]] = {}
    for key in {key for line in exact for key in line}:
        values = [line.get(key, Fraction(0)) for line in exact]
        total = half_up(sum(values, Fraction(0)))
        common = lcm(*(value.denominator for value in values))
        weights = [max(v.numerator * (common // v.denominator), 0) for v in values]
        parts = allocate(total, weights if sum(weights) else [1] * len(weights))
        result[key] = (
            total,
            [p if key in line else None for p, line in zip(parts, exact, strict=True)],
        )
    return result


@settings(max_examples=300, deadline=None)
@given(
    lines_st,
    st.integers(0, 300_000),
    st.integers(0, 250_000),
    rate_sets,
    st.sampled_from(["dine_in", "takeout"]),
)
def test_taxes_are_the_exact_fractions_rounded_once(
    raw: list[tuple[int, int, tuple[TaxSnapshot, ...]]],
    discount_ppm: int,
    charge_ppm: int,
    charge_rates: tuple[TaxSnapshot, ...],
    dining_option: str,
) -> None:
    lines = [LineToPrice(i, cents, qty, rates) for i, (cents, qty, rates) in enumerate(raw)]
    check = price_check(
        lines,
        dining_option=dining_option,
        discounts=[DiscountToApply(1, "d", PERCENT, rate_ppm=discount_ppm)],
        service_charges=[
            ChargeToApply(1, "s", PERCENT, rate_ppm=charge_ppm, taxable=True,
                          tax_rates=charge_rates)
        ],
    )  # fmt: skip
    expected = exact_reference(
        [line.net_cents for line in check.lines],
        [rates for _, _, rates in raw],
        [line.service_charge_cents for line in check.lines],
        charge_rates,
    )
    assert {tax.key: tax.amount_cents for tax in check.taxes} == {
        key: total for key, (total, _) in expected.items()
    }
    for index, line in enumerate(check.lines):
        got = {tax.key: tax.amount_cents for tax in line.taxes}
        assert got == {
            key: parts[index] for key, (_, parts) in expected.items() if parts[index] is not None
        }


def _row(**values: Any) -> SimpleNamespace:
    return SimpleNamespace(**values)


def test_the_check_memo_answers_equal_rows_alike_and_changed_rows_anew() -> None:
    rate = RATES[0].to_json()
    order = _row(dining_option="dine_in", carried_check=None)
    lines = [
        _row(id=1, unit_price_cents=1250, quantity=2, tax_rates=[rate], carried=False),
        _row(id=2, unit_price_cents=800, quantity=1, tax_rates=[rate], carried=False),
    ]
    discount: Any = _row(id=1, name="Half", kind=PERCENT, rate_ppm=500_000, amount_cents=0,
                    line_id=None, is_comp=False, status=AdjustmentStatus.APPLIED)  # fmt: skip
    first = checks.check_of_rows(order, lines, [discount], [])
    again = checks.check_of_rows(order, [_row(**vars(line)) for line in lines], [discount], [])
    assert again == first
    assert first.total_cents == 1650 + 146  # 33.00 / 2, and 8.875% of 16.50 (14.64)

    lines[1].quantity = 2
    changed = checks.check_of_rows(order, lines, [discount], [])
    assert changed.subtotal_cents == 4100
    discount.status = AdjustmentStatus.REMOVED
    assert checks.check_of_rows(order, lines, [discount], []).discount_cents == 0
    takeout = _row(dining_option="takeout", carried_check=None)
    lines[0].tax_rates = [{**rate, "dining_options": ["dine_in"]}]
    assert checks.check_of_rows(takeout, lines, [], []).taxes == (
        checks.check_of_rows(takeout, lines[1:], [], []).taxes
    )
