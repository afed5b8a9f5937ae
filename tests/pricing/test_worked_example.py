"""Every number of the README's worked example ("How a check is computed"), through the
engine. tests/tables/test_split_checks.py places the same check in both databases."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from restaurant_api.money import allocate
from restaurant_api.pricing.engine import (
    PERCENT,
    ChargeToApply,
    Check,
    DiscountToApply,
    LineToPrice,
    TaxSnapshot,
    price_check,
)

SALES = TaxSnapshot(1, "Sales tax", 88_750)
ALCOHOL = TaxSnapshot(2, "Alcohol", 100_000)
BURGER, FRIES, BEER, SODA = 1, 2, 3, 4

LINES = [
    LineToPrice(BURGER, 1400 + 200, 2, (SALES,)),  # Burger + Bacon
    LineToPrice(FRIES, 450, 1, (SALES,)),
    LineToPrice(BEER, 700, 3, (ALCOHOL,)),
    LineToPrice(SODA, 325, 1, (SALES,)),
]
COMP = DiscountToApply(1, "Comp", PERCENT, rate_ppm=1_000_000, line_key=FRIES, is_comp=True)
HAPPY_HOUR = DiscountToApply(2, "Happy hour 10%", PERCENT, rate_ppm=100_000)
GRATUITY = ChargeToApply(1, "Large party gratuity 18%", PERCENT, rate_ppm=180_000)


def money(cents: int) -> str:
    return str(Decimal(cents) / 100)


def price() -> Check:
    return price_check(LINES, discounts=[COMP, HAPPY_HOUR], service_charges=[GRATUITY])


def test_the_worked_example_line_by_line():
    check = price()
    lines = {line.key: line for line in check.lines}

    # 1. Subtotal.
    assert [money(lines[k].gross_cents) for k in (BURGER, FRIES, BEER, SODA)] == [
        "32",
        "4.5",
        "21",
        "3.25",
    ]
    assert check.subtotal_cents == 6075

    # 2. The comp.
    comp, happy_hour = check.discounts
    assert (comp.is_comp, comp.line_key, comp.amount_cents) == (True, FRIES, 450)
    assert lines[FRIES].line_discount_cents == 450

    # 3. Happy hour: 10% of 56.25 = 5.625 -> 5.63, spread 3.20 / 0 / 2.10 / 0.33.
    assert Fraction(5625 * 100_000, 1_000_000) == Fraction(5625, 10)
    assert happy_hour.amount_cents == 563
    exact = [Fraction(563 * left, 5625) for left in (3200, 0, 2100, 325)]
    assert [round(float(x) / 100, 4) for x in exact] == [3.2028, 0.0, 2.1019, 0.3253]
    assert sum(int(x) for x in exact) == 562
    assert allocate(563, [3200, 0, 2100, 325]) == [320, 0, 210, 33]
    assert [lines[k].check_discount_cents for k in (BURGER, FRIES, BEER, SODA)] == [
        320,
        0,
        210,
        33,
    ]
    assert check.discount_cents == 1013
    assert [lines[k].net_cents for k in (BURGER, FRIES, BEER, SODA)] == [2880, 0, 1890, 292]
    assert sum(line.net_cents for line in check.lines) == 5062

    # 4. Gratuity: 18% of 50.62 = 9.1116 -> 9.11, spread 5.18 / 0 / 3.40 / 0.53.
    assert Fraction(5062 * 180_000, 1_000_000) == Fraction(91116, 100)
    assert [c.amount_cents for c in check.service_charges] == [911]
    assert check.service_charge_cents == 911
    exact = [Fraction(911 * left, 5062) for left in (2880, 0, 1890, 292)]
    assert [round(float(x), 2) for x in exact] == [518.31, 0.0, 340.14, 52.55]
    assert [lines[k].service_charge_cents for k in (BURGER, FRIES, BEER, SODA)] == [
        518,
        0,
        340,
        53,
    ]

    # 5. Taxes: Sales tax 2.556 + 0.25915 = 2.81515 -> 2.82 (2.56 + 0.26); Alcohol 1.89.
    assert Fraction(2880 * 88_750, 1_000_000) == Fraction(2556, 10)
    assert Fraction(292 * 88_750, 1_000_000) == Fraction(25915, 1000)
    assert {t.key.name: t.amount_cents for t in check.taxes} == {"Sales tax": 282, "Alcohol": 189}
    assert [[t.amount_cents for t in lines[k].taxes] for k in (BURGER, FRIES, BEER, SODA)] == [
        [256],
        [],
        [189],
        [26],
    ]
    assert check.tax_cents == 282 + 189
    assert check.inclusive_tax_cents == 0

    # 6. Total, and line by line.
    assert check.total_cents == 6075 - 1013 + 911 + 282 + 189 == 6444
    assert [lines[k].total_cents for k in (BURGER, FRIES, BEER, SODA)] == [3654, 0, 2419, 371]


def test_the_worked_example_split_three_ways_and_by_seats():
    check = price()
    shares = check.even_shares(3)
    assert [
        (
            s.subtotal_cents,
            s.discount_cents,
            s.service_charge_cents,
            [t.amount_cents for t in s.taxes],
            s.total_cents,
        )
        for s in shares
    ] == [
        (2025, 338, 304, [94, 63], 2148),
        (2025, 338, 304, [94, 63], 2148),
        (2025, 337, 303, [94, 63], 2148),
    ]
    assert [t.key.name for t in shares[0].taxes] == ["Sales tax", "Alcohol"]
    assert sum(s.total_cents for s in shares) == 6444

    seats = [check.share_of_lines(keys) for keys in ([BURGER], [FRIES, BEER], [SODA])]
    assert [s.total_cents for s in seats] == [3654, 2419, 371]
    assert sum(s.total_cents for s in seats) == 6444
