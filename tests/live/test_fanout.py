"""Fan-out: subscribers of one selection share one execution and one encoding per change."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from sqlalchemy import update
from websockets.exceptions import ConnectionClosed

from restaurant_api import events
from restaurant_api.api.fanout import FANOUT_STATS
from restaurant_api.kitchen.models import KitchenTicketLine, TicketStatus
from restaurant_api.main import create_app
from restaurant_api.users.models import Role, User
from tests.conftest import gid, make_settings
from tests.live.conftest import (
    KITCHEN_QUERY,
    GraphQLSocket,
    make_ticket,
    open_socket,
    serve,
    shutdown,
)
from tests.live.test_subscriptions import set_ticket_status

# `$withLines` changes the output without changing which tickets a screen gets: the same
# batch of rows must still be executed separately for each value.
LINES_QUERY = """
subscription Lines($withLines: Boolean!) {
  kitchenTickets {
    kind
    tickets { id status lines @include(if: $withLines) { name quantity } }
    removedTicketIds
  }
}
"""


async def raw_next(socket: GraphQLSocket, within: float = 5.0) -> str:
    """The next non-ping message exactly as it came over the wire."""
    while True:
        text = await asyncio.wait_for(socket.connection.recv(), within)
        assert isinstance(text, str)
        if json.loads(text)["type"] == "ping":
            await socket.send({"type": "pong"})
            continue
        return text


async def subscribed(live, token: str, query: str, variables: dict[str, Any] | None = None):
    socket = await open_socket(live, token=token)
    await socket.subscribe(query, variables)
    assert (await socket.next_data())["kitchenTickets"]["kind"] == "SNAPSHOT"
    return socket


def counts() -> tuple[int, int]:
    return FANOUT_STATS.executions, FANOUT_STATS.serializations


async def test_one_selection_is_executed_and_encoded_once_for_every_subscriber(
    live_server, db, make_staff
):
    ticket = await make_ticket(db)
    async with db.session() as session:
        session.add(KitchenTicketLine(ticket_id=ticket.id, name="Soup", quantity=2))
    cooks = [await make_staff(Role.KITCHEN) for _ in range(2)]
    variables = {"station": "kitchen"}
    # Two users, and one of them twice: one group (same document, variables and role).
    sockets = [
        await subscribed(live_server, staff.token, KITCHEN_QUERY, variables)
        for staff in (cooks[0], cooks[0], cooks[1])
    ]
    executions, encodings = counts()

    await set_ticket_status(db, ticket.id, TicketStatus.PREPARING)
    texts = [await raw_next(socket) for socket in sockets]

    assert counts() == (executions + 1, encodings + 1)
    assert texts[0] == texts[1] == texts[2]  # every socket's operation id is "1"
    message = json.loads(texts[0])
    # The same bytes the ordinary per-subscriber encoding produces.
    assert texts[0] == json.dumps(message, separators=(",", ":"))
    assert message["id"] == "1"
    assert message["type"] == "next"
    assert message["payload"]["data"] == {
        "kitchenTickets": {
            "kind": "CHANGES",
            "tickets": [
                {
                    "id": gid("KitchenTicket", ticket.id),
                    "orderId": gid("Order", ticket.order_id),
                    "station": "kitchen",
                    "status": "PREPARING",
                    "lines": [{"name": "Soup", "quantity": 2}],
                }
            ],
            "removedTicketIds": [],
        }
    }
    assert set(message["payload"]) == {"data", "extensions"}  # the cost, as before
    for socket in sockets:
        await socket.connection.close()


async def test_the_id_is_each_subscribers_own(live_server, db, kitchen):
    ticket = await make_ticket(db)
    socket = await open_socket(live_server, token=kitchen.token)
    first = await socket.subscribe(KITCHEN_QUERY)
    second = await socket.subscribe(KITCHEN_QUERY)
    assert {(await socket.receive())["id"] for _ in range(2)} == {first, second}
    executions, _ = counts()

    await set_ticket_status(db, ticket.id, TicketStatus.PREPARING)
    received = [json.loads(await raw_next(socket)) for _ in range(2)]

    assert {message["id"] for message in received} == {first, second}
    assert received[0]["payload"] == received[1]["payload"]
    assert counts()[0] == executions + 1
    await socket.connection.close()


async def test_different_variables_or_roles_are_executed_apart(live_server, db, make_staff):
    ticket = await make_ticket(db)
    async with db.session() as session:
        session.add(KitchenTicketLine(ticket_id=ticket.id, name="Tea", quantity=1))
    cook = await make_staff(Role.KITCHEN)
    waiter = await make_staff(Role.SERVER)
    with_lines = await subscribed(live_server, cook.token, LINES_QUERY, {"withLines": True})
    without = await subscribed(live_server, cook.token, LINES_QUERY, {"withLines": False})
    other_role = await subscribed(live_server, waiter.token, LINES_QUERY, {"withLines": True})
    executions, _ = counts()

    await set_ticket_status(db, ticket.id, TicketStatus.PREPARING)

    expected = {"id": gid("KitchenTicket", ticket.id), "status": "PREPARING"}
    assert (await with_lines.next_data())["kitchenTickets"]["tickets"] == [
        {**expected, "lines": [{"name": "Tea", "quantity": 1}]}
    ]
    assert (await without.next_data())["kitchenTickets"]["tickets"] == [expected]
    assert (await other_role.next_data())["kitchenTickets"]["tickets"] == [
        {**expected, "lines": [{"name": "Tea", "quantity": 1}]}
    ]
    # Three groups: two values of a variable, two roles.
    assert counts()[0] == executions + 3
    for socket in (with_lines, without, other_role):
        await socket.connection.close()


async def test_filters_from_variables_still_apply_per_subscriber(live_server, db, kitchen):
    ticket = await make_ticket(db, status=TicketStatus.PENDING)
    pending = await subscribed(live_server, kitchen.token, KITCHEN_QUERY, {"status": ["PENDING"]})
    preparing = await subscribed(
        live_server, kitchen.token, KITCHEN_QUERY, {"status": ["PREPARING"]}
    )

    await set_ticket_status(db, ticket.id, TicketStatus.PREPARING)

    left = (await pending.next_data())["kitchenTickets"]
    assert (left["tickets"], left["removedTicketIds"]) == ([], [gid("KitchenTicket", ticket.id)])
    arrived = (await preparing.next_data())["kitchenTickets"]
    assert [t["id"] for t in arrived["tickets"]] == [gid("KitchenTicket", ticket.id)]
    assert arrived["removedTicketIds"] == []
    for socket in (pending, preparing):
        await socket.connection.close()


async def test_a_revoked_member_of_a_group_is_closed_and_the_others_still_receive(
    live_server, db, admin, make_staff
):
    ticket = await make_ticket(db)
    cooks = [await make_staff(Role.KITCHEN) for _ in range(3)]
    sockets = [await subscribed(live_server, cook.token, KITCHEN_QUERY) for cook in cooks]

    # One deactivated through the API (its USER event), one behind the app's back (only the
    # per-message check sees it): neither gets the shared change, the third does.
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        response = await client.patch(
            f"/users/{cooks[0].user.id}", json={"is_active": False}, headers=admin.headers
        )
    assert response.status_code == 200
    assert await sockets[0].closed_with(within=5) == (4403, "Access revoked")
    async with db.session() as session:
        await session.exec(
            update(User)
            .where(User.id == cooks[1].user.id)
            .values(token_version=User.token_version + 1)
        )
    executions, _ = counts()

    await set_ticket_status(db, ticket.id, TicketStatus.PREPARING)

    change = (await sockets[2].next_data())["kitchenTickets"]
    assert change["kind"] == "CHANGES"
    try:
        message = await sockets[1].receive(within=5)
    except ConnectionClosed:
        message = None
    assert message is None, message
    assert await sockets[1].closed_with(within=5) == (4403, "Access revoked")
    assert counts()[0] == executions + 1
    await sockets[2].connection.close()


async def test_slow_members_of_a_group_are_closed_and_the_group_carries_on(backend, make_staff):
    app = create_app(make_settings(backend.url, subscription_queue_size=3))
    staff = await make_staff(Role.KITCHEN)
    server, task, live = await serve(app)
    try:
        ticket = await make_ticket(app.state.db)
        slow = [await subscribed(live, staff.token, KITCHEN_QUERY) for _ in range(2)]
        bus = app.state.events
        for _ in range(5):
            bus.dispatch(events.Event(events.Topic.KITCHEN_TICKET, ticket.id, station="kitchen"))
        for socket in slow:
            code, reason = await socket.closed_with()
            assert code == 1013
            assert "too slow" in reason

        fine = [await subscribed(live, staff.token, KITCHEN_QUERY) for _ in range(2)]
        executions, _ = counts()
        bus.dispatch(events.Event(events.Topic.KITCHEN_TICKET, ticket.id, station="kitchen"))
        for socket in fine:
            tickets = (await socket.next_data())["kitchenTickets"]["tickets"]
            assert [t["id"] for t in tickets] == [gid("KitchenTicket", ticket.id)]
        assert counts()[0] == executions + 1
        for socket in fine:
            await socket.connection.close()
    finally:
        await shutdown(server, task)
        await app.state.events.stop()
        await app.state.db.dispose()
