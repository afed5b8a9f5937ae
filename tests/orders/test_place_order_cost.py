"""Placing an order: its events travel with its transaction, in few statements."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event as sa_event

from restaurant_api import events
from restaurant_api.events import Event, Topic
from tests.conftest import gid
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
    assert sorted(str(event.station) for event in tickets) == ["bar", "kitchen"]
    assert {event.order_id for event in tickets} == {order_id}
    assert len(received) == 3
    if isinstance(bus, events.PostgresBus):
        assert len(notifications) == 1  # the transaction's events travel together


async def test_placing_an_order_takes_fewer_statements(
    app, db, client, gql, server, add_menu_item, backend
):
    """Every statement on the engine, savepoints included (the conftest counter skips them)."""
    dish = await add_menu_item("Soup", "6.50", "Mains")
    drink = await add_menu_item("Cola", "3.00", "Drinks")
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = statement.split(None, 3)
        verb = " ".join(words[:3]) if words[0].upper() == "INSERT" else words[0].upper()
        if verb == "WITH":  # rows of several tables inserted by one statement
            verb = "INSERT INTO " + " + ".join(re.findall(r"INSERT INTO (\w+)", statement))
        if verb == "BEGIN":  # SQLite's explicit BEGIN (psycopg sends its own, uncounted)
            return
        # SQLite inserts rows one at a time where it needs their ids: count each table once.
        if backend.name == "sqlite" and verb.startswith("INSERT") and statements[-1:] == [verb]:
            return
        statements.append(verb)

    lines = [{"menu_item_id": dish.id, "quantity": 2}, {"menu_item_id": drink.id}]
    # Reads straight on psycopg (`raw_reads`: GraphQL's caller on PostgreSQL) count too.
    raw = db.raw_reads.statements.observers if db.raw_reads is not None else []
    raw_record = lambda statement: record(None, None, statement)  # noqa: E731
    sa_event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    raw.append(raw_record)
    try:
        response = await client.post("/api/orders", json={"order": lines}, headers=server.headers)
        assert response.status_code == 200, response.text
        rest = statements[:]
        statements.clear()
        response = await client.post(
            "/api/orders",
            json={"order": lines},
            headers={**server.headers, "Idempotency-Key": "cost-1"},
        )
        assert response.status_code == 200, response.text
        keyed = statements[:]
        statements.clear()
        body = await gql(
            "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { "
            "... on OrderPayload { order { databaseId total { amount } lines { name } } } } }",
            {"input": {"lines": [{"menuItemId": f"{gid('MenuItem', dish.id)}"}]}},
            staff=server,
        )
        assert body["data"]["placeOrder"]["order"]["lines"] == [{"name": "Soup"}]
        graphql = statements[:]
    finally:
        sa_event.remove(db.engine.sync_engine, "before_cursor_execute", record)
        raw.remove(raw_record)
    notify = ["SELECT"] if backend.name == "postgresql" else []
    caller = ["SELECT"]  # the caller, in its own short read transaction
    items, taxes, charges, stations = (
        "SELECT",  # the menu items (with their prep-time targets, which firing reuses)
        "SELECT",  # the active tax rates with the assignments that can apply
        "SELECT",  # the automatic service-charge rules (none here)
        "SELECT",  # the kitchen stations with their routing rules
    )
    if backend.name == "postgresql":
        # The four reads need none of each other's answers: read ahead, in one round trip
        # (`db_rows.prefetch_rows`), and served from there.
        # The order with its lines, then the tickets (one per station and course) with
        # their lines and first status: one statement each (`orders.new_rows`,
        # `kitchen.firing`), where the ORM's unit of work took five.
        writes = [
            items,
            taxes,
            charges,
            stations,
            "INSERT INTO orders + order_lines",
            "INSERT INTO kitchen_tickets + kitchen_ticket_lines + kitchen_ticket_events",
        ]
    else:
        writes = [
            items,
            taxes,
            "INSERT INTO orders",
            "INSERT INTO order_lines",
            charges,
            stations,
            "INSERT INTO kitchen_tickets",
            "INSERT INTO kitchen_ticket_lines",
            "INSERT INTO kitchen_ticket_events",
        ]
    # Before: 9 statements here (a max(fire_number) and a re-read of the lines), plus 3
    # pg_notify on another connection after the commit (PostgreSQL).
    # REST answers with the check, priced from the rows just written: a new order has no
    # discount, and no automatic charge was added here (else two reads of its adjustments).
    assert rest == caller + writes + notify  # notify: one pg_notify with all the events
    # Before: also SAVEPOINT, INSERT, RELEASE for the key and an UPDATE at the end.
    assert keyed == [*caller, "INSERT INTO idempotency_records", *writes, "UPDATE", *notify]
    # Before: also a SAVEPOINT and its RELEASE around the mutation, and the lines re-read.
    assert graphql == caller + writes + notify


async def test_an_order_of_open_items_reads_no_menu_items(db, client, server, backend):
    read: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        read.extend(re.findall(r"FROM (\w+)", statement))

    raw = db.raw_reads.statements.observers if db.raw_reads is not None else []
    raw_record = lambda statement: record(None, None, statement)  # noqa: E731
    sa_event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    raw.append(raw_record)
    try:
        response = await client.post(
            "/api/orders",
            json={"order": [{"name": "Bread", "price": 1.5, "category": "Sides"}]},
            headers=server.headers,
        )
    finally:
        sa_event.remove(db.engine.sync_engine, "before_cursor_execute", record)
        raw.remove(raw_record)
    assert response.status_code == 200, response.text
    assert "menu_items" not in read
    assert {"tax_rates", "service_charge_rules", "kitchen_stations"} <= set(read)
