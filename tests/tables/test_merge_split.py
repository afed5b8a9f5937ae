"""Merge, unmerge, transfer and split over REST: seats, capacities, orders, kitchen tickets."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import col, select

from restaurant_api.orders.models import OrderLine
from tests.conftest import gid
from tests.factories import Item, table_json
from tests.orders.adjusting import COMP, check_of


async def merge(client, staff, first, second):
    return await client.post(f"/api/tables/merge-tables/{first}/{second}", headers=staff.headers)


# --- merge ------------------------------------------------------------------------------------


async def test_merge_combines_capacity_seats_and_orders(
    client, server, add_table, add_order, read_order, kitchen_snapshot
):
    first = await add_table(1, capacity=2)
    second = await add_table(2, capacity=3)
    order1 = await add_order([Item("Soup", 650, seat_number=1)], table_id=first.id, customers=2)
    order2 = await add_order(
        [Item("Steak", 2490, seat_number=2), Item("Wine", 690, seat_number=None)],
        table_id=second.id,
        customers=3,
    )
    await client.post(
        f"/api/tables/{second.id}/release-seat/3", headers=server.headers
    )  # one seat of the second table is free
    before = await kitchen_snapshot()

    response = await merge(client, server, first.id, second.id)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == first.id
    assert body["capacity"] == 5
    assert [s["seat_number"] for s in body["seats"]] == [1, 2, 3, 4, 5]
    assert [s["status"] for s in body["seats"]][2:] == ["occupied", "occupied", "available"]
    assert body["current_order_id"] == order1.id
    merged = await table_json(client, server, second.id)
    assert merged["merged_into"] == first.id
    assert merged["status"] != "available"
    assert merged["seats"] == []

    combined, lines = await read_order(order1.id)
    assert [ln.name for ln in lines] == ["Soup", "Steak", "Wine"]
    assert [ln.seat_number for ln in lines] == [1, 4, None]  # seat 2 of table 2 is now seat 4
    assert [ln.origin_table_id for ln in lines] == [None, second.id, second.id]
    assert combined.customer_count == 5
    cancelled, cancelled_lines = await read_order(order2.id)
    assert cancelled.status == "cancelled" and cancelled_lines == []
    assert await kitchen_snapshot() == before


async def test_merge_moves_the_only_order_to_the_first_table(
    client, server, add_table, add_order, read_order
):
    first = await add_table(1, capacity=2)
    second = await add_table(2, capacity=2)
    order = await add_order([Item("Soup", 650)], table_id=second.id)
    response = await merge(client, server, first.id, second.id)
    assert response.status_code == 200
    assert response.json()["current_order_id"] == order.id
    assert response.json()["status"] == "occupied"
    moved, _ = await read_order(order.id)
    assert moved.table_id == first.id and moved.status == "open"


async def test_merge_errors(client, server, add_table):
    first = await add_table(1)
    second = await add_table(2)
    third = await add_table(3)
    response = await merge(client, server, first.id, 999)
    assert (response.status_code, response.json()) == (
        404,
        {"detail": "One or both tables not found"},
    )
    response = await merge(client, server, 999, first.id)
    assert response.status_code == 404
    response = await merge(client, server, first.id, first.id)
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Cannot merge a table with itself"},
    )
    assert (await merge(client, server, first.id, second.id)).status_code == 200
    for pair in ((first.id, second.id), (third.id, second.id), (second.id, third.id)):
        assert (await merge(client, server, *pair)).status_code == 409, pair
    # A table hosting a merge takes part in no other one until unmerged.
    assert (await merge(client, server, first.id, third.id)).status_code == 409
    assert (await merge(client, server, third.id, first.id)).status_code == 409


async def test_merged_table_cannot_be_seated_released_or_deleted(
    client, manager, server, add_table, add_order
):
    first = await add_table(1)
    second = await add_table(2)
    order = await add_order([Item("Tea", 250)])
    await merge(client, server, first.id, second.id)
    base = f"/api/tables/{second.id}"
    assert (await client.post(f"{base}/assign-seat/1", headers=server.headers)).status_code == 409
    assert (await client.post(f"{base}/release", headers=server.headers)).status_code == 409
    assert (
        await client.post(f"{base}/assign/{order.id}", headers=server.headers)
    ).status_code == 409
    assert (await client.delete(base, headers=manager.headers)).status_code == 400
    host = f"/api/tables/{first.id}"
    assert (await client.delete(host, headers=manager.headers)).status_code == 409
    response = await client.put(host, json={"capacity": 2}, headers=manager.headers)
    assert response.status_code == 409


# --- unmerge ----------------------------------------------------------------------------------


@pytest.mark.parametrize("unmerge_via", ["first", "second"])
async def test_merge_then_unmerge_restores_both_tables(
    client, server, add_table, add_order, read_order, kitchen_snapshot, unmerge_via
):
    first = await add_table(1, capacity=2)
    second = await add_table(2, capacity=3)
    await client.post(
        f"/api/tables/{second.id}/assign-seat/2",
        params={"customer_name": "Ada"},
        headers=server.headers,
    )
    order1 = await add_order([Item("Soup", 650, seat_number=1)], table_id=first.id, customers=2)
    await client.post(f"/api/tables/{second.id}/release", headers=server.headers)
    await client.post(
        f"/api/tables/{second.id}/assign-seat/2",
        params={"customer_name": "Ada"},
        headers=server.headers,
    )
    order2 = await add_order(
        [Item("Steak", 2490, seat_number=2), Item("Cake", 680, seat_number=3)],
        table_id=second.id,
        customers=3,
    )
    before_first = await table_json(client, server, first.id)
    before_second = await table_json(client, server, second.id)
    tickets = await kitchen_snapshot()

    assert (await merge(client, server, first.id, second.id)).status_code == 200
    # Something added to the combined order while merged stays with the first table.
    target = first.id if unmerge_via == "first" else second.id
    response = await client.post(f"/api/tables/{target}/unmerge", headers=server.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["restored_order_id"] == order2.id

    after_first = await table_json(client, server, first.id)
    after_second = await table_json(client, server, second.id)
    for before, after in ((before_first, after_first), (before_second, after_second)):
        for key in ("capacity", "seats", "merged_into", "status", "current_order_id"):
            assert after[key] == before[key], key
    _, lines1 = await read_order(order1.id)
    restored, lines2 = await read_order(order2.id)
    assert [ln.name for ln in lines1] == ["Soup"]
    assert [(ln.name, ln.seat_number, ln.position) for ln in lines2] == [
        ("Steak", 2, 0),
        ("Cake", 3, 1),
    ]
    assert restored.status == "open" and restored.table_id == second.id
    assert all(ln.origin_table_id is None for ln in lines2)
    assert await kitchen_snapshot() == tickets


async def test_unmerge_moves_a_single_order_back_whole(
    client, server, add_table, add_order, read_order
):
    first = await add_table(1, capacity=2)
    second = await add_table(2, capacity=2)
    order = await add_order([Item("Soup", 650, seat_number=2)], table_id=second.id)
    await merge(client, server, first.id, second.id)
    _, lines = await read_order(order.id)
    assert lines[0].seat_number == 4
    response = await client.post(f"/api/tables/{second.id}/unmerge", headers=server.headers)
    assert response.status_code == 200
    moved, lines = await read_order(order.id)
    assert moved.table_id == second.id and lines[0].seat_number == 2
    assert (await table_json(client, server, first.id))["status"] == "available"
    second_json = await table_json(client, server, second.id)
    assert second_json["current_order_id"] == order.id and second_json["status"] == "occupied"


async def test_unmerge_after_the_order_closed_restores_seats_only(
    client, server, add_table, add_order
):
    first = await add_table(1, capacity=2)
    second = await add_table(2, capacity=2)
    order = await add_order([Item("Soup", 650)], table_id=first.id)
    await merge(client, server, first.id, second.id)
    closed = await client.post(
        f"/api/orders/{order.id}/close", json={"payment_method": "cash"}, headers=server.headers
    )
    assert closed.status_code == 200
    response = await client.post(f"/api/tables/{first.id}/unmerge", headers=server.headers)
    assert response.status_code == 200
    assert response.json()["restored_order_id"] is None
    for table_id in (first.id, second.id):
        body = await table_json(client, server, table_id)
        assert body["capacity"] == 2 and body["status"] == "available"
        assert [s["seat_number"] for s in body["seats"]] == [1, 2]


async def test_unmerge_errors(client, server, add_table):
    table = await add_table(1)
    response = await client.post(f"/api/tables/{table.id}/unmerge", headers=server.headers)
    assert response.status_code == 409
    response = await client.post("/api/tables/999/unmerge", headers=server.headers)
    assert (response.status_code, response.json()) == (404, {"detail": "Table not found"})


# --- transfer ---------------------------------------------------------------------------------


async def test_transfer_moves_the_order_and_frees_the_old_table(
    client, server, add_table, add_order, kitchen_snapshot
):
    old = await add_table(1)
    new = await add_table(2)
    order = await add_order([Item("Soup", 650)], table_id=old.id)
    tickets = await kitchen_snapshot()
    response = await client.post(
        f"/api/tables/transfer/{order.id}/{new.id}", headers=server.headers
    )
    assert response.status_code == 200
    assert response.json()["current_order_id"] == order.id
    assert (await table_json(client, server, old.id))["status"] == "available"
    order_json = (await client.get(f"/api/orders/{order.id}", headers=server.headers)).json()
    assert order_json["table_id"] == new.id
    assert await kitchen_snapshot() == tickets


async def test_transfer_errors(client, server, add_table, add_order):
    first = await add_table(1)
    second = await add_table(2)
    order = await add_order([Item("Soup", 650)], table_id=first.id)
    await add_order([Item("Tea", 250)], table_id=second.id)
    response = await client.post(
        f"/api/tables/transfer/{order.id}/{second.id}", headers=server.headers
    )
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Table is already occupied"},
    )
    response = await client.post(f"/api/tables/transfer/{order.id}/999", headers=server.headers)
    assert (response.status_code, response.json()) == (404, {"detail": "Table not found"})
    response = await client.post(f"/api/tables/transfer/999/{second.id}", headers=server.headers)
    assert (response.status_code, response.json()) == (404, {"detail": "Order not found"})
    await client.post(
        f"/api/orders/{order.id}/close", json={"payment_method": "cash"}, headers=server.headers
    )
    third = await add_table(3)
    response = await client.post(
        f"/api/tables/transfer/{order.id}/{third.id}", headers=server.headers
    )
    assert response.status_code == 409


# --- split the bill ---------------------------------------------------------------------------

ITEMS = [
    Item("Burger", 899, seat_number=1),
    Item("Fries", 350, quantity=2, seat_number=2),
    Item("Wine", 690, seat_number=1),
]  # 8.99 + 7.00 + 6.90 = 22.89


def totals(orders):
    return [Decimal(str(o["total"])) for o in orders]


@pytest.mark.parametrize(
    ("body", "names", "expected"),
    [
        (
            {"split_1": [0], "split_2": [1, 2]},
            [["Burger"], ["Fries", "Wine"]],
            ["8.99", "13.90"],
        ),
        (
            {"method": "items", "splits": [{"items": [0, 1]}, {"items": [2]}]},
            [["Burger", "Fries"], ["Wine"]],
            ["15.99", "6.90"],
        ),
        ({"method": "seats"}, [["Burger", "Wine"], ["Fries"]], ["15.89", "7.00"]),
        (
            {"method": "seats", "seat_assignments": {"1": [0, 1], "2": [2]}},
            [["Burger", "Fries"], ["Wine"]],
            ["15.99", "6.90"],
        ),
        (
            {"method": "even", "ways": 3},
            [["Share 1 of 3"], ["Share 2 of 3"], ["Share 3 of 3"]],
            ["7.63", "7.63", "7.63"],
        ),
    ],
)
async def test_every_split_body_form(
    client, server, add_table, add_order, read_order, kitchen_snapshot, body, names, expected
):
    table = await add_table(1)
    original = await add_order(ITEMS, table_id=table.id)
    tickets = await kitchen_snapshot()
    response = await client.post(
        f"/api/tables/split-bill/{table.id}", json=body, headers=server.headers
    )
    assert response.status_code == 200, response.text
    orders = response.json()
    assert [[item["name"] for item in o["order"]] for o in orders] == names
    assert totals(orders) == [Decimal(x) for x in expected]
    assert sum(totals(orders)) == Decimal("22.89")
    assert all(o["status"] == "open" and o["table_id"] == table.id for o in orders)
    old, old_lines = await read_order(original.id)
    assert old.status == "split" and len(old_lines) == 3
    assert await kitchen_snapshot() == tickets
    assert (await table_json(client, server, table.id))["status"] == "occupied"


async def test_even_split_of_100_in_3(client, server, add_table, add_order):
    table = await add_table(1)
    await add_order([Item("Feast", 10000)], table_id=table.id)
    response = await client.post(
        f"/api/tables/split-bill/{table.id}",
        json={"method": "even", "ways": 3},
        headers=server.headers,
    )
    assert [o["total"] for o in response.json()] == [33.34, 33.33, 33.33]


async def test_seat_split_keeps_unseated_items_together(client, server, add_table, add_order):
    table = await add_table(1)
    await add_order(
        [Item("Bread", 300), Item("Soup", 650, seat_number=2), Item("Water", 280)],
        table_id=table.id,
    )
    response = await client.post(
        f"/api/tables/split-bill/{table.id}", json={"method": "seats"}, headers=server.headers
    )
    assert [[i["name"] for i in o["order"]] for o in response.json()] == [
        ["Soup"],
        ["Bread", "Water"],
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"split_1": [0], "split_2": [1]},  # index 2 missing
        {"split_1": [0, 1], "split_2": [1, 2]},  # repeated
        {"split_1": [0, 1, 2, 3]},  # out of range
        {"split_1": [-1, 0, 1, 2]},
        {"split_1": [0, 1, 2], "split_2": []},
        {"split_1": ["a"]},
        {"split_1": [True, 1, 2]},
        {"split_1": 0},
        {},
        {"method": "items"},
        {"method": "items", "splits": [{"items": [0]}, {"items": [1]}]},
        {"method": "items", "splits": "all"},
        {"method": "seats", "seat_assignments": {"x": [0, 1, 2]}},
        {"method": "seats", "seat_assignments": {"0": [0, 1, 2]}},
        {"method": "seats", "seat_assignments": [0, 1]},
        {"method": "seats", "seat_assignments": {"1": [0, 1], "2": [1, 2]}},
        {"method": "even"},
        {"method": "even", "ways": 0},
        {"method": "even", "ways": 101},
        {"method": "even", "ways": "3"},
        {"method": "even", "ways": 2.5},
        {"method": "thirds"},
        [0, 1, 2],
        "split",
    ],
)
async def test_bad_split_is_422_and_changes_nothing(
    client, server, add_table, add_order, read_order, body
):
    table = await add_table(1)
    original = await add_order(ITEMS, table_id=table.id)
    response = await client.post(
        f"/api/tables/split-bill/{table.id}", json=body, headers=server.headers
    )
    assert response.status_code == 422, response.text
    old, _ = await read_order(original.id)
    assert old.status == "open"


async def test_split_errors(client, server, add_table):
    response = await client.post(
        "/api/tables/split-bill/999", json={"method": "even", "ways": 2}, headers=server.headers
    )
    assert (response.status_code, response.json()) == (404, {"detail": "Table not found"})
    table = await add_table(1)
    response = await client.post(
        f"/api/tables/split-bill/{table.id}",
        json={"method": "even", "ways": 2},
        headers=server.headers,
    )
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Table has no order to split"},
    )
    response = await client.post(
        f"/api/tables/split-bill/{table.id}", content=b"{not json", headers=server.headers
    )
    assert response.status_code == 422


async def test_split_orders_free_the_table_when_the_last_one_closes(
    client, server, add_table, add_order
):
    table = await add_table(1)
    await add_order(ITEMS, table_id=table.id)
    response = await client.post(
        f"/api/tables/split-bill/{table.id}",
        json={"method": "even", "ways": 2},
        headers=server.headers,
    )
    first, second = response.json()
    again = await client.post(
        f"/api/tables/split-bill/{table.id}",
        json={"method": "even", "ways": 2},
        headers=server.headers,
    )
    assert again.status_code == 400
    for order in (first, second):
        assert (await table_json(client, server, table.id))["status"] == "occupied"
        closed = await client.post(
            f"/api/orders/{order['id']}/close",
            json={"payment_method": "card"},
            headers=server.headers,
        )
        assert closed.status_code == 200
    assert (await table_json(client, server, table.id))["status"] == "available"


# --- merges keep the discounts of what they move --------------------------------------------


async def test_a_merge_and_an_unmerge_carry_the_discounts_of_the_lines_they_move(
    db, client, gql, server, manager, add_table, add_order
):
    first = await add_table(1)
    second = await add_table(2)
    host = await add_order([Item("Soup", 650)], table_id=first.id)
    guest = await add_order([Item("Steak", 2490), Item("Wine", 690)], table_id=second.id)
    async with db.session() as session:
        steak = (
            await session.exec(
                select(OrderLine).where(OrderLine.order_id == guest.id).order_by(col(OrderLine.id))
            )
        ).first()
    assert steak is not None
    body = await gql(COMP, {"line": gid("OrderLine", steak.id), "reason": "cold"}, staff=manager)
    assert body["data"]["compLine"]["discount"]["status"] == "APPLIED"
    assert (await check_of(db, guest.id)).total_cents == 690

    response = await merge(client, server, first.id, second.id)
    assert response.status_code == 200, response.text
    merged = await check_of(db, host.id)
    # Soup + Wine: the steak stays comped on the merged check.
    assert (merged.subtotal_cents, merged.discount_cents, merged.total_cents) == (3830, 2490, 1340)

    response = await client.post(f"/api/tables/{first.id}/unmerge", headers=server.headers)
    assert response.status_code == 200, response.text
    assert (await check_of(db, host.id)).total_cents == 650
    back = await check_of(db, guest.id)
    assert (back.subtotal_cents, back.discount_cents, back.total_cents) == (3180, 2490, 690)
