"""Splits carry their part of the check: discounts, service charges and taxes per rate, to
the cent, on SQLite and PostgreSQL, through REST, GraphQL and the service."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from restaurant_api.db import Database
from restaurant_api.errors import InvalidInput
from restaurant_api.orders import service as orders_service
from restaurant_api.orders.checks import price_order
from restaurant_api.orders.models import (
    AdjustmentStatus,
    Order,
    OrderDiscount,
    OrderLine,
    OrderServiceCharge,
)
from restaurant_api.orders.service import LineChange, OrderChanges, SplitMode, SplitRequest
from restaurant_api.pricing.service import Amounts, Check, TaxSnapshot
from restaurant_api.tables import service as tables_service
from tests.conftest import dbid, gid
from tests.factories import Item

SALES = TaxSnapshot(1, "Sales tax", 88_750)
ALCOHOL = TaxSnapshot(2, "Alcohol", 100_000)
VAT = TaxSnapshot(3, "VAT", 200_000, inclusive=True)


@dataclass(frozen=True)
class Line:
    name: str
    cents: int
    quantity: int = 1
    rates: tuple[TaxSnapshot, ...] = ()
    seat: int | None = None


@dataclass(frozen=True)
class Adjust:
    """A discount (line index or None for the check) or, with `charge`, a service charge."""

    kind: str
    value: int  # ppm for percent, cents for amount
    line: int | None = None
    charge: bool = False
    taxable: bool = False
    comp: bool = False


# The README's worked example ("How a check is computed").
EXAMPLE_LINES = [
    Line("Burger +BACON", 1600, 2, (SALES,), seat=1),
    Line("Fries", 450, 1, (SALES,), seat=2),
    Line("Beer", 700, 3, (ALCOHOL,), seat=2),
    Line("Soda", 325, 1, (SALES,), seat=3),
]
EXAMPLE_ADJUSTMENTS = [
    Adjust("percent", 1_000_000, line=1, comp=True),
    Adjust("percent", 100_000),
    Adjust("percent", 180_000, charge=True),
]


async def add_priced_order(
    db: Database,
    table_id: int,
    lines: list[Line],
    adjustments: list[Adjust],
    dining_option: str = "dine_in",
) -> Order:
    async with db.session() as session:
        order = Order(customer_count=6, dining_option=dining_option)
        session.add(order)
        await session.flush()
        rows = [
            OrderLine(
                order_id=order.id,
                position=position,
                name=line.name,
                category="Mains",
                unit_price_cents=line.cents,
                quantity=line.quantity,
                tax_rates=[rate.to_json() for rate in line.rates],
                seat_number=line.seat,
            )
            for position, line in enumerate(lines)
        ]
        session.add_all(rows)
        await session.flush()
        for adjust in adjustments:
            terms: dict[str, Any] = {
                "order_id": order.id,
                "kind": adjust.kind,
                "rate_ppm": adjust.value if adjust.kind == "percent" else 0,
                "amount_cents": adjust.value if adjust.kind == "amount" else 0,
                "status": AdjustmentStatus.APPLIED,
            }
            if adjust.charge:
                session.add(
                    OrderServiceCharge(
                        name="Gratuity",
                        taxable=adjust.taxable,
                        tax_rates=[SALES.to_json()] if adjust.taxable else [],
                        **terms,
                    )
                )
            else:
                line_id = None if adjust.line is None else rows[adjust.line].id
                session.add(
                    OrderDiscount(
                        name="Comp" if adjust.comp else "Discount",
                        line_id=line_id,
                        is_comp=adjust.comp,
                        reason="test",
                        **terms,
                    )
                )
        await tables_service.occupy_table_for_order(session, table_id=table_id, order=order)
    return order


async def check_of_order(db: Database, order_id: int) -> Check:
    async with db.session(read_only=True) as session:
        order = await session.get(Order, order_id)
        assert order is not None
        return await price_order(session, order)


def columns(amounts: Amounts) -> tuple[int, int, int, dict[str, int], int]:
    return (
        amounts.subtotal_cents,
        amounts.discount_cents,
        amounts.service_charge_cents,
        {f"{t.key.name} {t.key.rate_ppm}": t.amount_cents for t in amounts.taxes if t.amount_cents},
        amounts.total_cents,
    )


def added(parts: list[Amounts]) -> Amounts:
    total = Amounts()
    for part in parts:
        total = total + part
    return total


async def test_a_three_way_even_split_of_a_taxed_discounted_check_adds_up_to_the_cent(
    db, client, server, add_table
):
    table = await add_table(1, capacity=6)
    order = await add_priced_order(db, table.id, EXAMPLE_LINES, EXAMPLE_ADJUSTMENTS)
    original = await check_of_order(db, order.id)
    assert columns(original.amounts) == (
        6075,
        1013,
        911,
        {"Sales tax 88750": 282, "Alcohol 100000": 189},
        6444,
    )

    response = await client.post(
        f"/api/tables/split-bill/{table.id}",
        json={"method": "even", "ways": 3},
        headers=server.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    # REST `total` keeps its meaning: the sum of the order's lines.
    assert [Decimal(str(o["total"])) for o in body] == [Decimal("20.25")] * 3
    shares = [await check_of_order(db, o["id"]) for o in body]
    assert [columns(s.amounts) for s in shares] == [
        (2025, 338, 304, {"Sales tax 88750": 94, "Alcohol 100000": 63}, 2148),
        (2025, 338, 304, {"Sales tax 88750": 94, "Alcohol 100000": 63}, 2148),
        (2025, 337, 303, {"Sales tax 88750": 94, "Alcohol 100000": 63}, 2148),
    ]
    assert columns(added([s.amounts for s in shares])) == columns(original.amounts)
    assert sum(s.total_cents for s in shares) == original.total_cents == 6444
    # The original keeps its rows and its check as the record.
    assert columns((await check_of_order(db, order.id)).amounts) == columns(original.amounts)


async def test_item_and_seat_splits_carry_their_lines_parts(db, gql, server, add_table):
    table = await add_table(1, capacity=6)
    order = await add_priced_order(db, table.id, EXAMPLE_LINES, EXAMPLE_ADJUSTMENTS)
    original = await check_of_order(db, order.id)
    query = (
        "query($t: ID!, $s: SplitInput!) { splitPreview(tableId: $t, split: $s) { "
        "total { amount } check { subtotal { amount } discountTotal { amount } "
        "serviceChargeTotal { amount } taxTotal { amount } total { amount } } "
        "shares { label total { amount } check { subtotal { amount } discountTotal { amount } "
        "serviceChargeTotal { amount } taxTotal { amount } inclusiveTaxTotal { amount } "
        "taxes { name rate inclusive amount { amount } } total { amount } } } } }"
    )
    seats = await gql(query, {"t": gid("Table", table.id), "s": {"mode": "SEATS"}}, staff=server)
    preview = seats["data"]["splitPreview"]
    assert preview["total"] == {"amount": "60.75"}
    assert preview["check"]["total"] == {"amount": "64.44"}
    by_seat = {s["label"]: s["check"] for s in preview["shares"]}
    # Seat 1: the burgers (their line's part: 32.00 - 3.20 + 5.18 + 2.56 tax).
    assert by_seat["Seat 1"]["total"] == {"amount": "36.54"}
    assert by_seat["Seat 1"]["taxes"] == [
        {"name": "Sales tax", "rate": "8.875", "inclusive": False, "amount": {"amount": "2.56"}}
    ]
    # Seat 2: comped fries and the beers (21.00 - 2.10 - 4.50 comp + 3.40 + 1.89 tax).
    assert by_seat["Seat 2"]["discountTotal"] == {"amount": "6.60"}
    assert by_seat["Seat 2"]["total"] == {"amount": "24.19"}
    assert by_seat["Seat 3"]["total"] == {"amount": "3.71"}

    items = {"mode": "ITEMS", "items": [[0, 3], [1, 2]]}
    split = await gql(
        "mutation($t: ID!, $s: SplitInput!) { splitBill(tableId: $t, split: $s) { "
        "... on SplitBillPayload { orders { id total { amount } } } } }",
        {"t": gid("Table", table.id), "s": items},
        staff=server,
    )
    orders = split["data"]["splitBill"]["orders"]
    assert [o["total"]["amount"] for o in orders] == ["35.25", "25.50"]
    shares = [await check_of_order(db, dbid(o["id"])) for o in orders]
    assert [s.total_cents for s in shares] == [3654 + 371, 2419]
    assert columns(added([s.amounts for s in shares])) == columns(original.amounts)


# --- property: random checks and splits through the service -----------------------------------


@dataclass(frozen=True)
class Scenario:
    lines: list[Line]
    adjustments: list[Adjust]
    dining_option: str
    request: SplitRequest


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    rates = st.lists(st.sampled_from([SALES, ALCOHOL, VAT]), max_size=2, unique=True).map(tuple)
    lines = draw(
        st.lists(
            st.builds(
                Line,
                name=st.just("Item"),
                cents=st.integers(0, 20_000),
                quantity=st.integers(1, 4),
                rates=rates,
                seat=st.one_of(st.none(), st.integers(1, 4)),
            ),
            min_size=1,
            max_size=6,
        )
    )
    count = len(lines)
    adjust = st.builds(
        Adjust,
        kind=st.sampled_from(["percent", "amount"]),
        value=st.integers(0, 1_000_000),
        line=st.one_of(st.none(), st.integers(0, count - 1)),
        charge=st.booleans(),
        taxable=st.booleans(),
    ).map(lambda a: a if a.kind == "percent" else Adjust(**{**a.__dict__, "value": a.value // 50}))
    mode = draw(st.sampled_from([SplitMode.EVEN, SplitMode.ITEMS, SplitMode.SEATS]))
    if mode == SplitMode.EVEN:
        request = SplitRequest(mode=mode, ways=draw(st.integers(2, 10)))
    else:
        parts = draw(st.integers(1, count))
        owner = draw(st.lists(st.integers(0, parts - 1), min_size=count, max_size=count))
        groups = tuple(
            tuple(i for i in range(count) if owner[i] == p) for p in range(parts) if p in owner
        )
        seat_numbers = tuple(range(1, len(groups) + 1)) if mode == SplitMode.SEATS else ()
        request = SplitRequest(mode=mode, groups=groups, seat_numbers=seat_numbers)
    return Scenario(
        lines=lines,
        adjustments=draw(st.lists(adjust, min_size=1, max_size=4)),
        dining_option=draw(st.sampled_from(["dine_in", "takeout"])),
        request=request,
    )


def collect(examples: int) -> list[Scenario]:
    drawn: list[Scenario] = []

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(scenarios())
    def draw(scenario: Scenario) -> None:
        drawn.append(scenario)

    draw()
    # Spread over the run: hypothesis starts with its simplest examples.
    return drawn[:: max(1, len(drawn) // 8)][:8]


async def test_any_split_of_any_check_adds_up_exactly(db, server, add_table):
    for number, scenario in enumerate(collect(60), start=1):
        table = await add_table(number, capacity=6)
        order = await add_priced_order(
            db, table.id, scenario.lines, scenario.adjustments, scenario.dining_option
        )
        original = await check_of_order(db, order.id)
        async with db.session() as session:
            preview_order, preview = await tables_service.preview_split(
                session, actor=server.user, table_id=table.id, request=scenario.request
            )
        async with db.session() as session:
            splits = await tables_service.split_bill(
                session, actor=server.user, table_id=table.id, request=scenario.request
            )
            split_ids = [split.id for split in splits]
        shares = [await check_of_order(db, split_id) for split_id in split_ids]
        assert columns(added([s.amounts for s in shares])) == columns(original.amounts), scenario
        assert sum(s.total_cents for s in shares) == original.total_cents
        # The preview showed exactly what each split order now charges.
        assert [columns(s.amounts) for s in preview] == [columns(s.amounts) for s in shares]
        assert preview_order.id == order.id
        for share in shares:
            assert share.total_cents >= 0 and share.discount_cents <= share.subtotal_cents


async def test_rest_split_preview_shows_every_column_and_matches_the_split(
    db, client, server, kitchen, add_table
):
    table = await add_table(1, capacity=6)
    url = f"/api/tables/split-preview/{table.id}"
    even = {"method": "even", "ways": 3}
    empty = await client.post(url, json=even, headers=server.headers)
    assert (empty.status_code, empty.json()["detail"]) == (400, "Table has no order to split")
    order = await add_priced_order(db, table.id, EXAMPLE_LINES, EXAMPLE_ADJUSTMENTS)

    response = await client.post(url, json=even, headers=server.headers)
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["order_id"] == order.id
    assert (preview["total"], preview["grand_total"]) == (60.75, 64.44)
    assert (preview["discount_total"], preview["service_charge_total"], preview["tax"]) == (
        10.13,
        9.11,
        4.71,
    )
    assert preview["taxes"] == [
        {"name": "Sales tax", "rate": "8.875", "inclusive": False, "amount": 2.82},
        {"name": "Alcohol", "rate": "10", "inclusive": False, "amount": 1.89},
    ]
    shares = preview["shares"]
    assert [s["label"] for s in shares] == ["Share 1 of 3", "Share 2 of 3", "Share 3 of 3"]
    assert [(s["total"], s["subtotal"]) for s in shares] == [(20.25, 20.25)] * 3
    assert [s["discount_total"] for s in shares] == [3.38, 3.38, 3.37]
    assert [s["service_charge_total"] for s in shares] == [3.04, 3.04, 3.03]
    assert [[t["amount"] for t in s["taxes"]] for s in shares] == [[0.94, 0.63]] * 3
    assert [s["grand_total"] for s in shares] == [21.48, 21.48, 21.48]

    seats = await client.post(url, json={"method": "seats"}, headers=server.headers)
    assert [(s["label"], s["items"], s["grand_total"]) for s in seats.json()["shares"]] == [
        ("Seat 1", [0], 36.54),
        ("Seat 2", [1, 2], 24.19),
        ("Seat 3", [3], 3.71),
    ]
    bad = await client.post(url, json={"split_1": [0], "split_2": [0]}, headers=server.headers)
    assert bad.status_code == 422
    denied = await client.post(url, json=even, headers=kitchen.headers)
    assert denied.status_code == 403

    split = await client.post(
        f"/api/tables/split-bill/{table.id}", json=even, headers=server.headers
    )
    checks = [await check_of_order(db, o["id"]) for o in split.json()]
    assert [c.total_cents for c in checks] == [2148, 2148, 2148]


# --- split orders after the split: removing, changing, merging ----------------------------------


async def split_by_items(
    db: Database, server: Any, table_id: int, groups: tuple[tuple[int, ...], ...]
) -> list[int]:
    async with db.session() as session:
        splits = await tables_service.split_bill(
            session,
            actor=server.user,
            table_id=table_id,
            request=SplitRequest(mode=SplitMode.ITEMS, groups=groups),
        )
        return [split.id for split in splits]


async def test_removing_a_carried_line_takes_its_part_of_the_share_with_it(
    db, client, gql, server, add_table, read_order
):
    table = await add_table(1, capacity=6)
    await add_priced_order(db, table.id, EXAMPLE_LINES, EXAMPLE_ADJUSTMENTS)
    first, second = await split_by_items(db, server, table.id, ((0, 3), (1, 2)))
    assert (await check_of_order(db, first)).total_cents == 3654 + 371

    _, lines = await read_order(first)
    typed = await gql(
        "mutation($id: ID!, $input: UpdateOrderInput!) { updateOrder(orderId: $id, "
        "input: $input) { __typename ... on ValidationError { code field message } } }",
        {
            "id": gid("Order", first),
            "input": {"changeLines": [{"lineId": gid("OrderLine", lines[0].id), "quantity": 3}]},
        },
        staff=server,
    )
    error = typed["data"]["updateOrder"]
    assert (error["__typename"], error["code"]) == ("ValidationError", "VALIDATION_ERROR")
    assert "part of a split share" in error["message"]
    async with db.session() as session:
        with pytest.raises(InvalidInput):
            await orders_service.change_order_lines(
                session,
                actor=server.user,
                order_id=first,
                changes=OrderChanges(change_lines=(LineChange(lines[0].id, quantity=1),)),
            )
    async with db.session() as session:
        await orders_service.change_order_lines(
            session,
            actor=server.user,
            order_id=first,
            changes=OrderChanges(
                remove_line_ids=(lines[1].id,),
                change_lines=(LineChange(lines[0].id, note="no pickles"),),
            ),
        )
    # The soda's part (3.25 - 0.33 + 0.53 + 0.26 = 3.71) leaves; the burgers' stays whole.
    check = await check_of_order(db, first)
    assert columns(check.amounts) == (3200, 320, 518, {"Sales tax 88750": 256}, 3654)

    # REST resends the one item left unchanged: nothing moves.
    _, lines = await read_order(second)
    items = [
        {"name": ln.name, "price": str(Decimal(ln.unit_price_cents) / 100), "category": ln.category}
        | {"quantity": ln.quantity, "seat_number": ln.seat_number}
        for ln in lines
    ]
    response = await client.put(
        f"/api/orders/{second}", json={"order": items[1:]}, headers=server.headers
    )
    assert response.status_code == 200, response.text
    # Only the beers are left: 21.00 - 2.10 + 3.40 + 1.89 (the comped fries were 0.00).
    assert (await check_of_order(db, second)).total_cents == 2419


async def test_a_split_order_merged_and_unmerged_keeps_its_share(
    db, client, server, add_table, add_order
):
    table = await add_table(1, capacity=6)
    await add_priced_order(db, table.id, EXAMPLE_LINES, EXAMPLE_ADJUSTMENTS)
    first, _second = await split_by_items(db, server, table.id, ((0, 3), (1, 2)))
    guest = await add_table(2)
    assigned = await client.post(f"/api/tables/{guest.id}/assign/{first}", headers=server.headers)
    assert assigned.status_code == 200, assigned.text
    host = await add_table(3)
    host_order = await add_order([Item("Soup", 650)], table_id=host.id)

    merged = await client.post(
        f"/api/tables/merge-tables/{host.id}/{guest.id}", headers=server.headers
    )
    assert merged.status_code == 200, merged.text
    assert (await check_of_order(db, host_order.id)).total_cents == 650 + 3654 + 371

    unmerged = await client.post(f"/api/tables/{host.id}/unmerge", headers=server.headers)
    assert unmerged.status_code == 200, unmerged.text
    assert (await check_of_order(db, host_order.id)).total_cents == 650
    assert (await check_of_order(db, first)).total_cents == 3654 + 371


async def test_a_carried_line_takes_no_new_discount(
    db, gql, manager, server, add_table, read_order
):
    table = await add_table(1, capacity=6)
    await add_priced_order(db, table.id, EXAMPLE_LINES, EXAMPLE_ADJUSTMENTS)
    first, _ = await split_by_items(db, server, table.id, ((0, 3), (1, 2)))
    before = await check_of_order(db, first)
    _, lines = await read_order(first)
    body = await gql(
        'mutation($line: ID!) { compLine(lineId: $line, reason: "cold") {'
        " __typename ... on ValidationError { field message } } }",
        {"line": gid("OrderLine", lines[0].id)},
        staff=manager,
    )
    error = body["data"]["compLine"]
    assert (error["__typename"], error["field"]) == ("ValidationError", "lineId")
    assert "discount it before splitting" in error["message"]
    assert (await check_of_order(db, first)).total_cents == before.total_cents
