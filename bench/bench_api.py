"""Benchmark: requests/s and p50/p99 latency of the menu (GraphQL and REST) and of placing
orders, against a real uvicorn server on SQLite and on PostgreSQL.

    .venv/bin/python bench/bench_api.py [--requests 1000] [--orders 300] [--concurrency 8]

For each backend it creates a throwaway database (a temporary SQLite file; a PostgreSQL
database on BENCH_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres,
dropped afterwards), migrates and seeds it with the CLI, starts
`python -m restaurant_api serve` on a free loopback port, logs in as an admin, warms up,
then fires a bounded number of requests with a fixed number of concurrent clients.
PostgreSQL is skipped (with a message) when it is unreachable. Not a test: it only prints.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
ADMIN_EMAIL = "bench-admin@example.com"
ADMIN_PASSWORD = "bench-password-123"
MENU_QUERY = "{ menu { id name category price { amount } isAvailable } }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="bench-") as directory:
        yield f"sqlite:///{directory}/bench.db"


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def running_server(database_url: str) -> Iterator[str]:
    env = {
        **os.environ,
        "ENVIRONMENT": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret-" + uuid.uuid4().hex,
        "FIRST_ADMIN_EMAIL": ADMIN_EMAIL,
        "FIRST_ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    cli = [sys.executable, "-m", "restaurant_api"]
    for command in ("migrate", "seed"):
        subprocess.run([*cli, command], env=env, cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    process = subprocess.Popen(
        [*cli, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def measure(
    name: str, total: int, concurrency: int, call: Callable[[int], Awaitable[None]]
) -> None:
    latencies: list[float] = []
    counter = iter(range(total))

    async def worker() -> None:
        for number in counter:
            started = time.perf_counter()
            await call(number)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    print(
        f"  {name:<22} {total:>5} req  {total / elapsed:>8.1f} req/s  "
        f"p50 {p50:>6.1f} ms  p99 {p99:>6.1f} ms"
    )


async def run_scenarios(url: str, requests: int, orders: int, concurrency: int) -> None:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        login = await client.post(
            "/users/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
        login.raise_for_status()
        auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        menu = (await client.get("/api/menu")).json()
        dish = next(item for item in menu if item["category"] != "Drinks")
        drink = next(item for item in menu if item["category"] == "Drinks")

        async def graphql_menu(_: int) -> None:
            response = await client.post("/graphql", json={"query": MENU_QUERY})
            assert response.status_code == 200 and "errors" not in response.json()

        async def rest_menu(_: int) -> None:
            response = await client.get("/api/menu")
            assert response.status_code == 200

        run_id = uuid.uuid4().hex[:8]

        async def place_order(number: int) -> None:
            body = {
                "order": [
                    {"menu_item_id": dish["id"], "quantity": 2, "modifiers": ["no salt"]},
                    {"menu_item_id": drink["id"]},
                    {"name": "Bread", "price": 1.5, "category": "Sides"},
                ],
                "customer_count": 2,
            }
            headers = {**auth, "Idempotency-Key": f"{run_id}-{number}"}
            response = await client.post("/api/orders", json=body, headers=headers)
            assert response.status_code == 200, response.text

        for call in (graphql_menu, rest_menu):  # warm up caches and the connection pool
            for number in range(20):
                await call(number)
        await measure("menu over GraphQL", requests, concurrency, graphql_menu)
        await measure("menu over REST", requests, concurrency, rest_menu)
        await measure("place order (REST)", orders, concurrency, place_order)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="menu requests per API")
    parser.add_argument("--orders", type=int, default=300, help="orders to place")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    args = parser.parse_args()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"{os.cpu_count()} CPUs (load average {load}); one uvicorn worker; "
        f"{args.concurrency} concurrent clients on the same machine"
    )
    admin_url = os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    backends: list[tuple[str, Callable[[], AbstractContextManager[str]]]] = [
        ("SQLite", sqlite_database),
        ("PostgreSQL", lambda: postgres_database(admin_url)),
    ]
    for label, make_database in backends:
        with ExitStack() as stack:
            try:
                database_url = stack.enter_context(make_database())
            except psycopg.OperationalError as error:
                print(f"{label}: skipped, unreachable ({error})")
                continue
            print(f"{label}:")
            url = stack.enter_context(running_server(database_url))
            asyncio.run(run_scenarios(url, args.requests, args.orders, args.concurrency))


if __name__ == "__main__":
    main()
