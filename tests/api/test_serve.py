"""`python -m restaurant_api serve` as operators run it: a real uvicorn process in production
mode. What only a real server shows: its banner, its Date header, the websocket frame
limit, and a 413 sent before the body is uploaded."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.api.test_edge import assert_security_headers
from tests.conftest import Backend
from tests.live.conftest import TRANSPORT_WS
from tests.servers import LiveServer, running_servers

WS_LIMIT = 4096
BODY_LIMIT = 64 * 1024


@pytest.fixture
async def production_server(backend: Backend, tmp_path: Path) -> AsyncIterator[LiveServer]:
    async with running_servers(
        backend.url,
        tmp_path,
        ENVIRONMENT="production",
        REGISTRATION_OPEN="false",
        WEBSOCKET_MAX_MESSAGE_BYTES=str(WS_LIMIT),
        MAX_BODY_BYTES=str(BODY_LIMIT),
    ) as (live,):
        yield live


async def test_no_server_banner_and_production_headers(production_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=production_server.url) as http:
        ready = await http.get("/health/ready")  # reads the database
        docs = await http.get("/docs")
    assert ready.status_code == 200
    for response in (ready, docs):
        assert "server" not in response.headers
        assert response.headers["date"].endswith("GMT")
        assert response.headers["strict-transport-security"] == "max-age=31536000"
        assert_security_headers(response)
    assert docs.status_code == 404


async def test_declared_oversized_upload_is_refused_before_it_is_sent(
    production_server: LiveServer,
) -> None:
    """Only the headers go out: the 413 arrives without the 10 MB body being sent."""
    host, port = production_server.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        b"POST /graphql HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n"
        b"Content-Length: 10485760\r\n\r\n"
    )
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), 10)
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    writer.close()
    assert status_line.startswith(b"HTTP/1.1 413")
    assert b"connection: close" in head.lower()
    assert b"server:" not in head.lower()


async def test_websocket_message_limit_is_passed_to_uvicorn(
    production_server: LiveServer,
) -> None:
    async def close_code(size: int) -> int | None:
        message = json.dumps({"type": "connection_init", "payload": {"padding": "x" * size}})
        async with connect(production_server.ws_url, subprotocols=[TRANSPORT_WS]) as socket:
            await socket.send(message)
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(socket.recv(), 10)
            return socket.close_code

    # Under the limit the message is read (and refused: it carries no token).
    assert await close_code(WS_LIMIT - 200) == 4403
    # Over the limit uvicorn closes with 1009 "message too big" before the app sees it.
    assert await close_code(WS_LIMIT + 1) == 1009
