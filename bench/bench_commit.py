"""A writer's end of transaction on PostgreSQL: its change notification sent with the COMMIT.

    .venv/bin/python bench/bench_commit.py [--transactions 300] [--rounds 8]

In one process, on a throwaway database on BENCH_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/postgres, dropped afterwards), the same small
transaction (one INSERT, then one pg_notify of the change, then COMMIT) ended two ways:

- `statement`: the notification as a statement of the ORM session (SQLAlchemy's
  execution), then `session.commit()`: two round trips (how writers ended before);
- `with commit`: `db.send_with_commit` then `db.commit_session`: the notification and the
  COMMIT in one psycopg pipeline, one round trip (how every writer of the app ends now).

The two take turns, in an order reversed every round; it prints the medians of the
process CPU and the wall time per transaction.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from restaurant_api.db import Database, commit_session, send_with_commit

CHANNEL = "bench_commit"
INSERT = text("INSERT INTO written (v) VALUES (1)")
NOTIFY = text("SELECT pg_notify(:channel, :payload)")


async def measure(args: argparse.Namespace, url: str) -> dict[str, list[tuple[float, float]]]:
    db = Database(url)
    async with db.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE written (id serial PRIMARY KEY, v int)"))

    async def by_statement() -> None:
        async with db.sessionmaker() as session:
            connection = await session.connection()
            await connection.execute(INSERT)
            # As the change events went out before: a statement on the session's connection.
            await connection.execute(NOTIFY, {"channel": CHANNEL, "payload": "{}"})
            await session.commit()

    async def with_commit() -> None:
        async with db.sessionmaker() as session:
            await (await session.connection()).execute(INSERT)
            send_with_commit(session, "SELECT pg_notify(%s, %s)", (CHANNEL, "{}"))
            await commit_session(session)

    ways: dict[str, Callable[[], Awaitable[None]]] = {
        "statement": by_statement,
        "with commit": with_commit,
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
    try:
        for way in ways.values():  # warm up: connections, prepared statements
            for _ in range(20):
                await way()
        for round_number in range(args.rounds):
            order = list(ways) if round_number % 2 == 0 else list(reversed(ways))
            for name in order:
                cpu, wall = time.process_time(), time.perf_counter()
                for _ in range(args.transactions):
                    await ways[name]()
                cpu = (time.process_time() - cpu) * 1000 / args.transactions
                wall = (time.perf_counter() - wall) * 1000 / args.transactions
                results[name].append((cpu, wall))
    finally:
        await db.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transactions", type=int, default=300, help="per way and round")
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    server = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"bench_commit_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(server).set(drivername="postgresql+psycopg", database=name)
    try:
        results = asyncio.run(measure(args, url.render_as_string(hide_password=False)))
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), ", end="")
    print(f"{args.rounds} rounds of {args.transactions} transactions per way (medians)\n")
    print("| end of transaction | CPU ms | wall ms |")
    print("|---|---:|---:|")
    for way, figures in results.items():
        cpu = statistics.median(c for c, _ in figures)
        wall = statistics.median(w for _, w in figures)
        print(f"| {way} | {cpu:.3f} | {wall:.3f} |")


if __name__ == "__main__":
    main()
