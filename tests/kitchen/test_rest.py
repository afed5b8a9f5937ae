"""The kitchen rows of REST_CONTRACT.md, delta tickets and voids."""

from __future__ import annotations

import pytest

from tests.factories import place_order as _place

TEA = {"name": "Tea", "price": 2, "category": "Drinks"}
STEAK = {"name": "Steak", "price": 20, "category": "Mains"}
CAKE = {"name": "Cake", "price": 6.5, "category": "Desserts"}


async def _tickets(client, staff):
    response = await client.get("/api/kitchen/orders", headers=staff.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_order_fires_one_ticket_per_station(client, server, kitchen):
    order = await _place(client, server, [STEAK, TEA, CAKE])
    tickets = await _tickets(client, kitchen)
    assert {(t["station"], t["order_id"], t["status"]) for t in tickets} == {
        ("kitchen", order["id"], "pending"),
        ("bar", order["id"], "pending"),
        ("pastry", order["id"], "pending"),
    }
    steak = next(t for t in tickets if t["station"] == "kitchen")
    assert steak["order_items"][0]["name"] == "Steak"
    assert steak["order_items"][0]["price"] == 20
    assert steak["order_items"][0]["category"] == "Mains"
    assert steak["total"] == 20
    for key in ("id", "created_at", "updated_at"):
        assert key in steak
    assert (await client.get("/api/kitchen/orders/", headers=kitchen.headers)).status_code == 200
    assert (await client.get("/api/kitchen/orders")).status_code == 401


async def test_active_tickets_oldest_first(client, server, kitchen):
    first = await _place(client, server, [STEAK])
    second = await _place(client, server, [STEAK])
    assert [t["order_id"] for t in await _tickets(client, kitchen)] == [first["id"], second["id"]]


async def test_status_transitions(client, server, kitchen):
    order = await _place(client, server, [STEAK])
    path = f"/api/kitchen/orders/{order['id']}"

    async def put(status):
        return await client.put(path, json={"status": status}, headers=kitchen.headers)

    response = await put("preparing")
    assert response.status_code == 200
    body = response.json()
    assert (body["order_id"], body["status"]) == (order["id"], "preparing")
    assert {"id", "created_at", "updated_at"} <= body.keys()
    assert (await put("preparing")).status_code == 200  # same status: no-op
    assert (await put("served")).status_code == 409  # skipping a step
    assert (await put("pending")).status_code == 200  # one-step recall
    assert (await put("preparing")).status_code == 200
    assert (await put("ready")).status_code == 200
    assert (await put("preparing")).status_code == 200  # recall
    assert (await put("ready")).status_code == 200
    assert (await put("served")).status_code == 200
    assert (await put("ready")).status_code == 409  # served is final
    assert (await put("cooking")).status_code == 422
    assert (await client.put(path, json={"status": 3}, headers=kitchen.headers)).status_code == 422
    assert (await client.put(path, json={}, headers=kitchen.headers)).status_code == 422
    missing = await client.put(
        "/api/kitchen/orders/999", json={"status": "ready"}, headers=kitchen.headers
    )
    assert (missing.status_code, missing.json()) == (404, {"detail": "Kitchen order not found"})
    # Served tickets leave the active list.
    assert await _tickets(client, kitchen) == []


async def test_status_applies_to_every_ticket_that_allows_it(client, server, kitchen):
    order = await _place(client, server, [STEAK, TEA])
    path = f"/api/kitchen/orders/{order['id']}"
    response = await client.put(path, json={"status": "preparing"}, headers=kitchen.headers)
    assert {t["status"] for t in response.json()["tickets"]} == {"preparing"}


async def test_remove_from_display(client, server, kitchen):
    order = await _place(client, server, [STEAK])
    path = f"/api/kitchen/orders/{order['id']}"
    response = await client.delete(path, headers=kitchen.headers)
    assert (response.status_code, response.json()) == (
        200,
        {"message": "Order removed from kitchen display"},
    )
    assert await _tickets(client, kitchen) == []
    again = await client.delete(path, headers=kitchen.headers)
    assert (again.status_code, again.json()) == (404, {"detail": "Kitchen order not found"})


async def test_added_line_fires_a_new_ticket_and_removed_line_is_void(client, server, kitchen):
    order = await _place(client, server, [STEAK, {**STEAK, "name": "Fish", "price": 15}])
    await client.put(
        f"/api/kitchen/orders/{order['id']}", json={"status": "preparing"}, headers=kitchen.headers
    )
    before = await _tickets(client, kitchen)
    assert len(before) == 1
    first = before[0]
    assert [i["name"] for i in first["order_items"]] == ["Steak", "Fish"]

    # Resend the order with one more line: only that line fires, on a second ticket.
    items = [{k: v for k, v in i.items()} for i in order["order"]]
    added = await client.put(
        f"/api/orders/{order['id']}",
        json={"order": [*items, {"name": "Fries", "price": 4, "category": "Sides"}]},
        headers=server.headers,
    )
    assert added.status_code == 200, added.text
    after = await _tickets(client, kitchen)
    assert len(after) == 2
    assert after[0] == first  # unchanged
    assert after[1]["fire_number"] == 2
    assert after[1]["status"] == "pending"
    assert [i["name"] for i in after[1]["order_items"]] == ["Fries"]

    # Remove the Fish: it shows void on the first ticket.
    items = added.json()["order"]
    removed = await client.put(
        f"/api/orders/{order['id']}",
        json={"order": [items[0], items[2]]},
        headers=server.headers,
    )
    assert removed.status_code == 200, removed.text
    assert removed.json()["total"] == 24
    final = await _tickets(client, kitchen)
    assert [i["name"] for i in final[0]["order_items"]] == ["Steak"]
    assert [(v["name"], v["void_reason"]) for v in final[0]["voided_items"]] == [
        ("Fish", "Removed from order")
    ]
    assert len(final) == 2


@pytest.mark.parametrize("status", ["preparing", "ready"])
async def test_cancelled_order_voids_its_lines(client, server, manager, kitchen, status):
    order = await _place(client, server, [STEAK])
    await client.put(
        f"/api/kitchen/orders/{order['id']}", json={"status": "preparing"}, headers=kitchen.headers
    )
    if status == "ready":
        await client.put(
            f"/api/kitchen/orders/{order['id']}", json={"status": "ready"}, headers=kitchen.headers
        )
    await client.post(
        f"/api/orders/{order['id']}/cancel", json={"reason": "walked out"}, headers=manager.headers
    )
    [ticket] = await _tickets(client, kitchen)
    assert ticket["status"] == status
    assert ticket["order_items"] == []
    assert ticket["voided_items"][0]["void_reason"] == "Order cancelled: walked out"
