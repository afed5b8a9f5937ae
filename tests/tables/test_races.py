"""Concurrent requests through the ASGI app: each request has its own connection, so on
PostgreSQL these really race (row locks decide); on SQLite writers serialize."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from tests.factories import Item, table_json


async def test_twenty_waiters_one_seat(client, server, add_table):
    table = await add_table(1, capacity=4)
    url = f"/api/tables/{table.id}/assign-seat/1"
    responses = await asyncio.gather(
        *(
            client.post(url, params={"customer_name": f"guest {i}"}, headers=server.headers)
            for i in range(20)
        )
    )
    assert Counter(r.status_code for r in responses) == {200: 1, 409: 19}
    assert all(
        r.json() == {"detail": "Seat 1 is already occupied"}
        for r in responses
        if r.status_code == 409
    )
    seats = (await table_json(client, server, table.id))["seats"]
    assert [s["status"] for s in seats] == ["occupied", "available", "available", "available"]
    winner = next(r for r in responses if r.status_code == 200)
    assert winner.json() == {"message": "Seat 1 assigned successfully"}


async def test_ten_orders_one_table(client, server, add_table, add_order):
    table = await add_table(1)
    orders = [await add_order([Item(f"Dish {i}", 500 + i)]) for i in range(10)]
    responses = await asyncio.gather(
        *(
            client.post(f"/api/tables/{table.id}/assign/{order.id}", headers=server.headers)
            for order in orders
        )
    )
    assert Counter(r.status_code for r in responses) == {200: 1, 400: 9}
    assert all(
        r.json() == {"detail": "Table is already occupied"}
        for r in responses
        if r.status_code == 400
    )
    winner = next(r for r in responses if r.status_code == 200).json()
    assert (await table_json(client, server, table.id))["current_order_id"] == winner[
        "current_order_id"
    ]
    seated = []
    for order in orders:
        body = (await client.get(f"/api/orders/{order.id}", headers=server.headers)).json()
        if body["table_id"] == table.id:
            seated.append(order.id)
    assert seated == [winner["current_order_id"]]


@pytest.mark.parametrize("pairs", [((1, 2), (3, 2)), ((1, 2), (2, 3)), ((1, 2), (1, 3))])
async def test_two_merges_sharing_a_table(client, server, add_table, add_order, pairs):
    tables = {n: await add_table(n, capacity=2) for n in (1, 2, 3)}
    for n in (1, 2, 3):
        await add_order([Item(f"Dish {n}", 100 * n, seat_number=1)], table_id=tables[n].id)
    responses = await asyncio.gather(
        *(
            client.post(
                f"/api/tables/merge-tables/{tables[a].id}/{tables[b].id}", headers=server.headers
            )
            for a, b in pairs
        )
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    merged = [t for t in [await table_json(client, server, tables[n].id) for n in (1, 2, 3)]]
    assert sum(t["merged_into"] is not None for t in merged) == 1
    assert sum(t["capacity"] for t in merged if t["merged_into"] is None) == 6
    assert sum(len(t["seats"]) for t in merged) == 6


async def test_two_splits_of_one_bill(client, server, add_table, add_order):
    table = await add_table(1)
    await add_order([Item("Soup", 650), Item("Tea", 250)], table_id=table.id)
    responses = await asyncio.gather(
        client.post(
            f"/api/tables/split-bill/{table.id}",
            json={"method": "even", "ways": 2},
            headers=server.headers,
        ),
        client.post(
            f"/api/tables/split-bill/{table.id}",
            json={"split_1": [0], "split_2": [1]},
            headers=server.headers,
        ),
    )
    assert sorted(r.status_code for r in responses) == [200, 400]
    listed = (await client.get("/api/orders", headers=server.headers)).json()
    assert Counter(o["status"] for o in listed) == {"open": 2, "split": 1}


async def test_two_tables_numbered_alike_at_once(client, manager):
    responses = await asyncio.gather(
        *(
            client.post(
                "/api/tables", json={"table_number": 7, "capacity": 2}, headers=manager.headers
            )
            for _ in range(5)
        )
    )
    assert Counter(r.status_code for r in responses) == {200: 1, 400: 4}
    assert all(
        r.json() == {"detail": "Table number already exists"}
        for r in responses
        if r.status_code == 400
    )


async def test_mixed_floor_operations_never_fail_or_deadlock(client, server, add_table, add_order):
    tables = [await add_table(n, capacity=2) for n in (1, 2, 3, 4)]
    orders = [
        await add_order([Item(f"Dish {n}", 300, seat_number=1)], table_id=tables[n].id)
        for n in (0, 1)
    ]
    ids = [t.id for t in tables]
    calls = [
        ("post", f"/api/tables/merge-tables/{ids[0]}/{ids[1]}", None),
        ("post", f"/api/tables/merge-tables/{ids[1]}/{ids[0]}", None),
        ("post", f"/api/orders/{orders[1].id}/close", {"payment_method": "cash"}),
        ("post", f"/api/orders/{orders[0].id}/close", {"payment_method": "card"}),
        ("post", f"/api/tables/transfer/{orders[0].id}/{ids[2]}", None),
        ("post", f"/api/tables/transfer/{orders[1].id}/{ids[2]}", None),
        ("post", f"/api/tables/{ids[1]}/release", None),
        ("post", f"/api/tables/{ids[0]}/assign-seat/1", None),
        ("post", f"/api/tables/{ids[3]}/assign/{orders[0].id}", None),
        ("post", f"/api/tables/split-bill/{ids[0]}", {"method": "even", "ways": 2}),
        ("post", f"/api/tables/{ids[0]}/unmerge", None),
        ("post", f"/api/tables/{ids[2]}/release-seat/1", None),
    ]
    for _ in range(3):
        responses = await asyncio.gather(
            *(
                client.request(method, path, json=body, headers=server.headers)
                for method, path, body in calls
            )
        )
        assert all(r.status_code in (200, 400, 404, 409) for r in responses), [
            (r.status_code, r.text) for r in responses
        ]
    # Every table is consistent afterwards: seats match capacity, holders exist.
    for table_id in ids:
        body = await table_json(client, server, table_id)
        if body["merged_into"] is None:
            assert len(body["seats"]) == body["capacity"]
            assert [s["seat_number"] for s in body["seats"]] == list(range(1, body["capacity"] + 1))
        else:
            assert body["seats"] == []


async def test_two_unmerges_of_one_pair(client, server, add_table, add_order):
    first = await add_table(1, capacity=2)
    second = await add_table(2, capacity=2)
    await add_order([Item("Soup", 650, seat_number=1)], table_id=first.id)
    await add_order([Item("Tea", 250, seat_number=2)], table_id=second.id)
    merged = await client.post(
        f"/api/tables/merge-tables/{first.id}/{second.id}", headers=server.headers
    )
    assert merged.status_code == 200
    responses = await asyncio.gather(
        client.post(f"/api/tables/{first.id}/unmerge", headers=server.headers),
        client.post(f"/api/tables/{second.id}/unmerge", headers=server.headers),
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    for table_id in (first.id, second.id):
        body = await table_json(client, server, table_id)
        assert body["capacity"] == 2 and [s["seat_number"] for s in body["seats"]] == [1, 2]
        assert body["current_order_id"] is not None
