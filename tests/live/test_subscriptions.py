"""Subscriptions over a real websocket: snapshot then changes, auth, protocol, slow clients."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete
from sqlmodel import col

from restaurant_api import events
from restaurant_api.db import Database, table_of, utcnow
from restaurant_api.kitchen.events import ticket_changed
from restaurant_api.kitchen.models import KitchenTicket, KitchenTicketLine, TicketStatus
from restaurant_api.main import create_app
from restaurant_api.orders.events import order_changed
from restaurant_api.orders.models import Order, OrderLine, OrderStatus
from restaurant_api.security import create_access_token
from restaurant_api.tables.events import table_changed
from restaurant_api.tables.models import DiningTable, Seat, SeatStatus, TableStatus
from tests.conftest import TEST_SECRET, gid, make_settings
from tests.live.conftest import (
    KITCHEN_QUERY,
    LEGACY_WS,
    make_ticket,
    open_socket,
    serve,
    shutdown,
)


async def set_ticket_status(
    db: Database, ticket_id: int, status: TicketStatus, *, fail: bool = False
) -> None:
    """What the kitchen service does: change the row, announce it, let the boundary commit."""
    async with db.session() as session:
        ticket = await session.get(KitchenTicket, ticket_id)
        assert ticket is not None
        ticket.status = status
        ticket.updated_at = utcnow()
        session.add(ticket)
        await session.flush()
        ticket_changed(session, ticket)
        if fail:
            raise RuntimeError("the request failed after the change")


async def assert_silent(socket, seconds: float = 0.3) -> None:
    with pytest.raises(TimeoutError):
        await socket.receive(within=seconds)


async def test_committed_change_reaches_subscriber_rolled_back_one_does_not(
    live_server, db, kitchen
):
    ticket = await make_ticket(db)
    socket = await open_socket(live_server, token=kitchen.token)
    await socket.subscribe(KITCHEN_QUERY)
    snapshot = (await socket.next_data())["kitchenTickets"]
    assert snapshot["kind"] == "SNAPSHOT"
    assert [t["id"] for t in snapshot["tickets"]] == [gid("KitchenTicket", ticket.id)]

    with pytest.raises(RuntimeError):
        await set_ticket_status(db, ticket.id, TicketStatus.READY, fail=True)
    await assert_silent(socket)

    await set_ticket_status(db, ticket.id, TicketStatus.PREPARING)
    change = (await socket.next_data())["kitchenTickets"]
    assert change["kind"] == "CHANGES"
    assert change["tickets"] == [
        {
            "id": gid("KitchenTicket", ticket.id),
            "orderId": gid("Order", ticket.order_id),
            "station": "kitchen",
            "status": "PREPARING",
            "lines": [],
        }
    ]
    assert change["removedTicketIds"] == []
    await socket.connection.close()


async def test_station_filter_and_tickets_leaving_the_screen(live_server, db, kitchen):
    grill = await make_ticket(db, station="kitchen")
    bar = await make_ticket(db, station="bar")
    socket = await open_socket(live_server, token=kitchen.token)
    await socket.subscribe(KITCHEN_QUERY, {"station": "kitchen", "status": ["PENDING"]})
    snapshot = (await socket.next_data())["kitchenTickets"]
    assert [t["id"] for t in snapshot["tickets"]] == [gid("KitchenTicket", grill.id)]

    await set_ticket_status(db, bar.id, TicketStatus.PREPARING)  # another station: not shown
    await assert_silent(socket)

    await set_ticket_status(db, grill.id, TicketStatus.PREPARING)  # leaves the PENDING screen
    change = (await socket.next_data())["kitchenTickets"]
    assert change == {
        "kind": "CHANGES",
        "tickets": [],
        "removedTicketIds": [gid("KitchenTicket", grill.id)],
    }

    new = await make_ticket(db, station="kitchen")
    async with db.session() as session:
        session.add(KitchenTicketLine(ticket_id=new.id, name="Steak", quantity=2))
        ticket_changed(session, new)
    change = (await socket.next_data())["kitchenTickets"]
    assert change["tickets"][0]["id"] == gid("KitchenTicket", new.id)
    assert change["tickets"][0]["lines"] == [{"name": "Steak", "quantity": 2}]

    async with db.session() as session:  # a deleted ticket leaves the screen too
        await session.exec(delete(KitchenTicket).where(col(KitchenTicket.id) == new.id))
        ticket_changed(session, new)
    change = (await socket.next_data())["kitchenTickets"]
    assert change == {
        "kind": "CHANGES",
        "tickets": [],
        "removedTicketIds": [gid("KitchenTicket", new.id)],
    }
    await socket.connection.close()


TABLES_QUERY = """
subscription { tables { kind tables { id tableNumber status isOccupied currentOrderId
  seats { seatNumber status customerName } } removedTableIds } }
"""


async def test_floor_plan_snapshot_then_changed_table(live_server, db, server):
    async with db.session() as session:
        tables = [DiningTable(table_number=n, capacity=2) for n in (2, 1)]
        session.add_all(tables)
        await session.flush()
        for table in tables:
            session.add_all(Seat(table_id=table.id, seat_number=n) for n in (1, 2))
    socket = await open_socket(live_server, token=server.token)
    await socket.subscribe(TABLES_QUERY)
    snapshot = (await socket.next_data())["tables"]
    assert snapshot["kind"] == "SNAPSHOT"
    assert [t["tableNumber"] for t in snapshot["tables"]] == [1, 2]
    assert snapshot["tables"][0]["seats"][1] == {
        "seatNumber": 2,
        "status": "AVAILABLE",
        "customerName": None,
    }

    table_two = tables[0]
    async with db.session() as session:
        table = await session.get(DiningTable, table_two.id)
        table.status = TableStatus.OCCUPIED
        seat = (
            await session.exec(table_of(Seat).select().where(col(Seat.table_id) == table_two.id))
        ).first()
        seat_row = await session.get(Seat, seat.id)
        seat_row.status = SeatStatus.OCCUPIED
        seat_row.customer_name = "Ada"
        table_changed(session, table_two.id)
    change = (await socket.next_data())["tables"]
    assert change["kind"] == "CHANGES"
    [changed] = change["tables"]
    assert changed["tableNumber"] == 2
    assert changed["isOccupied"] is True
    assert changed["seats"][0] == {"seatNumber": 1, "status": "OCCUPIED", "customerName": "Ada"}
    await socket.connection.close()


ORDERS_QUERY = """
subscription($orderId: ID) { orderUpdates(orderId: $orderId) {
  kind orders { id status total { amount } lines { name quantity lineTotal { cents } } }
  removedOrderIds } }
"""


async def test_order_updates_for_one_order_and_all_open_orders(live_server, db, server):
    async with db.session() as session:
        order = Order(customer_count=2)
        other = Order(customer_count=1)
        session.add_all([order, other])
        await session.flush()
        session.add(
            OrderLine(
                order_id=order.id,
                name="Soup",
                category="Starters",
                unit_price_cents=650,
                quantity=2,
            )
        )
    one = await open_socket(live_server, token=server.token)
    await one.subscribe(ORDERS_QUERY, {"orderId": gid("Order", order.id)})
    every = await open_socket(live_server, token=server.token)
    await every.subscribe(ORDERS_QUERY)

    snapshot = (await one.next_data())["orderUpdates"]
    assert snapshot["orders"] == [
        {
            "id": gid("Order", order.id),
            "status": "OPEN",
            "total": {"amount": "13.00"},
            "lines": [{"name": "Soup", "quantity": 2, "lineTotal": {"cents": 1300}}],
        }
    ]
    open_orders = (await every.next_data())["orderUpdates"]
    assert [o["id"] for o in open_orders["orders"]] == [
        gid("Order", order.id),
        gid("Order", other.id),
    ]

    async with db.session() as session:
        closing = await session.get(Order, order.id)
        closing.status = OrderStatus.CLOSED
        order_changed(session, closing)
    change = (await one.next_data())["orderUpdates"]
    assert change["orders"][0]["status"] == "CLOSED"
    change = (await every.next_data())["orderUpdates"]
    assert change == {
        "kind": "CHANGES",
        "orders": [],
        "removedOrderIds": [gid("Order", order.id)],
    }

    async with db.session() as session:  # the one-order feed ignores other orders
        order_changed(session, other)
    await assert_silent(one)
    await one.connection.close()
    await every.connection.close()


async def test_subscription_without_a_valid_token_is_refused(live_server, db, make_staff, app):
    await make_ticket(db)
    settings = app.state.settings
    expired, _ = create_access_token(
        1, secret=settings.secret_key, algorithm=settings.jwt_algorithm, lifetime=timedelta(0)
    )
    forged, _ = create_access_token(
        1, secret=TEST_SECRET + "x", algorithm="HS256", lifetime=timedelta(minutes=5)
    )
    for payload in (
        None,
        {},
        {"Authorization": "Bearer nonsense"},
        {"Authorization": forged},
        {"Authorization": f"Bearer {forged}"},
        {"Authorization": f"Bearer {expired}"},
    ):
        socket = await open_socket(live_server)
        await socket.send(
            {"type": "connection_init", **({"payload": payload} if payload is not None else {})}
        )
        assert await socket.closed_with() == (4403, "Forbidden"), payload

    # Subscribing without connection_init at all: closed before anything runs.
    socket = await open_socket(live_server)
    await socket.subscribe(KITCHEN_QUERY)
    assert await socket.closed_with() == (4401, "Unauthorized")


async def test_legacy_graphql_ws_protocol_is_refused(live_server, kitchen):
    # The server picks no subprotocol and closes at once, before any message is read.
    socket = await open_socket(live_server, subprotocol=LEGACY_WS)
    assert socket.connection.subprotocol is None
    assert await socket.closed_with() == (4406, "Subprotocol not acceptable")


async def test_access_token_expiry_closes_the_socket(live_server, db, app, kitchen):
    await make_ticket(db)
    settings = app.state.settings
    token, _ = create_access_token(
        kitchen.user.id,
        secret=settings.secret_key,
        algorithm=settings.jwt_algorithm,
        lifetime=timedelta(seconds=2),
    )
    socket = await open_socket(live_server, token=token)
    await socket.subscribe(KITCHEN_QUERY)
    assert (await socket.next_data())["kitchenTickets"]["kind"] == "SNAPSHOT"
    assert await socket.closed_with(within=5) == (4403, "Token expired")


async def test_keepalive_pings_and_slow_subscriber_is_disconnected(backend, make_staff):
    app = create_app(
        make_settings(backend.url, subscription_keepalive_seconds=0.2, subscription_queue_size=3)
    )
    staff = await make_staff()
    server, task, live = await serve(app)
    try:
        ticket = await make_ticket(app.state.db)
        idle = await open_socket(live, token=staff.token)
        ping = await idle.receive(within=2, skip_pings=False)
        assert ping == {"type": "ping"}
        await idle.send({"type": "pong"})

        slow = await open_socket(live, token=staff.token)
        await slow.subscribe(KITCHEN_QUERY)
        await slow.next_data()
        bus = app.state.events
        # A burst larger than the queue, faster than the subscriber drains it: the
        # publisher never waits, the subscriber is dropped at once and its socket closed.
        for _ in range(5):
            bus.dispatch(events.Event(events.Topic.KITCHEN_TICKET, ticket.id, station="kitchen"))
        assert bus.subscribers_of(events.Topic.KITCHEN_TICKET) == 0
        code, reason = await slow.closed_with()
        assert code == 1013
        assert "too slow" in reason

        fine = await open_socket(live, token=staff.token)  # the server carries on
        await fine.subscribe(KITCHEN_QUERY)
        await fine.next_data()
        bus.dispatch(events.Event(events.Topic.KITCHEN_TICKET, ticket.id, station="kitchen"))
        assert (await fine.next_data())["kitchenTickets"]["tickets"][0]["id"] == gid(
            "KitchenTicket", ticket.id
        )
        await fine.connection.close()
        await idle.connection.close()
    finally:
        await shutdown(server, task)
        await app.state.events.stop()
        await app.state.db.dispose()


async def test_queries_and_mutations_over_the_websocket_are_refused(live_server, kitchen):
    socket = await open_socket(live_server, token=kitchen.token)
    operation_id = await socket.subscribe("{ me { id } }")
    message = await socket.receive()
    assert message["type"] == "error"
    assert message["id"] == operation_id
    assert "Only subscriptions" in message["payload"][0]["message"]
    # The connection stays usable for subscriptions.
    await socket.subscribe("subscription { tables { kind } }")
    assert (await socket.next_data())["tables"]["kind"] == "SNAPSHOT"
    await socket.connection.close()


async def test_served_tickets_are_off_the_default_screen(live_server, db, kitchen):
    served = await make_ticket(db, status=TicketStatus.SERVED)
    pending = await make_ticket(db)
    socket = await open_socket(live_server, token=kitchen.token)
    await socket.subscribe(KITCHEN_QUERY)
    await socket.subscribe(KITCHEN_QUERY, {"status": ["SERVED"]})
    first, second = await socket.receive(), await socket.receive()
    by_id = {m["id"]: m["payload"]["data"]["kitchenTickets"] for m in (first, second)}
    assert [t["id"] for t in by_id["1"]["tickets"]] == [gid("KitchenTicket", pending.id)]
    assert [t["id"] for t in by_id["2"]["tickets"]] == [gid("KitchenTicket", served.id)]
    await socket.connection.close()


FULL_ORDER = """
fragment FullOrder on Order {
  id databaseId version status customerCount tableId
  total { amount } table { id tableNumber seats { id seatNumber } }
  lines { id position name quantity lineTotal { amount } menuItem { id name } }
  tickets { id station status isDismissed lines { id name isVoid orderLineId } order { id } }
}
"""


async def test_order_updates_deliver_the_order_type_queries_return(live_server, gql, server):
    """The same Order (every field, nested ones included) as `order`: a cache normalizes it."""
    placed = await gql(
        """mutation { placeOrder(input: {lines: [{name: "Tea", price: "2.00", category: "Drinks"}]})
           { ... on OrderPayload { order { id } } } }""",
        staff=server,
    )
    order_id = placed["data"]["placeOrder"]["order"]["id"]
    query = FULL_ORDER + "query($id: ID!) { order(id: $id) { ...FullOrder } }"
    queried = (await gql(query, {"id": order_id}, staff=server))["data"]["order"]

    socket = await open_socket(live_server, token=server.token)
    await socket.subscribe(
        FULL_ORDER
        + "subscription($id: ID) { orderUpdates(orderId: $id) { kind orders { ...FullOrder } } }",
        {"id": order_id},
    )
    snapshot = (await socket.next_data())["orderUpdates"]
    assert snapshot["orders"] == [queried]

    updated = await gql(
        """mutation($id: ID!) { updateOrder(orderId: $id, input: {
             addLines: [{name: "Cake", price: "4.00", category: "Desserts"}]}) {
             ... on OrderPayload { order { version } } } }""",
        {"id": order_id},
        staff=server,
    )
    assert updated["data"]["updateOrder"]["order"]["version"] == 2
    change = (await socket.next_data())["orderUpdates"]
    assert change["kind"] == "CHANGES"
    [live] = change["orders"]
    assert live == (await gql(query, {"id": order_id}, staff=server))["data"]["order"]
    assert live["version"] == 2
    assert [line["name"] for line in live["lines"]] == ["Tea", "Cake"]
    assert [ticket["station"] for ticket in live["tickets"]] == ["bar", "pastry"]
    assert all(line["id"] for ticket in live["tickets"] for line in ticket["lines"])
    await socket.connection.close()


async def test_unknown_station_in_the_live_filter_is_a_validation_error(live_server, kitchen):
    socket = await open_socket(live_server, token=kitchen.token)
    await socket.subscribe(KITCHEN_QUERY, {"station": "grill"})
    message = await socket.receive()
    assert message["type"] in ("error", "next"), message
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "VALIDATION_ERROR"
    assert "kitchen, bar, pastry" in errors[0]["message"]
    await socket.connection.close()
