"""Real clients: gql over graphql-transport-ws, and 200 concurrent subscribers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportConnectionFailed
from gql.transport.websockets import WebsocketsTransport

from restaurant_api.kitchen.models import TicketStatus
from tests.conftest import gid
from tests.live.conftest import KITCHEN_QUERY, make_ticket, open_socket
from tests.live.test_subscriptions import set_ticket_status


def gql_transport(
    live_server, token: str | None, *, default_subprotocols: bool = False
) -> WebsocketsTransport:
    assert WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL == "graphql-transport-ws"
    # gql offers both subprotocols by default; the server picks graphql-transport-ws.
    extra: dict[str, Any] = (
        {}
        if default_subprotocols
        else {"subprotocols": [WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL]}
    )
    return WebsocketsTransport(
        url=live_server.ws_url,
        init_payload={"Authorization": f"Bearer {token}"} if token else {},
        **extra,
    )


async def test_gql_with_its_default_subprotocols_works(live_server, db, kitchen):
    ticket = await make_ticket(db)
    transport = gql_transport(live_server, kitchen.token, default_subprotocols=True)
    async with Client(transport=transport) as session:
        request = GraphQLRequest(KITCHEN_QUERY, variable_values={"station": "kitchen"})
        updates = session.subscribe(request)
        snapshot = (await anext(updates))["kitchenTickets"]
        chosen = transport.subprotocol
        await updates.aclose()
    assert chosen == "graphql-transport-ws"
    assert [t["id"] for t in snapshot["tickets"]] == [gid("KitchenTicket", ticket.id)]


async def test_gql_client_receives_snapshot_then_change(live_server, db, kitchen):
    ticket = await make_ticket(db)
    received: list[dict] = []
    async with Client(transport=gql_transport(live_server, kitchen.token)) as session:
        request = GraphQLRequest(KITCHEN_QUERY, variable_values={"station": "kitchen"})
        updates = session.subscribe(request)
        received.append((await anext(updates))["kitchenTickets"])
        await set_ticket_status(db, ticket.id, TicketStatus.READY)
        received.append((await asyncio.wait_for(anext(updates), 5.0))["kitchenTickets"])
        await updates.aclose()
    assert [update["kind"] for update in received] == ["SNAPSHOT", "CHANGES"]
    assert received[1]["tickets"][0]["status"] == "READY"


async def test_gql_client_without_token_is_refused(live_server):
    transport = gql_transport(live_server, None)
    with pytest.raises(TransportConnectionFailed) as refused:
        async with Client(transport=transport) as session:
            await session.execute(gql("subscription { tables { kind } }"))
    assert "4403" in str(refused.value.__cause__)


async def test_200_concurrent_subscribers_all_receive_the_event(
    live_server, db, kitchen, count_statements
):
    ticket = await make_ticket(db)
    sockets = await asyncio.gather(
        *(open_socket(live_server, token=kitchen.token) for _ in range(200))
    )
    for socket in sockets:
        await socket.subscribe(KITCHEN_QUERY, {"station": "kitchen"})
    snapshots = await asyncio.gather(*(socket.next_data(within=30) for socket in sockets))
    assert all(
        s["kitchenTickets"]["tickets"][0]["id"] == gid("KitchenTicket", ticket.id)
        for s in snapshots
    )

    with count_statements() as counter:
        await set_ticket_status(db, ticket.id, TicketStatus.PREPARING)
        changes = await asyncio.gather(*(socket.next_data(within=10) for socket in sockets))
    # The change (read + update, and on PostgreSQL its pg_notify, sent on the writer's own
    # connection), one shared re-read (ticket + lines) and one shared re-check of the
    # subscribers' user (token version, active), not 200 of either.
    notifies = [s for s in counter.statements if "pg_notify" in s]
    assert len(notifies) == (1 if db.url.startswith("postgresql") else 0)
    assert counter.count <= 5 + len(notifies), counter.statements
    assert len(changes) == 200
    assert all(c["kitchenTickets"]["tickets"][0]["status"] == "PREPARING" for c in changes)
    await asyncio.gather(*(socket.connection.close() for socket in sockets))
