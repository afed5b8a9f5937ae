"""Every domain announces its committed changes: REST use cases reach the event bus."""

from __future__ import annotations

import asyncio

from restaurant_api.events import Event, Subscriber, Topic

ALL_TOPICS = frozenset({Topic.KITCHEN_TICKET, Topic.TABLE, Topic.ORDER})


async def collect(subscriber: Subscriber, settle: float = 0.3) -> list[Event]:
    """Everything delivered until the bus has been quiet for `settle` seconds."""
    received: list[Event] = []
    while True:
        try:
            delivery = await asyncio.wait_for(subscriber.get(), settle)
        except TimeoutError:
            return received
        received.append(delivery.event)


def topics(received: list[Event]) -> set[tuple[Topic, int]]:
    return {(event.topic, event.id) for event in received}


async def test_floor_and_kitchen_changes_are_published_after_commit(app, client, manager, server):
    bus = app.state.events
    subscriber = await bus.subscribe(ALL_TOPICS)
    try:
        table = (
            await client.post(
                "/api/tables", json={"table_number": 12, "capacity": 2}, headers=manager.headers
            )
        ).json()
        assert topics(await collect(subscriber)) == {(Topic.TABLE, table["id"])}

        seat = await client.post(
            f"/api/tables/{table['id']}/assign-seat/1",
            params={"customer_name": "Ada"},
            headers=server.headers,
        )
        assert seat.status_code == 200
        assert topics(await collect(subscriber)) == {(Topic.TABLE, table["id"])}

        taken = await client.post(
            f"/api/tables/{table['id']}/assign-seat/1", headers=server.headers
        )
        assert taken.status_code == 409
        assert await collect(subscriber) == []  # a failed use case announces nothing

        item = (
            await client.post(
                "/api/menu",
                json={"name": "Soup", "price": 5.5, "category": "Starters"},
                headers=manager.headers,
            )
        ).json()
        order = (
            await client.post(
                "/api/orders",
                json={"order": [{"menu_item_id": item["id"]}], "table_id": table["id"]},
                headers=server.headers,
            )
        ).json()
        placed = await collect(subscriber)
        assert (Topic.ORDER, order["id"]) in topics(placed)
        assert (Topic.TABLE, table["id"]) in topics(placed)
        tickets = [event for event in placed if event.topic is Topic.KITCHEN_TICKET]
        assert [event.order_id for event in tickets] == [order["id"]]
        assert tickets[0].status == "pending"

        moved = await client.put(
            f"/api/kitchen/orders/{order['id']}",
            json={"status": "preparing"},
            headers=server.headers,
        )
        assert moved.status_code == 200
        [ticket_event] = await collect(subscriber)
        assert (ticket_event.topic, ticket_event.status) == (Topic.KITCHEN_TICKET, "preparing")

        deleted = await client.delete(f"/api/orders/{order['id']}", headers=manager.headers)
        assert deleted.status_code == 200
        gone = topics(await collect(subscriber))
        assert {(Topic.ORDER, order["id"]), (Topic.TABLE, table["id"])} <= gone
        assert (Topic.KITCHEN_TICKET, ticket_event.id) in gone
    finally:
        subscriber.close()


async def test_split_and_merge_announce_every_order_and_table(app, client, manager, server):
    bus = app.state.events
    first = (
        await client.post(
            "/api/tables", json={"table_number": 1, "capacity": 2}, headers=manager.headers
        )
    ).json()
    second = (
        await client.post(
            "/api/tables", json={"table_number": 2, "capacity": 2}, headers=manager.headers
        )
    ).json()
    order = (
        await client.post(
            "/api/orders",
            json={
                "order": [
                    {"name": "Tea", "price": 2.5, "category": "Drinks"},
                    {"name": "Cake", "price": 4.0, "category": "Desserts"},
                ],
                "table_id": first["id"],
            },
            headers=server.headers,
        )
    ).json()
    subscriber = await bus.subscribe(ALL_TOPICS)
    try:
        merged = await client.post(
            f"/api/tables/merge-tables/{first['id']}/{second['id']}", headers=server.headers
        )
        assert merged.status_code == 200
        assert {(Topic.TABLE, first["id"]), (Topic.TABLE, second["id"])} <= topics(
            await collect(subscriber)
        )
        split = await client.post(
            f"/api/tables/split-bill/{first['id']}",
            json={"method": "even", "ways": 2},
            headers=server.headers,
        )
        assert split.status_code == 200
        announced = topics(await collect(subscriber))
        assert (Topic.ORDER, order["id"]) in announced
        for new_order in split.json():
            assert (Topic.ORDER, new_order["id"]) in announced
        assert not any(topic is Topic.KITCHEN_TICKET for topic, _ in announced)
    finally:
        subscriber.close()
