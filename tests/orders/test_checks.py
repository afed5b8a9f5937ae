"""An order's check over GraphQL: tax snapshots, dining options, quotes (both backends)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import col, func, select

from restaurant_api.orders import service as orders_service
from restaurant_api.orders.models import (
    AdjustmentStatus,
    Order,
    OrderDiscount,
    OrderLine,
    OrderServiceCharge,
)
from restaurant_api.pricing.models import (
    AdjustmentKind,
    CategoryTaxRate,
    MenuItemTaxRate,
    ServiceChargeRule,
    TaxRate,
)
from tests.conftest import gid
from tests.factories import Item

CHECK = """
fragment CheckFields on Check {
  subtotal { amount } discountTotal { amount } serviceChargeTotal { amount }
  taxTotal { amount } inclusiveTaxTotal { amount } total { amount }
  taxes { name rate inclusive amount { amount } }
  discounts { name lineId isComp amount { amount } }
  serviceCharges { name taxable amount { amount } }
  lines { index gross { amount } lineDiscount { amount } checkDiscount { amount }
          serviceCharge { amount } tax { amount } inclusiveTax { amount } total { amount } }
}"""

PLACE = (
    CHECK
    + """
mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    __typename
    ... on OrderPayload { order { id databaseId version diningOption total { amount }
                                  check { ...CheckFields lines { lineId } } } }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}"""
)

QUOTE = (
    CHECK
    + """
query($input: PlaceOrderInput!) {
  quoteOrder(input: $input) {
    __typename
    ... on QuotePayload { check { ...CheckFields lines { lineId } } }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}"""
)

UPDATE = """
mutation($id: ID!, $input: UpdateOrderInput!) {
  updateOrder(orderId: $id, input: $input) {
    __typename
    ... on OrderPayload { order { version diningOption tableId
                                  check { total { amount } taxes { name amount { amount } } } } }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}"""


async def add_rate(
    db: Any,
    name: str,
    rate_ppm: int,
    *,
    inclusive: bool = False,
    default: bool = False,
    dining_options: list[str] | None = None,
    items: Sequence[int] = (),
    categories: Sequence[str] = (),
) -> TaxRate:
    async with db.session() as session:
        rate = TaxRate(
            name=name,
            name_key=name.casefold(),
            rate_ppm=rate_ppm,
            inclusive=inclusive,
            is_default=default,
            dining_options=dining_options or [],
        )
        session.add(rate)
        await session.flush()
        session.add_all(MenuItemTaxRate(menu_item_id=i, tax_rate_id=rate.id) for i in items)
        session.add_all(CategoryTaxRate(category=c, tax_rate_id=rate.id) for c in categories)
    return rate


def menu_line(item_id: int, quantity: int = 1) -> dict[str, Any]:
    return {"menuItemId": gid("MenuItem", item_id), "quantity": quantity}


async def place(gql: Any, staff: Any, **input: Any) -> dict[str, Any]:
    body = await gql(PLACE, {"input": input}, staff=staff)
    result = body["data"]["placeOrder"]
    assert result["__typename"] == "OrderPayload", result
    return result["order"]


async def quote(gql: Any, staff: Any, **input: Any) -> dict[str, Any]:
    body = await gql(QUOTE, {"input": input}, staff=staff)
    return body["data"]["quoteOrder"]


def without_line_ids(check: dict[str, Any]) -> dict[str, Any]:
    return {
        **check,
        "lines": [{k: v for k, v in ln.items() if k != "lineId"} for ln in check["lines"]],
    }


async def test_inclusive_and_exclusive_taxes_on_one_check(db, gql, server, add_menu_item):
    burger = await add_menu_item("Burger", "10.00", "Mains")
    wine = await add_menu_item("Wine", "12.00", "Drinks")
    await add_rate(db, "Sales tax", 88_750, default=True)
    await add_rate(db, "VAT", 200_000, inclusive=True, items=[wine.id])

    order = await place(gql, server, lines=[menu_line(burger.id, 3), menu_line(wine.id)])

    check = order["check"]
    assert order["diningOption"] == "DINE_IN"
    assert check["subtotal"]["amount"] == order["total"]["amount"] == "42.00"
    # Sales tax on 30.00: 2.6625 -> 2.66; VAT inside 12.00: 12 x 0.2 / 1.2 = 2.00.
    assert check["taxes"] == [
        {"name": "Sales tax", "rate": "8.875", "inclusive": False, "amount": {"amount": "2.66"}},
        {"name": "VAT", "rate": "20", "inclusive": True, "amount": {"amount": "2.00"}},
    ]
    assert check["taxTotal"]["amount"] == "2.66"
    assert check["inclusiveTaxTotal"]["amount"] == "2.00"
    assert check["total"]["amount"] == "44.66"
    assert [line["total"]["amount"] for line in check["lines"]] == ["32.66", "12.00"]
    assert [line["inclusiveTax"]["amount"] for line in check["lines"]] == ["0.00", "2.00"]
    async with db.session() as session:
        lines = (await session.exec(select(OrderLine).order_by(col(OrderLine.id)))).all()
    assert [[rate["name"] for rate in line.tax_rates] for line in lines] == [["Sales tax"], ["VAT"]]


async def test_a_placed_check_keeps_the_rates_its_lines_copied(db, gql, server, add_menu_item):
    soup = await add_menu_item("Soup", "6.00", "Starters")
    rate = await add_rate(db, "City tax", 50_000, categories=["Starters"])
    order = await place(gql, server, lines=[menu_line(soup.id)])
    assert order["check"]["total"]["amount"] == "6.30"
    async with db.session() as session:
        stored = await session.get(TaxRate, rate.id)
        assert stored is not None
        stored.rate_ppm = 100_000  # the city raises its tax after the order was placed
        session.add(stored)
    body = await gql(
        "query($id: ID!) { order(id: $id) { check { total { amount } taxes { rate } } } }",
        {"id": order["id"]},
        staff=server,
    )
    assert body["data"]["order"]["check"] == {"total": {"amount": "6.30"}, "taxes": [{"rate": "5"}]}
    # A line added now takes the new rate; the first one keeps its own.
    body = await gql(
        UPDATE, {"id": order["id"], "input": {"addLines": [menu_line(soup.id)]}}, staff=server
    )
    changed = body["data"]["updateOrder"]["order"]
    assert changed["check"]["total"]["amount"] == "12.90"
    assert changed["check"]["taxes"] == [
        {"name": "City tax", "amount": {"amount": "0.30"}},
        {"name": "City tax", "amount": {"amount": "0.60"}},
    ]


async def test_dining_option_decides_which_rates_apply(db, gql, server, add_menu_item, add_table):
    meal = await add_menu_item("Meal", "20.00")
    await add_rate(db, "Sales tax", 80_000, default=True)
    await add_rate(db, "Takeout fee tax", 10_000, default=True, dining_options=["takeout"])
    table = await add_table(7)

    seated = await place(gql, server, lines=[menu_line(meal.id)], tableId=gid("Table", table.id))
    assert seated["check"]["total"]["amount"] == "21.60"
    takeout = await place(gql, server, lines=[menu_line(meal.id)], diningOption="TAKEOUT")
    assert takeout["diningOption"] == "TAKEOUT"
    assert takeout["check"]["total"]["amount"] == "21.80"
    assert [tax["name"] for tax in takeout["check"]["taxes"]] == ["Sales tax", "Takeout fee tax"]

    # Only dine-in may have a table: typed errors, nothing written.
    body = await gql(
        PLACE,
        {
            "input": {
                "lines": [menu_line(meal.id)],
                "tableId": gid("Table", table.id),
                "diningOption": "DELIVERY",
            }
        },
        staff=server,
    )
    assert body["data"]["placeOrder"]["__typename"] == "ValidationError"
    assert body["data"]["placeOrder"]["field"] == "diningOption"
    body = await gql(
        UPDATE, {"id": seated["id"], "input": {"diningOption": "TAKEOUT"}}, staff=server
    )
    assert body["data"]["updateOrder"]["__typename"] == "ValidationError"
    # Off the table and to takeout in one change: the takeout rate now applies.
    body = await gql(
        UPDATE,
        {"id": seated["id"], "input": {"diningOption": "TAKEOUT", "tableId": None}},
        staff=server,
    )
    changed = body["data"]["updateOrder"]["order"]
    assert changed["diningOption"] == "TAKEOUT"
    assert changed["tableId"] is None
    assert changed["version"] == seated["version"] + 1
    assert changed["check"]["total"]["amount"] == "21.80"


async def test_quote_equals_the_placed_check_and_writes_nothing(db, gql, server, add_menu_item):
    burger = await add_menu_item("Burger", "8.99")
    beer = await add_menu_item("Beer", "5.50", "Drinks")
    await add_rate(db, "Sales tax", 88_750, default=True)
    await add_rate(db, "Alcohol", 100_000, categories=["drinks"])
    draft = {
        "lines": [
            menu_line(burger.id, 2),
            menu_line(beer.id, 3),
            {"name": "Special", "price": "4.05", "category": "Mains"},
        ],
        "customerCount": 3,
    }
    quoted = await quote(gql, server, **draft)
    assert quoted["__typename"] == "QuotePayload", quoted
    async with db.session() as session:
        assert (await session.exec(select(func.count()).select_from(Order))).one() == 0
    placed = await place(gql, server, **draft)
    assert quoted["check"]["lines"][0]["lineId"] is None
    assert placed["check"]["lines"][0]["lineId"] is not None
    assert without_line_ids(quoted["check"]) == without_line_ids(placed["check"])
    # 17.98 + 4.05 at 8.875% (1.9551 -> 1.96), 16.50 at 10% (1.65)
    assert quoted["check"]["total"]["amount"] == "42.14"


async def test_a_quote_is_validated_like_an_order(gql, server, kitchen, add_menu_item):
    gone = await add_menu_item("Gone", "3.00", available=False)
    body = await quote(gql, server, lines=[menu_line(gone.id)])
    assert body["__typename"] == "ValidationError"
    assert body["field"] == "lines.0.menuItemId"
    body = await quote(gql, server, lines=[])
    assert body["__typename"] == "ValidationError"
    body = await quote(gql, kitchen, lines=[{"name": "x", "price": "1.00", "category": "M"}])
    assert body["__typename"] == "PermissionDeniedError"
    body = await quote(
        gql, server, lines=[{"name": "x", "price": "1.00", "category": "M"}], total="2.00"
    )
    assert body["__typename"] == "ValidationError"
    assert "expected 1.00" in body["message"]
    body = await quote(
        gql,
        server,
        lines=[{"name": "x", "price": "1.00", "category": "M"}],
        tableId=gid("Table", 1),
        diningOption="DELIVERY",
    )
    assert body["__typename"] == "ValidationError"
    assert body["field"] == "diningOption"


async def test_a_quote_has_the_automatic_service_charges_of_its_party(
    db, gql, server, add_menu_item
):
    steak = await add_menu_item("Steak", "25.00")
    await add_rate(db, "Sales tax", 100_000, default=True)
    async with db.session() as session:
        session.add(
            ServiceChargeRule(
                name="Gratuity",
                name_key="gratuity",
                kind=AdjustmentKind.PERCENT,
                rate_ppm=180_000,
                taxable=True,
                auto_min_guests=6,
            )
        )
        session.add(
            ServiceChargeRule(
                name="Delivery fee",
                name_key="delivery fee",
                kind=AdjustmentKind.AMOUNT,
                amount_cents=399,
                auto_min_guests=1,
                dining_options=["delivery"],
            )
        )
        session.add(
            ServiceChargeRule(
                name="Cake", name_key="cake", kind=AdjustmentKind.AMOUNT, amount_cents=500
            )
        )
    lines = [menu_line(steak.id, 4)]
    five = (await quote(gql, server, lines=lines, customerCount=5))["check"]
    assert five["serviceCharges"] == []
    assert five["total"]["amount"] == "110.00"
    six = (await quote(gql, server, lines=lines, customerCount=6))["check"]
    # 18% of 100.00, taxed at the default rate: 10.00 + 1.80 tax.
    assert six["serviceCharges"] == [
        {"name": "Gratuity", "taxable": True, "amount": {"amount": "18.00"}}
    ]
    assert six["taxTotal"]["amount"] == "11.80"
    assert six["total"]["amount"] == "129.80"
    delivery = (await quote(gql, server, lines=lines, diningOption="DELIVERY"))["check"]
    assert delivery["serviceCharges"] == [
        {"name": "Delivery fee", "taxable": False, "amount": {"amount": "3.99"}}
    ]
    assert delivery["total"]["amount"] == "113.99"


async def test_checks_of_a_page_of_orders_take_constant_statements(
    db, gql, server, add_menu_item, count_statements
):
    soup = await add_menu_item("Soup", "4.10")
    await add_rate(db, "Sales tax", 88_750, default=True)
    query = """query($first: Int!) { orders(first: $first) { edges { node {
      lines { name } check { total { amount } lines { lineId tax { amount } } } } } } }"""
    counts = {}
    placed = 0
    for size in (2, 12):
        while placed < size:
            await place(gql, server, lines=[menu_line(soup.id, 2), menu_line(soup.id)])
            placed += 1
        with count_statements() as counter:
            body = await gql(query, {"first": size}, staff=server)
        edges = body["data"]["orders"]["edges"]
        assert len(edges) == size
        # 8.20 + 4.10 = 12.30; tax 1.091625 -> 1.09, spread 0.73 / 0.36.
        assert {edge["node"]["check"]["total"]["amount"] for edge in edges} == {"13.39"}
        assert [line["tax"]["amount"] for line in edges[0]["node"]["check"]["lines"]] == [
            "0.73",
            "0.36",
        ]
        counts[size] = counter.count
    # The caller, the page, its lines; the orders again and their discounts and charges.
    assert counts == {2: 6, 12: 6}, counts


async def test_checks_for_orders_equal_price_order_in_three_reads(db, add_order, count_statements):
    orders = []
    for n in range(1, 6):
        orders.append(await add_order([Item("Dish", 1000 + n, quantity=n), Item("Side", 333)]))
    async with db.session() as session:
        session.add(
            OrderDiscount(
                order_id=orders[1].id,
                name="Staff",
                kind=AdjustmentKind.PERCENT,
                rate_ppm=500_000,
                reason="staff meal",
                status=AdjustmentStatus.APPLIED,
            )
        )
        session.add(
            OrderServiceCharge(
                order_id=orders[2].id,
                name="Cake",
                kind=AdjustmentKind.AMOUNT,
                amount_cents=250,
                status=AdjustmentStatus.APPLIED,
            )
        )
    async with db.session() as session:
        rows = list((await session.exec(select(Order).order_by(col(Order.id)))).all())
        with count_statements() as counter:
            checks = await orders_service.checks_for_orders(session, rows)
        assert counter.count == 3
        for order in rows:
            assert checks[order.id] == await orders_service.price_order(session, order)
    assert checks[orders[1].id].discount_cents == 1169  # 50% of 23.37, half-up
    assert checks[orders[2].id].service_charge_cents == 250
    assert checks[orders[0].id].total_cents == 1001 + 333
