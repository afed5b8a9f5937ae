"""The pricing engine (pure, no database): every rule of its docstring, and property tests
that every column adds up, line by line and share by share."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from restaurant_api.pricing.engine import (
    AMOUNT,
    PERCENT,
    Amounts,
    ChargeToApply,
    Check,
    DiscountToApply,
    LineToPrice,
    TaxAmount,
    TaxKey,
    TaxSnapshot,
    even_shares,
    half_up,
    price_check,
    rate_of,
)

SALES = TaxSnapshot(1, "Sales tax", 88_750)
ALCOHOL = TaxSnapshot(2, "Alcohol", 100_000)
VAT = TaxSnapshot(3, "VAT", 200_000, inclusive=True)
TAKEOUT_ONLY = TaxSnapshot(4, "Takeout", 50_000, dining_options=("takeout",))


def line(key: int, cents: int, quantity: int = 1, *rates: TaxSnapshot) -> LineToPrice:
    return LineToPrice(key=key, unit_price_cents=cents, quantity=quantity, tax_rates=rates)


def pct(key: int, ppm: int, line_key: int | None = None, **kw: object) -> DiscountToApply:
    return DiscountToApply(key, f"{ppm} ppm", PERCENT, rate_ppm=ppm, line_key=line_key, **kw)  # type: ignore[arg-type]


def amt(key: int, cents: int, line_key: int | None = None) -> DiscountToApply:
    return DiscountToApply(key, f"{cents} off", AMOUNT, amount_cents=cents, line_key=line_key)


def tax_of(check: Check | Amounts, name: str) -> int:
    return sum(t.amount_cents for t in check.taxes if t.key.name == name)


# --- rounding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cents"),
    [
        (Fraction(0), 0),
        (Fraction(1, 2), 1),
        (Fraction(3, 2), 2),
        (Fraction(5, 2), 3),  # half-up, not half-even
        (Fraction(12345, 1000), 12),
        (Fraction(1249, 100), 12),
        (Fraction(1250, 100), 13),
    ],
)
def test_half_up(value, cents):
    assert half_up(value) == cents


def test_rate_of_rounds_half_up():
    assert rate_of(1235, 100_000) == 124  # 123.5
    assert rate_of(1234, 100_000) == 123  # 123.4
    assert rate_of(1000, 88_750) == 89  # 88.75
    assert rate_of(0, 88_750) == 0


# --- rule 1: gross -----------------------------------------------------------------------------


def test_gross_is_unit_price_times_quantity_and_no_adjustments_is_the_subtotal():
    check = price_check([line(1, 1299, 2), line(2, 450)])
    assert [ln.gross_cents for ln in check.lines] == [2598, 450]
    assert check.subtotal_cents == 3048
    assert check.discount_cents == check.service_charge_cents == check.tax_cents == 0
    assert check.total_cents == 3048
    assert check.taxes == ()


def test_an_empty_check_is_zero_and_ignores_charges():
    charge = ChargeToApply(1, "Fee", AMOUNT, amount_cents=500)
    check = price_check([], service_charges=[charge])
    assert check.total_cents == 0
    assert check.service_charges == ()


# --- rule 2: line discounts --------------------------------------------------------------------


def test_line_discounts_apply_to_the_gross_in_order_and_are_capped():
    check = price_check(
        [line(1, 1000, 2), line(2, 500)],
        discounts=[pct(1, 250_000, line_key=1), amt(2, 1800, line_key=1), amt(3, 100, 2)],
    )
    first, second = check.lines
    # 25% of 20.00 = 5.00; then 18.00 capped at the 15.00 left.
    assert first.line_discount_cents == 2000
    assert [d.amount_cents for d in check.discounts] == [500, 1500, 100]
    assert first.net_cents == 0
    assert second.line_discount_cents == 100
    assert check.total_cents == 400


def test_a_percentage_line_discount_rounds_half_up():
    check = price_check([line(1, 1235)], discounts=[pct(1, 100_000, line_key=1)])
    assert check.discounts[0].amount_cents == 124


def test_a_comp_takes_the_whole_line_and_is_marked():
    check = price_check(
        [line(1, 1299, 1, SALES), line(2, 700, 1, SALES)],
        discounts=[pct(1, 1_000_000, line_key=1, is_comp=True)],
    )
    assert check.discounts[0].is_comp and check.discounts[0].amount_cents == 1299
    assert check.lines[0].net_cents == 0
    assert check.lines[0].taxes == ()  # nothing left to tax
    assert check.tax_cents == rate_of(700, 88_750) == 62


def test_a_discount_of_an_unknown_line_is_ignored():
    check = price_check([line(1, 1000)], discounts=[amt(1, 500, line_key=99)])
    assert check.discounts == () and check.total_cents == 1000


def test_negative_terms_never_raise_a_check():
    check = price_check(
        [line(1, 1000)],
        discounts=[amt(1, -500), amt(2, -300, line_key=1), pct(3, -100_000)],
        service_charges=[ChargeToApply(4, "x", AMOUNT, amount_cents=-200)],
    )
    assert check.total_cents == 1000
    assert all(d.amount_cents == 0 for d in check.discounts)


# --- rule 3: check discounts -------------------------------------------------------------------


def test_check_discounts_are_on_the_subtotal_after_line_discounts_and_spread_by_what_is_left():
    check = price_check(
        [line(1, 1000), line(2, 2000), line(3, 500)],
        discounts=[amt(1, 500, line_key=3), pct(2, 100_000)],
    )
    # 10% of (10.00 + 20.00 + 0.00) = 3.00, spread 1:2:0.
    assert check.discounts[1].amount_cents == 300
    assert [ln.check_discount_cents for ln in check.lines] == [100, 200, 0]
    assert check.discount_cents == 800
    assert check.total_cents == 2700


def test_every_check_discount_is_on_the_same_base_and_capped_at_what_is_left():
    check = price_check([line(1, 1000)], discounts=[pct(1, 600_000), pct(2, 600_000), amt(3, 100)])
    assert [d.amount_cents for d in check.discounts] == [600, 400, 0]
    assert check.total_cents == 0


def test_a_check_discount_spread_by_largest_remainder():
    check = price_check([line(1, 100), line(2, 100), line(3, 100)], discounts=[amt(1, 100)])
    assert [ln.check_discount_cents for ln in check.lines] == [34, 33, 33]


def test_taxes_are_on_the_discounted_amounts():
    check = price_check([line(1, 10000, 1, ALCOHOL)], discounts=[pct(1, 500_000)])
    assert tax_of(check, "Alcohol") == 500
    assert check.total_cents == 5500


# --- rule 4: service charges -------------------------------------------------------------------


def test_a_percentage_charge_is_on_the_discounted_subtotal_half_up():
    charge = ChargeToApply(1, "Gratuity", PERCENT, rate_ppm=180_000)
    check = price_check(
        [line(1, 2000), line(2, 2850)],
        discounts=[amt(1, 150, line_key=2)],
        service_charges=[charge],
    )
    # 18% of 47.00 = 8.46
    assert check.service_charges[0].amount_cents == 846
    assert sum(ln.service_charge_cents for ln in check.lines) == 846
    assert check.total_cents == 4700 + 846


def test_an_amount_charge_on_a_fully_comped_check_is_spread_evenly():
    charge = ChargeToApply(1, "Cakeage", AMOUNT, amount_cents=501)
    check = price_check(
        [line(1, 1000), line(2, 1000)],
        discounts=[pct(1, 1_000_000)],
        service_charges=[charge],
    )
    assert [ln.service_charge_cents for ln in check.lines] == [251, 250]
    assert check.total_cents == 501


def test_a_taxable_charge_is_taxed_at_its_own_rates_and_an_untaxed_one_is_not():
    taxed = ChargeToApply(
        1, "Delivery", AMOUNT, amount_cents=1000, taxable=True, tax_rates=(SALES,)
    )
    untaxed = ChargeToApply(2, "Tip", AMOUNT, amount_cents=1000)
    check = price_check([line(1, 2000, 1, ALCOHOL)], service_charges=[taxed, untaxed])
    assert tax_of(check, "Alcohol") == 200  # only the line
    assert tax_of(check, "Sales tax") == 89  # 8.875% of 10.00 = 88.75
    assert check.total_cents == 2000 + 2000 + 200 + 89


# --- rule 5: taxes ----------------------------------------------------------------------------


def test_taxes_round_once_per_rate_per_check_not_per_line():
    # Each line's tax is 0.44375 cents: per line it would round to 0 three times.
    lines = [line(k, 5, 1, SALES) for k in range(1, 4)]
    check = price_check(lines)
    assert tax_of(check, "Sales tax") == half_up(Fraction(15 * 88_750, 1_000_000)) == 1
    assert sum(tax_of(ln.amounts, "Sales tax") for ln in check.lines) == 1


def test_an_inclusive_rate_is_inside_the_price():
    check = price_check([line(1, 1200, 1, VAT)])
    # 12.00 includes 20% VAT: 12.00 x 0.2 / 1.2 = 2.00
    assert check.inclusive_tax_cents == 200
    assert check.tax_cents == 0
    assert check.total_cents == 1200


def test_inclusive_and_exclusive_rates_on_one_check():
    check = price_check([line(1, 1200, 1, VAT, ALCOHOL), line(2, 1000, 1, SALES)])
    # Line 1: VAT inside 12.00 is 2.00; Alcohol 10% of the 10.00 net of VAT is 1.00.
    assert tax_of(check, "VAT") == 200
    assert tax_of(check, "Alcohol") == 100
    assert tax_of(check, "Sales tax") == 89
    assert check.tax_cents == 189
    assert check.inclusive_tax_cents == 200
    assert check.total_cents == 2200 + 189
    assert [t.key.name for t in check.taxes] == ["Sales tax", "Alcohol", "VAT"]  # by rate id


def test_rates_follow_the_dining_option():
    lines = [line(1, 1000, 1, SALES, TAKEOUT_ONLY)]
    assert price_check(lines, dining_option="dine_in").tax_cents == 89
    assert price_check(lines, dining_option="takeout").tax_cents == 89 + 50


def test_a_charge_rate_follows_the_dining_option():
    charge = ChargeToApply(
        1, "Bag", AMOUNT, amount_cents=1000, taxable=True, tax_rates=(TAKEOUT_ONLY,)
    )
    assert price_check([line(1, 100)], service_charges=[charge]).tax_cents == 0
    takeout = price_check([line(1, 100)], service_charges=[charge], dining_option="takeout")
    assert takeout.tax_cents == 50


def test_the_same_rate_edited_between_lines_is_two_tax_lines():
    edited = TaxSnapshot(1, "Sales tax", 90_000)
    check = price_check([line(1, 1000, 1, SALES), line(2, 1000, 1, edited)])
    assert [(t.key.rate_ppm, t.amount_cents) for t in check.taxes] == [(88_750, 89), (90_000, 90)]


def test_a_rate_without_an_id_is_listed_last_and_never_breaks_the_order():
    unnamed = TaxSnapshot(None, "Aardvark levy", 10_000)
    check = price_check([line(1, 1000, 1, unnamed, SALES), line(2, 1000, 1, ALCOHOL)])
    assert [t.key.name for t in check.taxes] == ["Sales tax", "Alcohol", "Aardvark levy"]
    assert [t.key.name for t in check.even_shares(2)[0].taxes] == [
        "Sales tax",
        "Alcohol",
        "Aardvark levy",
    ]


# --- rule 6, carried shares and JSON -----------------------------------------------------------


def test_total_is_discounted_subtotal_plus_charges_plus_exclusive_taxes():
    charge = ChargeToApply(1, "Gratuity", PERCENT, rate_ppm=180_000)
    check = price_check(
        [line(1, 1600, 2, SALES), line(2, 1200, 1, VAT)],
        discounts=[pct(1, 100_000)],
        service_charges=[charge],
    )
    a = check.amounts
    assert (
        a.total_cents == a.subtotal_cents - a.discount_cents + a.service_charge_cents + a.tax_cents
    )


def test_a_carried_share_adds_as_it_is_and_round_trips_through_json():
    share = Amounts(1000, 100, 50, (TaxAmount(TaxKey(1, "Sales tax", 88_750, False), 80),))
    again = Amounts.from_json(share.to_json())
    assert again == share
    check = price_check([line(1, 500)], carried=again)
    assert check.subtotal_cents == 1500
    assert check.total_cents == 500 + 1000 - 100 + 50 + 80
    assert price_check([], carried=share).amounts == share


def test_tax_snapshot_round_trips_through_json():
    assert TaxSnapshot.from_json(TAKEOUT_ONLY.to_json()) == TAKEOUT_ONLY
    assert TaxSnapshot.from_json({"name": "x", "rate_ppm": 5}) == TaxSnapshot(None, "x", 5)


def test_even_shares_of_100_in_3():
    shares = price_check([line(1, 10000)]).even_shares(3)
    assert [s.total_cents for s in shares] == [3334, 3333, 3333]


# --- properties -------------------------------------------------------------------------------

RATES = (SALES, ALCOHOL, VAT, TAKEOUT_ONLY, TaxSnapshot(5, "GST", 50_000, inclusive=True))
rates_strategy = st.lists(st.sampled_from(RATES), max_size=3, unique=True).map(tuple)


@st.composite
def checks(draw: st.DrawFn) -> Check:
    count = draw(st.integers(min_value=1, max_value=8))
    lines = [
        LineToPrice(
            key=key,
            unit_price_cents=draw(st.integers(min_value=0, max_value=50_000)),
            quantity=draw(st.integers(min_value=1, max_value=6)),
            tax_rates=draw(rates_strategy),
        )
        for key in range(1, count + 1)
    ]
    discounts = []
    for key in range(draw(st.integers(min_value=0, max_value=4))):
        line_key = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=count)))
        if draw(st.booleans()):
            ppm = draw(st.integers(min_value=0, max_value=1_000_000))
            discounts.append(pct(key, ppm, line_key=line_key))
        else:
            discounts.append(amt(key, draw(st.integers(0, 100_000)), line_key=line_key))
    charges = [
        ChargeToApply(
            key,
            "charge",
            draw(st.sampled_from([PERCENT, AMOUNT])),
            rate_ppm=draw(st.integers(min_value=0, max_value=300_000)),
            amount_cents=draw(st.integers(min_value=0, max_value=20_000)),
            taxable=draw(st.booleans()),
            tax_rates=draw(rates_strategy),
        )
        for key in range(draw(st.integers(min_value=0, max_value=2)))
    ]
    dining = draw(st.sampled_from(["dine_in", "takeout", "delivery"]))
    return price_check(lines, dining_option=dining, discounts=discounts, service_charges=charges)


def column_sums(parts: list[Amounts]) -> Amounts:
    total = Amounts()
    for part in parts:
        total = total + part
    return total


def same_columns(left: Amounts, right: Amounts) -> None:
    assert left.subtotal_cents == right.subtotal_cents
    assert left.discount_cents == right.discount_cents
    assert left.service_charge_cents == right.service_charge_cents
    assert {t.key: t.amount_cents for t in left.taxes if t.amount_cents} == {
        t.key: t.amount_cents for t in right.taxes if t.amount_cents
    }
    assert left.total_cents == right.total_cents


@settings(max_examples=300, deadline=None)
@given(check=checks())
def test_every_column_of_the_lines_adds_up_to_the_check(check):
    same_columns(column_sums([ln.amounts for ln in check.lines]), check.amounts)
    assert sum(d.amount_cents for d in check.discounts) == check.discount_cents
    assert sum(c.amount_cents for c in check.service_charges) == check.service_charge_cents


@settings(max_examples=300, deadline=None)
@given(check=checks())
def test_no_line_goes_below_zero(check):
    for ln in check.lines:
        assert ln.line_discount_cents >= 0 and ln.check_discount_cents >= 0
        assert ln.net_cents >= 0
        assert ln.service_charge_cents >= 0
        assert all(t.amount_cents >= 0 for t in ln.taxes)
    assert check.total_cents >= 0


@settings(max_examples=200, deadline=None)
@given(
    specs=st.lists(
        st.tuples(st.integers(0, 50_000), st.integers(1, 6), rates_strategy), min_size=1, max_size=8
    ),
    dining=st.sampled_from(["dine_in", "takeout"]),
    check_ppm=st.integers(0, 1_000_000),
)
def test_each_tax_is_the_exact_tax_rounded_half_up_once(specs, dining, check_ppm):
    lines = [line(key, cents, qty, *rates) for key, (cents, qty, rates) in enumerate(specs)]
    check = price_check(lines, dining_option=dining, discounts=[pct(1, check_ppm)])
    exact: dict[TaxKey, Fraction] = {}
    for source, priced in zip(lines, check.lines, strict=True):
        rates = [r for r in source.tax_rates if r.applies_to(dining)]
        inclusive = sum(r.rate_ppm for r in rates if r.inclusive)
        for rate in rates:
            part = Fraction(priced.net_cents * rate.rate_ppm, 1_000_000 + inclusive)
            exact[rate.key] = exact.get(rate.key, Fraction(0)) + part
    assert {t.key: t.amount_cents for t in check.taxes if t.amount_cents} == {
        key: half_up(value) for key, value in exact.items() if half_up(value)
    }


@settings(max_examples=200, deadline=None)
@given(check=checks(), data=st.data())
def test_shares_by_any_partition_of_lines_add_up_to_the_check(check, data):
    keys = [ln.key for ln in check.lines]
    parts = data.draw(st.integers(min_value=1, max_value=len(keys)))
    owner = data.draw(st.lists(st.integers(0, parts - 1), min_size=len(keys), max_size=len(keys)))
    shares = [
        check.share_of_lines([k for k, o in zip(keys, owner, strict=True) if o == part])
        for part in range(parts)
    ]
    same_columns(column_sums(shares), check.amounts)
    assert sum(s.total_cents for s in shares) == check.total_cents


@settings(max_examples=200, deadline=None)
@given(check=checks(), ways=st.integers(min_value=2, max_value=10))
def test_even_shares_add_up_to_the_check_in_every_column(check, ways):
    shares = check.even_shares(ways)
    assert len(shares) == ways
    same_columns(column_sums(shares), check.amounts)
    assert sum(s.total_cents for s in shares) == check.total_cents
    for column in ("subtotal_cents", "discount_cents", "service_charge_cents"):
        values = [getattr(s, column) for s in shares]
        assert max(values) - min(values) <= 1
    assert even_shares(check.amounts, ways) == shares


@settings(max_examples=100, deadline=None)
@given(check=checks(), ways=st.integers(min_value=1, max_value=10))
def test_a_share_carried_onto_an_empty_check_prices_to_itself(check, ways):
    for share in check.even_shares(ways):
        assert price_check([], carried=Amounts.from_json(share.to_json())).amounts == share
