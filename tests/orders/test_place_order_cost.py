"""Placing an order: its events travel with its transaction, in few statements."""

from __future__ import annotations

from restaurant_api import events
from restaurant_api.events import Event, Topic
from tests.live.conftest import OtherListener


async def test_a_committed_order_reaches_a_separate_listener_in_one_notification(
    app, db, client, server, add_menu_item
):
    dish = await add_menu_item("Soup", "6.50", "Mains")
    drink = await add_menu_item("Cola", "3.00", "Drinks")
    bus = app.state.events
    async with OtherListener(bus) as listener:
        response = await client.post(
            "/api/orders",
            json={"order": [{"menu_item_id": dish.id}, {"menu_item_id": drink.id}]},
            headers=server.headers,
        )
        assert response.status_code == 200, response.text
        order_id = response.json()["id"]
        notifications = await listener.received()
    await bus.stop()
    received = [event for notification in notifications for event in notification]
    assert Event(Topic.ORDER, order_id, status="open") in received
    tickets = [event for event in received if event.topic is Topic.KITCHEN_TICKET]
    assert sorted(event.station for event in tickets) == ["bar", "kitchen"]  # type: ignore[type-var]
    assert {event.order_id for event in tickets} == {order_id}
    assert len(received) == 3
    if isinstance(bus, events.PostgresBus):
        assert len(notifications) == 1  # the transaction's events travel together
