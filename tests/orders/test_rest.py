"""The orders rows of REST_CONTRACT.md, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import select

from restaurant_api.kitchen.models import KitchenTicket
from restaurant_api.tables.models import DiningTable, TableStatus
from tests.factories import place_order as _place


async def _table(db, table_id):
    async with db.session() as session:
        return await session.get(DiningTable, table_id)


async def test_place_order_with_menu_and_open_items(client, db, server, add_menu_item, add_table):
    burger = await add_menu_item("Burger", "8.99")
    table = await add_table(4)
    response = await client.post(
        "/api/orders",
        json={
            "order": [
                {"name": "Special", "price": 5.01, "category": "Main Course"},
                {
                    "menu_item_id": burger.id,
                    "quantity": 2,
                    "modifiers": ["no onions"],
                    "seat_number": 1,
                },
            ],
            "total": 22.99,
            "table_id": table.id,
            "customer_count": 2,
            "special_requests": "window seat",
        },
        headers=server.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 22.99
    assert body["status"] == "open"
    assert body["version"] == 1
    assert body["table_id"] == table.id
    assert body["customer_count"] == 2
    assert body["special_requests"] == "window seat"
    assert body["timestamp"].endswith(("+00:00", "Z"))
    assert body["order"][0] == {
        **body["order"][0],
        "name": "Special",
        "price": 5.01,
        "category": "Main Course",
        "quantity": 1,
        "modifiers": [],
        "menu_item_id": None,
        "seat_number": None,
    }
    assert body["order"][1]["name"] == "Burger"
    assert body["order"][1]["price"] == 8.99
    assert body["order"][1]["menu_item_id"] == burger.id
    assert body["order"][1]["modifiers"] == ["no onions"]
    assert body["order"][1]["seat_number"] == 1
    seated = await _table(db, table.id)
    assert seated.status == TableStatus.OCCUPIED
    assert seated.current_order_id == body["id"]
    async with db.session() as session:
        tickets = (await session.exec(select(KitchenTicket))).all()
    assert [(t.order_id, t.status) for t in tickets] == [(body["id"], "pending")]


async def test_money_is_exact(client, server):
    body = await _place(
        client,
        server,
        [
            {"name": "Mint", "price": 0.10, "category": "Extras", "quantity": 3},
            {"name": "Gum", "price": 0.20, "category": "Extras"},
        ],
        total=0.5,
    )
    assert body["total"] == 0.5
    response = await client.get(f"/api/orders/{body['id']}", headers=server.headers)
    assert '"total":0.5' in response.text


async def test_total_is_optional_and_checked(client, server, add_menu_item):
    soup = await add_menu_item("Soup", "4.50")
    body = await _place(client, server, [{"menu_item_id": soup.id, "quantity": 2}])
    assert body["total"] == 9.0
    assert body["customer_count"] == 1
    response = await client.post(
        "/api/orders",
        json={"order": [{"menu_item_id": soup.id}], "total": 5},
        headers=server.headers,
    )
    assert response.status_code == 422
    assert "4.50" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"order": []},
        {"order": [{"menu_item_id": 999}]},
        {"order": [{"name": "X", "price": 1.234, "category": "C"}]},
        {"order": [{"name": "X", "price": -1, "category": "C"}]},
        {"order": [{"name": "X", "price": "abc", "category": "C"}]},
        {"order": [{"name": "X", "price": 1e30, "category": "C"}]},
        {"order": [{"name": "X", "category": "C"}]},
        {"order": [{"price": 1, "category": "C"}]},
        {"order": [{"name": "X", "price": 1, "category": "C", "quantity": 0}]},
        {"order": [{"name": "X", "price": 1, "category": "C", "quantity": -2}]},
        {"order": [{"name": "X", "price": 1, "category": "C", "quantity": 10**30}]},
        {"order": [{"name": "X", "price": 1, "category": "C", "quantity": 1.5}]},
        {"order": [{"name": "X", "price": 1, "category": "C", "quantity": "many"}]},
        {"order": [{"name": "X", "price": 1, "category": "C", "modifiers": "x"}]},
        {"order": [{"name": "X", "price": 1, "category": "C", "seat_number": 0}]},
        {"order": [{"name": "X", "price": 1, "category": "C"}], "customer_count": 0},
        {"order": [{"name": "X", "price": 1, "category": "C"}], "table_id": "x"},
        {"order": [{"name": "X", "price": 1, "category": "C"}], "table_id": 10**20},
        {"order": [{"name": "X", "price": 1, "category": "C"}], "total": 1.001},
        {"order": [{"name": "X" * 500, "price": 1, "category": "C"}]},
        {"order": [{"menu_item_id": 10**20}]},
        {"order": [{"name": "a\x00b", "price": 1, "category": "C"}]},
        {"order": [{"name": "X", "price": 1, "category": "C"}], "special_requests": "\x00"},
        {"order": [{"name": "X", "price": 1, "category": "C", "modifiers": ["\x00"]}]},
        {"order": "burger"},
        {},
    ],
)
async def test_bad_orders_are_422(client, server, body):
    response = await client.post("/api/orders", json=body, headers=server.headers)
    assert response.status_code == 422, response.text


async def test_unavailable_item_cannot_be_ordered(client, server, add_menu_item):
    gone = await add_menu_item("Gone", "3.00", available=False)
    response = await client.post(
        "/api/orders", json={"order": [{"menu_item_id": gone.id}]}, headers=server.headers
    )
    assert response.status_code == 422
    assert "not available" in response.json()["detail"]


async def test_table_errors(client, server, add_table):
    item = {"name": "Tea", "price": 2, "category": "Drinks"}
    response = await client.post(
        "/api/orders", json={"order": [item], "table_id": 424242}, headers=server.headers
    )
    assert (response.status_code, response.json()) == (404, {"detail": "Table not found"})
    table = await add_table(7)
    await _place(client, server, [item], table_id=table.id)
    response = await client.post(
        "/api/orders", json={"order": [item], "table_id": table.id}, headers=server.headers
    )
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Table is already occupied"},
    )


async def test_idempotency_key_replays_and_rejects_other_bodies(client, db, server):
    item = {"name": "Tea", "price": 2, "category": "Drinks"}
    headers = {**server.headers, "Idempotency-Key": "abc-123"}
    first = await client.post("/api/orders", json={"order": [item]}, headers=headers)
    again = await client.post("/api/orders", json={"order": [item]}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    other = await client.post(
        "/api/orders", json={"order": [item], "customer_count": 3}, headers=headers
    )
    assert other.status_code == 422
    assert "Idempotency key" in other.json()["detail"]
    listed = await client.get("/api/orders", headers=server.headers)
    assert len(listed.json()) == 1


async def test_list_get_filters_and_pagination(client, server, add_table):
    table = await add_table(1)
    item = {"name": "Tea", "price": 2, "category": "Drinks"}
    first = await _place(client, server, [item], table_id=table.id)
    second = await _place(client, server, [item])
    third = await _place(client, server, [item])
    for path in ("/api/orders", "/api/orders/"):
        response = await client.get(path, headers=server.headers)
        assert [o["id"] for o in response.json()] == [third["id"], second["id"], first["id"]]
    by_table = await client.get(f"/api/orders?table_id={table.id}", headers=server.headers)
    assert [o["id"] for o in by_table.json()] == [first["id"]]
    page = await client.get("/api/orders?limit=1&offset=1", headers=server.headers)
    assert [o["id"] for o in page.json()] == [second["id"]]
    closed = await client.get("/api/orders?status=closed", headers=server.headers)
    assert closed.json() == []
    assert (await client.get("/api/orders?status=nope", headers=server.headers)).status_code == 422
    one = await client.get(f"/api/orders/{first['id']}", headers=server.headers)
    assert one.json() == first
    for missing in (999, 10**20):
        response = await client.get(f"/api/orders/{missing}", headers=server.headers)
        assert (response.status_code, response.json()) == (404, {"detail": "Order not found"})
    assert (await client.get("/api/orders")).status_code == 401


async def test_update_items_counts_and_version(client, server, add_menu_item):
    soup = await add_menu_item("Soup", "4.50")
    order = await _place(client, server, [{"menu_item_id": soup.id}])
    response = await client.put(
        f"/api/orders/{order['id']}",
        json={
            "order": [
                {"menu_item_id": soup.id},
                {"name": "Bread", "price": 1.25, "category": "Sides", "quantity": 2},
            ],
            "total": 7.0,
            "customer_count": 3,
            "special_requests": "no rush",
            "version": 1,
        },
        headers=server.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 7.0
    assert body["version"] == 2
    assert body["customer_count"] == 3
    assert body["special_requests"] == "no rush"
    assert [item["name"] for item in body["order"]] == ["Soup", "Bread"]
    stale = await client.put(
        f"/api/orders/{order['id']}",
        json={"customer_count": 2, "version": 1},
        headers=server.headers,
    )
    assert stale.status_code == 409
    wrong_total = await client.put(
        f"/api/orders/{order['id']}", json={"total": 1}, headers=server.headers
    )
    assert wrong_total.status_code == 422
    assert "7.00" in wrong_total.json()["detail"]
    emptied = await client.put(
        f"/api/orders/{order['id']}", json={"order": []}, headers=server.headers
    )
    assert emptied.status_code == 422
    missing = await client.put("/api/orders/999", json={}, headers=server.headers)
    assert (missing.status_code, missing.json()) == (404, {"detail": "Order not found"})


async def test_move_table_releases_the_old_one(client, db, server, add_table):
    one, two, three = await add_table(1), await add_table(2), await add_table(3)
    item = {"name": "Tea", "price": 2, "category": "Drinks"}
    order = await _place(client, server, [item], table_id=one.id)
    await _place(client, server, [item], table_id=three.id)
    moved = await client.put(
        f"/api/orders/{order['id']}", json={"table_id": two.id}, headers=server.headers
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["table_id"] == two.id
    assert (await _table(db, one.id)).status == TableStatus.AVAILABLE
    assert (await _table(db, two.id)).current_order_id == order["id"]
    taken = await client.put(
        f"/api/orders/{order['id']}", json={"table_id": three.id}, headers=server.headers
    )
    assert (taken.status_code, taken.json()) == (400, {"detail": "Table is already occupied"})
    nowhere = await client.put(
        f"/api/orders/{order['id']}", json={"table_id": 9999}, headers=server.headers
    )
    assert nowhere.status_code == 404


async def test_close_frees_table_and_closed_orders_are_409(client, db, server, add_table):
    table = await add_table(5)
    order = await _place(
        client, server, [{"name": "Tea", "price": 2, "category": "Drinks"}], table_id=table.id
    )
    closed = await client.post(
        f"/api/orders/{order['id']}/close",
        json={"payment_method": "card", "tip": 0.5},
        headers=server.headers,
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert closed.json()["tip"] == 0.5
    assert (await _table(db, table.id)).status == TableStatus.AVAILABLE
    response = await client.put(
        f"/api/orders/{order['id']}", json={"customer_count": 2}, headers=server.headers
    )
    assert response.status_code == 409
    again = await client.post(
        f"/api/orders/{order['id']}/close", json={"payment_method": "cash"}, headers=server.headers
    )
    assert again.status_code == 409


async def test_cancel_and_delete(client, db, manager, server, add_table):
    table = await add_table(6)
    item = {"name": "Tea", "price": 2, "category": "Drinks"}
    order = await _place(client, server, [item], table_id=table.id)
    cancelled = await client.post(
        f"/api/orders/{order['id']}/cancel", json={"reason": "left"}, headers=manager.headers
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert (await _table(db, table.id)).status == TableStatus.AVAILABLE

    other = await _place(client, server, [item], table_id=table.id)
    deleted = await client.delete(f"/api/orders/{other['id']}", headers=manager.headers)
    assert (deleted.status_code, deleted.json()) == (
        200,
        {"message": "Order deleted successfully"},
    )
    assert (await _table(db, table.id)).status == TableStatus.AVAILABLE
    async with db.session() as session:
        tickets = (
            await session.exec(select(KitchenTicket).where(KitchenTicket.order_id == other["id"]))
        ).all()
    assert tickets == []
    gone = await client.delete(f"/api/orders/{other['id']}", headers=manager.headers)
    assert (gone.status_code, gone.json()) == (404, {"detail": "Order not found"})
