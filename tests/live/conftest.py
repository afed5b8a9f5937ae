"""Live-update fixtures: a real uvicorn server on a loopback port, and a raw protocol client.

The server runs in the test's event loop, on the same app (and database) as the `backend`
fixture, so a test can commit a change directly and watch it arrive over the socket.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from restaurant_api import events
from restaurant_api.db import Database
from restaurant_api.events import Event, Topic
from restaurant_api.kitchen.models import KitchenTicket, TicketStatus
from restaurant_api.kitchen.routing import station_by_name
from restaurant_api.orders.models import Order
from tests.conftest import _backends
from tests.servers import LiveServer, free_port

TRANSPORT_WS = Subprotocol("graphql-transport-ws")
LEGACY_WS = Subprotocol("graphql-ws")


async def serve(app: FastAPI) -> tuple[uvicorn.Server, asyncio.Task[None], LiveServer]:
    port = free_port()
    # lifespan off: the app is shared by the whole session and must not be disposed here.
    # A websocket handler still winding down when the test ends (seen once in a full run
    # under load: the teardown's 10 s passed) is cancelled after 5 s instead of holding
    # the shutdown, and with it the next test.
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    return server, task, LiveServer(f"http://127.0.0.1:{port}")


async def shutdown(server: uvicorn.Server, task: asyncio.Task[None]) -> None:
    server.should_exit = True
    await asyncio.wait_for(task, 10)


@pytest.fixture
async def live_server(app: FastAPI) -> AsyncIterator[LiveServer]:
    server, task, live = await serve(app)
    try:
        yield live
    finally:
        await shutdown(server, task)
        # Leave no listener running between tests (it restarts on next use).
        await app.state.events.stop()


@pytest.fixture(scope="session", autouse=True)
async def _stop_event_buses() -> AsyncIterator[None]:
    yield
    for backend in _backends.values():
        await backend.app.state.events.stop()


class GraphQLSocket:
    """A minimal graphql-transport-ws client, to assert on exact messages and close codes."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self._ids = 0

    async def init(self, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        await self.send({"type": "connection_init", "payload": payload or {}})
        return await self.receive()

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        self._ids += 1
        operation_id = str(self._ids)
        await self.send(
            {
                "id": operation_id,
                "type": "subscribe",
                "payload": {"query": query, "variables": variables or {}},
            }
        )
        return operation_id

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, within: float = 5.0, *, skip_pings: bool = True) -> dict[str, Any]:
        while True:
            message = json.loads(await asyncio.wait_for(self.connection.recv(), within))
            if skip_pings and message["type"] == "ping":
                await self.send({"type": "pong"})
                continue
            return message

    async def next_data(self, within: float = 5.0) -> dict[str, Any]:
        message = await self.receive(within)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        return message["payload"]["data"]

    async def closed_with(self, within: float = 5.0) -> tuple[int | None, str]:
        """Wait for the server to close the socket; its close code and reason."""
        await asyncio.wait_for(self.connection.wait_closed(), within)
        return self.connection.close_code, self.connection.close_reason or ""


async def open_socket(
    live: LiveServer, *, subprotocol: Subprotocol = TRANSPORT_WS, token: str | None = None
) -> GraphQLSocket:
    connection = await connect(live.ws_url, subprotocols=[subprotocol])
    socket_ = GraphQLSocket(connection)
    if token is not None:
        ack = await socket_.init({"Authorization": f"Bearer {token}"})
        assert ack["type"] == "connection_ack", ack
    return socket_


async def make_ticket(
    db: Database, *, station: str = "kitchen", status: TicketStatus = TicketStatus.PENDING
) -> KitchenTicket:
    async with db.session() as session:
        order = Order(customer_count=2)
        session.add(order)
        await session.flush()
        known = await station_by_name(session, station)
        assert known is not None, station
        ticket = KitchenTicket(
            order_id=order.id, station=known.name, station_id=known.id, status=status
        )
        session.add(ticket)
        await session.flush()
    return ticket


KITCHEN_QUERY = """
subscription Screen($station: String, $status: [TicketStatus!]) {
  kitchenTickets(station: $station, status: $status) {
    kind
    tickets { id orderId station status lines { name quantity } }
    removedTicketIds
  }
}
"""


class OtherListener:
    """What another process hears: a separate LISTEN connection on PostgreSQL; on SQLite
    (one process) the bus's own subscribers are the only listeners there are."""

    def __init__(self, bus: events.EventBus) -> None:
        self.bus = bus
        self.connection: psycopg.AsyncConnection | None = None
        self.subscriber: events.Subscriber | None = None
        self.notifications: list[list[Event]] = []

    async def __aenter__(self) -> OtherListener:
        if isinstance(self.bus, events.PostgresBus):
            self.connection = await psycopg.AsyncConnection.connect(
                self.bus.conninfo, autocommit=True
            )
            await self.connection.execute(f'LISTEN "{self.bus.channel}"')
        else:
            self.subscriber = await self.bus.subscribe(frozenset(Topic))
        return self

    async def __aexit__(self, *_: object) -> None:
        if self.connection is not None:
            await self.connection.close()
        if self.subscriber is not None:
            self.subscriber.close()

    async def received(self, *, quiet_for: float = 0.3) -> list[list[Event]]:
        """Notifications (each a list of events) that arrived until `quiet_for` passed."""
        if self.connection is not None:
            async for notify in self.connection.notifies(timeout=quiet_for):
                self.notifications.append(events.events_from_payload(notify.payload))
        else:
            await asyncio.sleep(quiet_for)
            assert self.subscriber is not None  # no LISTEN connection: __aenter__ subscribed
            self.notifications += [[d.event] for d in self.subscriber.drain()]
        got, self.notifications = self.notifications, []
        return got
