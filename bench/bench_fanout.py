"""Fan-out latency of a kitchen ticket change to N websocket subscribers (default 200).

    .venv/bin/python bench/bench_fanout.py                      # SQLite, in-process bus
    .venv/bin/python bench/bench_fanout.py --backend postgresql # LISTEN/NOTIFY

Serves the app with uvicorn on a loopback port inside this process, opens N
graphql-transport-ws subscriptions to `kitchenTickets`, then for each round commits a ticket
status change (and its event) and measures, per subscriber, the time from the start of that
transaction until the CHANGES message is read off the socket: commit, publish (NOTIFY and
back through LISTEN on PostgreSQL), the shared re-read, GraphQL execution and the websocket.
Clients and server share one event loop, so this is an upper bound for one worker process.
Uses a throwaway database (a temporary SQLite file, or a new PostgreSQL database that is
dropped at the end) and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
import uvicorn
from sqlalchemy.engine import make_url
from websockets.asyncio.client import ClientConnection, connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from restaurant_api.__main__ import run_migrations
from restaurant_api.api.fanout import FANOUT_STATS
from restaurant_api.config import Environment, Settings
from restaurant_api.db import utcnow
from restaurant_api.kitchen.events import ticket_changed
from restaurant_api.kitchen.models import KitchenTicket, TicketStatus
from restaurant_api.kitchen.routing import station_by_name
from restaurant_api.main import create_app
from restaurant_api.orders.models import Order
from restaurant_api.security import create_access_token
from restaurant_api.users import service as users_service
from restaurant_api.users.models import Role

SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
QUERY = 'subscription { kitchenTickets(station: "kitchen") { kind tickets { id status } } }'
STATUSES = [TicketStatus.PREPARING, TicketStatus.PENDING]


def free_port(port: int = 0) -> int:
    """`port`, or a free one the OS picks when 0."""
    if port:
        return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def subscriber(url: str, token: str) -> ClientConnection:
    connection = await connect(url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    await connection.send(
        json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    )
    assert json.loads(await connection.recv())["type"] == "connection_ack"
    await connection.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": QUERY}}))
    snapshot = json.loads(await connection.recv())
    assert snapshot["payload"]["data"]["kitchenTickets"]["kind"] == "SNAPSHOT", snapshot
    return connection


async def next_change(connection: ClientConnection) -> float:
    while True:
        message = json.loads(await asyncio.wait_for(connection.recv(), 10))
        if message["type"] == "ping":
            await connection.send('{"type": "pong"}')
            continue
        assert message["payload"]["data"]["kitchenTickets"]["kind"] == "CHANGES", message
        return time.perf_counter()


async def run(
    database_url: str, subscribers: int, rounds: int, port: int = 0
) -> tuple[list[float], float]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        environment=Environment.TEST,
        database_url=database_url,
        secret_key=SECRET,
        database_pool_size=20,
    )
    app = create_app(settings)
    db = app.state.db
    async with db.session() as session:
        user = await users_service.create_user(
            session,
            name="Cook",
            email="cook@example.com",
            password="password123",
            role=Role.KITCHEN,
        )
        order = Order(customer_count=1)
        session.add(order)
        await session.flush()
        kitchen = await station_by_name(session, "kitchen")
        assert kitchen is not None
        ticket = KitchenTicket(order_id=order.id, station="kitchen", station_id=kitchen.id)
        session.add(ticket)
    token, _ = create_access_token(
        user.id,
        secret=SECRET,
        algorithm="HS256",
        lifetime=timedelta(minutes=30),  # type: ignore[arg-type]
    )
    port = free_port(port)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()  # the server failed to start: raise its error
        await asyncio.sleep(0.01)
    url = f"ws://127.0.0.1:{port}/graphql"
    connections = []
    for start in range(0, subscribers, 50):  # connect in waves, like screens coming online
        connections += await asyncio.gather(
            *(subscriber(url, token) for _ in range(start, min(subscribers, start + 50)))
        )
    latencies: list[float] = []
    # CPU of this process (server and clients) over the rounds: steadier than latency on a
    # shared machine.
    cpu_started = time.process_time()
    try:
        for round_number in range(rounds):
            receivers = [asyncio.create_task(next_change(c)) for c in connections]
            await asyncio.sleep(0)  # every receiver is waiting before the change starts
            started = time.perf_counter()
            async with db.session() as session:
                row = await session.get(KitchenTicket, ticket.id)
                assert row is not None
                row.status = STATUSES[round_number % 2]
                row.updated_at = utcnow()
                session.add(row)
                ticket_changed(session, row)
            received = await asyncio.gather(*receivers)
            latencies += [(at - started) * 1000 for at in received]
        cpu = time.process_time() - cpu_started
    finally:
        await asyncio.gather(*(c.close() for c in connections))
        server.should_exit = True
        await serving
    return latencies, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument(
        "--port", type=int, default=0, help="loopback port to serve on (default: a free one)"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="server where a throwaway database is created (and dropped)",
    )
    args = parser.parse_args()

    admin = make_url(args.postgres_url).set(drivername="postgresql")
    created = None
    with tempfile.TemporaryDirectory() as tmp:
        if args.backend == "sqlite":
            database_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        else:
            created = f"bench_fanout_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(admin.render_as_string(False), autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{created}"')
            database_url = admin.set(database=created).render_as_string(False)
        try:
            run_migrations(Settings(database_url=database_url).database_url)
            executions, encodings = FANOUT_STATS.executions, FANOUT_STATS.serializations
            latencies, cpu = asyncio.run(
                run(database_url, args.subscribers, args.rounds, args.port)
            )
            executions = FANOUT_STATS.executions - executions
            encodings = FANOUT_STATS.serializations - encodings
        finally:
            if created:
                with psycopg.connect(admin.render_as_string(False), autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')

    print(
        f"fan-out to {args.subscribers} subscribers, {args.rounds} changes, {args.backend} "
        f"({platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()})"
    )
    print(
        f"  latency ms: p50 {statistics.median(latencies):.1f}  "
        f"p99 {percentile(latencies, 0.99):.1f}  max {max(latencies):.1f}  "
        f"({len(latencies)} deliveries)"
    )
    print(
        f"  CPU {cpu * 1000 / args.rounds:.1f} ms per change (server and clients); "
        f"shared executions {executions}, shared payload encodings {encodings}"
    )


if __name__ == "__main__":
    main()
