"""Property: the quote of any draft equals the check of the order placed from it (both
backends, a handful of generated drafts each to keep it fast)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from restaurant_api.menu.models import MenuItem
from restaurant_api.pricing.models import TaxRate
from tests.conftest import gid
from tests.orders.test_checks import add_rate, place, quote, without_line_ids

DINING = ["DINE_IN", "TAKEOUT", "DELIVERY"]
STORED = {"DINE_IN": "dine_in", "TAKEOUT": "takeout", "DELIVERY": "delivery"}


@dataclass(frozen=True)
class RateSpec:
    rate_ppm: int
    inclusive: bool
    dining_options: tuple[str, ...]


@dataclass(frozen=True)
class ItemSpec:
    price_cents: int
    category: str
    rates: tuple[RateSpec, ...]  # assigned to the item itself; none: category or default


@dataclass(frozen=True)
class DraftSpec:
    items: tuple[ItemSpec, ...]
    category_rate: RateSpec | None  # on the "Drinks" category
    default_rate: RateSpec | None
    lines: tuple[tuple[int, int], ...]  # (index into items, or -1 for an open item), quantity
    dining_option: str
    guests: int


rates = st.builds(
    RateSpec,
    rate_ppm=st.integers(0, 250_000),
    inclusive=st.booleans(),
    dining_options=st.sampled_from([(), ("dine_in",), ("takeout", "delivery")]),
)
items = st.builds(
    ItemSpec,
    price_cents=st.integers(0, 50_000),
    category=st.sampled_from(["Mains", "Drinks"]),
    rates=st.lists(rates, max_size=2).map(tuple),
)


@st.composite
def drafts(draw: st.DrawFn) -> DraftSpec:
    menu = tuple(draw(st.lists(items, min_size=1, max_size=4)))
    lines = draw(
        st.lists(
            st.tuples(st.integers(-1, len(menu) - 1), st.integers(1, 20)), min_size=1, max_size=6
        )
    )
    return DraftSpec(
        items=menu,
        category_rate=draw(st.none() | rates),
        default_rate=draw(st.none() | rates),
        lines=tuple(lines),
        dining_option=draw(st.sampled_from(DINING)),
        guests=draw(st.integers(1, 12)),
    )


def generated_drafts(count: int) -> list[DraftSpec]:
    """`count` drafts drawn by hypothesis (async database tests cannot be `@given`)."""
    found: list[DraftSpec] = []

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(drafts())
    def collect(spec: DraftSpec) -> None:
        found.append(spec)

    collect()
    return found


async def _configure(db: Any, spec: DraftSpec, names: Any) -> list[MenuItem]:
    """The spec's menu items and rates, with fresh names (one database for every draft)."""

    async def rate(r: RateSpec, **kwargs: Any) -> Any:
        return await add_rate(
            db,
            f"Rate {next(names)}",
            r.rate_ppm,
            inclusive=r.inclusive,
            dining_options=list(r.dining_options),
            **kwargs,
        )

    made = []
    async with db.session() as session:
        for item in spec.items:
            name = f"Item {next(names)}"
            row = MenuItem(
                name=name,
                name_key=name.casefold(),
                category=item.category,
                price_cents=item.price_cents,
            )
            session.add(row)
            await session.flush()
            made.append(row)
    for item, row in zip(spec.items, made, strict=True):
        for r in item.rates:
            await rate(r, items=[row.id])
    if spec.category_rate is not None:
        await rate(spec.category_rate, categories=["Drinks"])
    if spec.default_rate is not None:
        await rate(spec.default_rate, default=True)
    return made


async def _retire_rates(db: Any) -> None:
    """Each draft prices with its own rates: retire the rates of the drafts before."""
    async with db.session() as session:
        await session.exec(update(TaxRate).values(is_active=False))


async def test_the_quote_of_any_draft_equals_the_check_of_the_order_placed_from_it(
    db, gql, client, server
):
    names = itertools.count(1)
    for spec in generated_drafts(6):
        await _retire_rates(db)
        menu = await _configure(db, spec, names)
        lines = [
            {"menuItemId": gid("MenuItem", menu[index].id), "quantity": quantity}
            if index >= 0
            else {"name": "Open", "price": "3.35", "category": "Drinks", "quantity": quantity}
            for index, quantity in spec.lines
        ]
        draft = {"lines": lines, "diningOption": spec.dining_option, "customerCount": spec.guests}
        quoted = await quote(gql, server, **draft)
        assert quoted["__typename"] == "QuotePayload", (spec, quoted)
        placed = await place(gql, server, **draft)
        assert without_line_ids(quoted["check"]) == without_line_ids(placed["check"]), spec
        assert placed["diningOption"] == spec.dining_option
        # REST shows the same check.
        rest = await client.get(f"/api/orders/{placed['databaseId']}", headers=server.headers)
        assert rest.json()["dining_option"] == STORED[spec.dining_option]
        assert Decimal(str(rest.json()["grand_total"])) == Decimal(
            quoted["check"]["total"]["amount"]
        )
        assert Decimal(str(rest.json()["tax"])) == Decimal(quoted["check"]["taxTotal"]["amount"])
        # The check adds up: subtotal - discounts + service charges + exclusive taxes.
        check = quoted["check"]
        cents = {
            key: Decimal(check[key]["amount"])
            for key in ("subtotal", "discountTotal", "serviceChargeTotal", "taxTotal", "total")
        }
        assert cents["total"] == (
            cents["subtotal"]
            - cents["discountTotal"]
            + cents["serviceChargeTotal"]
            + cents["taxTotal"]
        )
