"""Limits over a real websocket: null init payload, oversized and ambiguous documents, cost,
snapshot caps, and the message size `serve` gives uvicorn."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from restaurant_api.main import create_app
from tests.conftest import gid, make_settings
from tests.live.conftest import (
    KITCHEN_QUERY,
    TRANSPORT_WS,
    make_ticket,
    open_socket,
    serve,
    shutdown,
)
from tests.servers import start_server, stop_server, wait_ready


async def test_null_connection_init_payload_is_forbidden_like_a_missing_token(live_server):
    socket = await open_socket(live_server)
    await socket.send({"type": "connection_init", "payload": None})
    assert await socket.closed_with() == (4403, "Forbidden")
    # A payload that is not an object at all is still a malformed message.
    socket = await open_socket(live_server)
    await socket.send({"type": "connection_init", "payload": "x"})
    assert await socket.closed_with() == (4400, "Invalid connection init payload")


async def test_oversized_subscription_gets_an_error_that_says_why(live_server, kitchen, db):
    ticket = await make_ticket(db)
    socket = await open_socket(live_server, token=kitchen.token)
    fields = " ".join(f"a{i}: id" for i in range(2100))
    document = f"subscription {{ kitchenTickets {{ tickets {{ {fields} }} }} }}"
    operation_id = await socket.subscribe(document)
    message = await socket.receive()
    assert message["type"] == "error", message
    assert message["id"] == operation_id
    assert message["payload"][0]["message"] == (
        "Syntax Error: Document contains more than 2000 tokens. Parsing aborted."
    )
    # Other syntax errors too; the connection keeps serving.
    await socket.subscribe("subscription { kitchenTickets { ")
    broken = await socket.receive()
    assert broken["type"] == "error"
    assert broken["payload"][0]["message"].startswith("Syntax Error")
    await socket.subscribe(KITCHEN_QUERY)
    snapshot = await socket.next_data()
    assert [t["id"] for t in snapshot["kitchenTickets"]["tickets"]] == [
        gid("KitchenTicket", ticket.id)
    ]


async def test_two_operations_without_a_name_are_refused_over_the_websocket(live_server, kitchen):
    socket = await open_socket(live_server, token=kitchen.token)
    document = "subscription A { kitchenTickets { kind } } subscription B { tables { kind } }"
    operation_id = await socket.subscribe(document)
    message = await socket.receive()
    assert message == {
        "id": operation_id,
        "type": "error",
        "payload": [
            {"message": "Must provide operation name if query contains multiple operations."}
        ],
    }
    await socket.send(
        {
            "id": "named",
            "type": "subscribe",
            "payload": {"query": document, "operationName": "B"},
        }
    )
    chosen = await socket.receive()
    assert chosen["id"] == "named"
    assert chosen["payload"]["data"] == {"tables": {"kind": "SNAPSHOT"}}


async def test_subscription_cost_is_checked_and_reported(backend, make_staff):
    # KITCHEN_QUERY costs 1 + snapshot (200) x (1 ticket + 50 lines) = 10201.
    staff = await make_staff()
    for budget, allowed in ((10_201, True), (10_200, False)):
        app = create_app(make_settings(backend.url, graphql_max_cost=budget))
        server, task, live = await serve(app)
        try:
            socket = await open_socket(live, token=staff.token)
            operation_id = await socket.subscribe(KITCHEN_QUERY)
            message = await socket.receive()
            assert message["id"] == operation_id
            if allowed:
                assert message["type"] == "next", message
                assert message["payload"]["extensions"] == {
                    "cost": {"requested": 10_201, "maximum": budget}
                }
            else:
                assert message["type"] == "error", message
                error = message["payload"][0]
                assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
                assert error["extensions"]["cost"] == {"requested": 10_201, "maximum": budget}
            await socket.connection.close()
        finally:
            await shutdown(server, task)
            await app.state.events.stop()
            await app.state.db.dispose()


async def test_snapshot_over_the_cap_is_an_error(backend, make_staff):
    app = create_app(make_settings(backend.url, subscription_snapshot_max=2))
    staff = await make_staff()
    server, task, live = await serve(app)
    try:
        for _ in range(2):
            await make_ticket(app.state.db)
        socket = await open_socket(live, token=staff.token)
        await socket.subscribe(KITCHEN_QUERY)
        assert len((await socket.next_data())["kitchenTickets"]["tickets"]) == 2
        await socket.connection.close()

        await make_ticket(app.state.db)
        socket = await open_socket(live, token=staff.token)
        operation_id = await socket.subscribe(KITCHEN_QUERY)
        message = await socket.receive()
        assert message["id"] == operation_id
        assert message["type"] == "next", message
        error = message["payload"]["errors"][0]
        assert error["message"] == (
            "The snapshot would hold 3 rows, more than the limit of 2: narrow the "
            "subscription (e.g. by station, status or order)."
        )
        assert error["extensions"]["code"] == "SNAPSHOT_TOO_LARGE"
        assert (await socket.receive()) == {"id": operation_id, "type": "complete"}
        # A narrower subscription still works on the same connection.
        await socket.send(
            {
                "id": "narrow",
                "type": "subscribe",
                # The tickets are all the kitchen's: the bar's screen has none.
                "payload": {"query": KITCHEN_QUERY, "variables": {"station": "bar"}},
            }
        )
        narrow = await socket.next_data()
        assert narrow["kitchenTickets"]["tickets"] == []
        await socket.connection.close()
    finally:
        await shutdown(server, task)
        await app.state.events.stop()
        await app.state.db.dispose()


def test_serve_limits_websocket_messages(tmp_path: Path):
    """`serve` passes WEBSOCKET_MAX_MESSAGE_BYTES to uvicorn: a bigger message closes 1009."""
    process, live = start_server(
        f"sqlite:///{tmp_path / 'ws.db'}", tmp_path, WEBSOCKET_MAX_MESSAGE_BYTES="4096"
    )

    async def close_codes() -> list[int | None]:
        await wait_ready(process, live)
        codes = []
        for size in (3000, 5000):
            async with connect(live.ws_url, subprotocols=[TRANSPORT_WS]) as socket:
                init = {"type": "connection_init", "payload": {"x": "y" * size}}
                await socket.send(json.dumps(init))
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(socket.recv(), 5)
                codes.append(socket.close_code)
        return codes

    try:
        # Under the limit: read, and refused for want of a token. Over it: 1009 "too big".
        assert asyncio.run(close_codes()) == [4403, 1009]
    finally:
        stop_server(process)
        process.wait(10)


async def test_init_timeout_and_operations_per_connection(backend, make_staff):
    app = create_app(
        make_settings(
            backend.url, websocket_init_timeout_seconds=0.3, websocket_max_subscriptions=2
        )
    )
    staff = await make_staff()
    server, task, live = await serve(app)
    try:
        silent = await open_socket(live)
        assert await silent.closed_with(within=3) == (4408, "Connection initialisation timeout")

        socket = await open_socket(live, token=staff.token)
        for _ in range(2):
            await socket.subscribe(KITCHEN_QUERY)
            assert (await socket.next_data())["kitchenTickets"]["kind"] == "SNAPSHOT"
        third = await socket.subscribe(KITCHEN_QUERY)
        refused = await socket.receive()
        assert refused == {
            "id": third,
            "type": "error",
            "payload": [{"message": "Subscription limit reached"}],
        }
        await socket.send({"id": "1", "type": "complete"})
        fourth = await socket.subscribe(KITCHEN_QUERY)
        accepted = await socket.receive()
        assert accepted["id"] == fourth
        assert accepted["type"] == "next"
        await socket.connection.close()
    finally:
        await shutdown(server, task)
        await app.state.events.stop()
        await app.state.db.dispose()


MALFORMED = [
    ("[]", "Failed to parse message"),
    ("null", "Failed to parse message"),
    ('"x"', "Failed to parse message"),
    ('{"type": 1}', "Failed to parse message"),
    (
        '{"type": "subscribe", "id": "1", "payload": null}',
        'Invalid subscribe message: "payload.query" must be a string',
    ),
    (
        '{"type": "subscribe", "id": "1", "payload": {"query": null}}',
        'Invalid subscribe message: "payload.query" must be a string',
    ),
    (
        '{"type": "subscribe", "id": 1, "payload": {"query": "subscription { tables { kind } }"}}',
        'Invalid subscribe message: "id" must be a non-empty string',
    ),
    (
        '{"type": "subscribe", "id": "1", "payload": {"query": "{ me { id } }", "variables": "x"}}',
        'Invalid subscribe message: "payload.variables" has the wrong type',
    ),
    (
        '{"type": "subscribe", "id": "1", "payload": {"query": "{ me { id } }", '
        '"operationName": 5}}',
        'Invalid subscribe message: "payload.operationName" has the wrong type',
    ),
    (
        '{"type": "complete", "id": null}',
        'Invalid complete message: "id" must be a non-empty string',
    ),
]


async def test_malformed_messages_close_4400_with_the_reason(live_server, kitchen):
    for raw, reason in MALFORMED:
        socket = await open_socket(live_server, token=kitchen.token)
        await socket.connection.send(raw)
        assert await socket.closed_with() == (4400, reason), raw


async def test_unknown_operation_name_is_an_error_message(live_server, kitchen):
    socket = await open_socket(live_server, token=kitchen.token)
    await socket.send(
        {
            "id": "1",
            "type": "subscribe",
            "payload": {"query": KITCHEN_QUERY, "operationName": "Nope"},
        }
    )
    assert await socket.receive() == {
        "id": "1",
        "type": "error",
        "payload": [{"message": 'Unknown operation named "Nope".'}],
    }
