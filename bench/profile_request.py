"""Per-request CPU of the ASGI app alone (issue 11): no server, no sockets, no client library.

    .venv/bin/python bench/profile_request.py [--before ../base] [--requests 400]
        [--rounds 3] [--profile "REST menu"] [--top 30]

Creates a throwaway PostgreSQL database on BENCH_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/postgres, dropped afterwards), migrates and seeds it
with the CLI (21 menu items), adds an admin and 50 open orders of 3-6 lines through the
app. Then, for each checkout (this one, and `--before` with its own .venv), a worker
process builds the app with `create_app()` (RESPONSE_CACHE=false), runs its lifespan and
calls it directly as an ASGI callable `--requests` times per read, measuring the process
CPU time (`time.process_time`: the app, SQLAlchemy, psycopg; not PostgreSQL's own CPU).
The raw Starlette + psycopg app (bench/raw_app.py) is measured the same way as the
baseline. Workers of the checkouts take turns, in an order reversed every round; the table shows
medians. Within a worker, the reads run one after another, then the REST and GraphQL
placings taking turns request by request (each on the same orders table as the other).

`--before-own-database`: the `--before` checkout gets a database of its own, migrated,
seeded and given its open orders by its own CLI and app (for a checkout whose migrations
differ: placing an order there needs its own schema).

`--profile NAME` runs cProfile over that read in this checkout and prints the top costs.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# bench_reads.prepared_database's admin.
ADMIN_EMAIL = "bench-admin@example.com"
ADMIN_PASSWORD = "bench-password-123"

GQL_MENU = (
    "{ menu { id databaseId name description category price { amount cents } "
    "isAvailable displayOrder } }"
)
GQL_ORDERS = """{ orders(first: 50, status: OPEN) { edges { node {
  id databaseId status customerCount specialRequests version createdAt
  total { amount }
  table { id tableNumber capacity status }
  lines { id position name category quantity modifiers seatNumber unitPrice { amount }
          menuItem { id name category price { amount } } }
  tickets { id station status fireNumber
            lines { id name quantity modifiers seatNumber } } } } } }"""

# name -> (method, path, query string, body, authenticated)
READS: dict[str, tuple[str, str, str, bytes | None, bool]] = {
    "GET /health (the stack alone)": ("GET", "/health", "", None, False),
    "REST GET /api/menu": ("GET", "/api/menu", "", None, False),
    "REST GET /api/orders (50 open)": ("GET", "/api/orders", "status=open&limit=50", None, True),
    "GraphQL menu": ("POST", "/graphql", "", json.dumps({"query": GQL_MENU}).encode(), False),
    "GraphQL orders nested (50)": (
        "POST",
        "/graphql",
        "",
        json.dumps({"query": GQL_ORDERS}).encode(),
        True,
    ),
}
# Placing an order (bench_reads' "place an order (3 lines)"): the bodies need the menu's ids,
# so `place_order_bodies` fills them in after login. Every timed request adds an open order.
PLACE_REST = "REST POST /api/orders (3 lines)"
PLACE_GRAPHQL = "GraphQL placeOrder (3 lines)"
READS[PLACE_REST] = ("POST", "/api/orders", "", None, True)
READS[PLACE_GRAPHQL] = ("POST", "/graphql", "", None, True)
RAW_READS = {"REST GET /api/menu": "/menu", "REST GET /api/orders (50 open)": "/orders"}
RAW_READS["GraphQL menu"] = "/menu"
RAW_READS["GraphQL orders nested (50)"] = "/orders"

ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


# ---------------------------------------------------------------- calling the app


async def call(
    app: ASGIApp,
    method: str,
    path: str,
    query: str = "",
    body: bytes | None = None,
    token: str | None = None,
) -> tuple[int, bytes]:
    headers = [(b"host", b"testserver"), (b"accept", b"application/json")]
    if body is not None:
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
    if token is not None:
        headers.append((b"authorization", b"Bearer " + token.encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    sent = False
    done = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body or b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    status = 0
    chunks: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    done.set()
    return status, b"".join(chunks)


async def warm_up(
    app: ASGIApp, read: tuple[str, str, str, bytes | None, str | None], requests: int
) -> None:
    """A tenth of the requests (at least 20), each checked to succeed."""
    method, path, query, body, token = read
    for _ in range(max(20, requests // 10)):
        status, content = await call(app, method, path, query, body, token)
        if status != 200 or b'"errors"' in content[:20]:
            raise RuntimeError(f"{method} {path}: {status} {content[:300]!r}")


async def measure(
    app: ASGIApp, reads: dict[str, tuple[str, str, str, bytes | None, str | None]], requests: int
) -> dict[str, float]:
    """CPU milliseconds per request of each read, after a warm-up of a tenth of the
    requests. The reads take turns request by request: a drift of the process or the
    database over the run (a growing orders table, the collector) falls on all of them
    alike instead of on whichever ran last."""
    for read in reads.values():
        await warm_up(app, read, requests)
    spent = dict.fromkeys(reads, 0.0)
    for _ in range(requests):
        for name, (method, path, query, body, token) in reads.items():
            started = time.process_time()
            await call(app, method, path, query, body, token)
            spent[name] += time.process_time() - started
    return {name: total * 1000 / requests for name, total in spent.items()}


# ---------------------------------------------------------------- workers


async def seed_orders(app: ASGIApp, token: str, count: int) -> None:
    """Open orders of 3-6 lines placed through the REST API (tickets included)."""
    from bench_reads import random_lines

    rng = random.Random(11)
    _, menu_body = await call(app, "GET", "/api/menu")
    menu = json.loads(menu_body)
    for _ in range(count):
        body = json.dumps({"order": random_lines(rng, menu), "customer_count": 2}).encode()
        status, content = await call(app, "POST", "/api/orders", body=body, token=token)
        if status != 200:
            raise RuntimeError(f"placing an order: {status} {content[:300]!r}")


async def place_order_bodies(app: ASGIApp) -> dict[str, bytes]:
    """The request bodies of bench_reads' "place an order (3 lines)", for REST and GraphQL."""
    from bench_reads import GQL_PLACE, graphql_body, place_bodies

    _, menu_body = await call(app, "GET", "/api/menu")
    menu = json.loads(menu_body)
    gids_body = json.dumps({"query": "{ menu { id databaseId } }"}).encode()
    _, gids = await call(app, "POST", "/graphql", body=gids_body)
    by_db = {item["databaseId"]: item["id"] for item in json.loads(gids)["data"]["menu"]}
    for item in menu:
        item["gid"] = by_db[item["id"]]
    rest, graphql = place_bodies(menu[0], menu[-1])
    return {
        PLACE_REST: json.dumps(rest).encode(),
        PLACE_GRAPHQL: graphql_body(GQL_PLACE, graphql).encode(),
    }


async def login(app: ASGIApp) -> str:
    body = json.dumps({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).encode()
    status, content = await call(app, "POST", "/users/login", body=body)
    if status != 200:
        raise RuntimeError(f"login: {status} {content[:300]!r}")
    return str(json.loads(content)["access_token"])


async def project_worker(args: argparse.Namespace) -> dict[str, float]:
    from restaurant_api.main import create_app

    app = create_app()
    async with app.router.lifespan_context(app):
        token = await login(app)
        if args.seed_orders:
            await seed_orders(app, token, args.seed_orders)
            return {}
        bodies = await place_order_bodies(app)
        reads = {}
        for name in args.reads:
            method, path, query, body, authenticated = READS[name]
            body = bodies.get(name, body)
            reads[name] = (method, path, query, body, token if authenticated else None)
        if args.profile:
            for name, read in reads.items():
                await measure(app, {name: read}, max(20, args.requests // 10))
                profiler = cProfile.Profile()
                profiler.enable()
                await measure(app, {name: read}, args.requests)
                profiler.disable()
                stats = pstats.Stats(profiler, stream=sys.stderr)
                stats.sort_stats("cumulative").print_stats(args.top)
                stats.sort_stats("tottime").print_stats(args.top)
            return {}
        # The reads one by one, then the two placings taking turns: a placing's work after
        # its answer (events, the collector) would otherwise land on the next cheap read.
        placings = {name: reads.pop(name) for name in (PLACE_REST, PLACE_GRAPHQL) if name in reads}
        results: dict[str, float] = {}
        for name, read in reads.items():
            results.update(await measure(app, {name: read}, args.requests))
        if placings:
            results.update(await measure(app, placings, args.requests))
        return results


async def raw_worker(args: argparse.Namespace) -> dict[str, float]:
    sys.path.insert(0, str(ROOT / "bench"))
    import raw_app

    results: dict[str, float] = {}
    async with raw_app.app.router.lifespan_context(raw_app.app):
        for name in args.reads:
            if name in RAW_READS:
                read = ("GET", RAW_READS[name], "", None, None)
                results.update(await measure(raw_app.app, {name: read}, args.requests))
    return results


# ---------------------------------------------------------------- driver


def run_worker(
    checkout: Path | None, env: dict[str, str], extra: list[str], *, capture: bool = True
) -> dict[str, float]:
    """This script in a worker process of `checkout` (its .venv, its package), or raw."""
    python = str(checkout / ".venv" / "bin" / "python") if checkout else sys.executable
    command = [python, str(Path(__file__).resolve()), "--worker", *extra]
    if checkout is None:
        command.append("--raw")
    cwd = checkout or ROOT
    # The checkout's package first, whichever checkout its .venv was installed from.
    env = {**env, "PYTHONPATH": str(cwd)}
    result = subprocess.run(command, env=env, cwd=cwd, check=False, capture_output=True, text=True)
    if not capture or args_profile(extra):
        sys.stderr.write(result.stderr)
    if result.returncode != 0:
        raise RuntimeError(f"worker of {cwd} failed:\n{result.stderr[-3000:]}")
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def args_profile(extra: list[str]) -> bool:
    return "--profile" in extra


def table(rows: dict[str, dict[str, list[float]]], labels: list[str]) -> str:
    out = [
        "| read (CPU ms/request, ASGI app only) | " + " | ".join(labels) + " |",
        "|---|" + "---:|" * len(labels),
    ]
    for name in READS:
        cells = []
        for label in labels:
            samples = rows.get(label, {}).get(name, [])
            cells.append(f"{statistics.median(samples):.3f}" if samples else "n/a")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="another checkout (with its .venv)")
    parser.add_argument("--requests", type=int, default=400, help="timed requests per read")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--before-own-database",
        action="store_true",
        help="migrate and seed a database of --before's own (its migrations differ)",
    )
    parser.add_argument("--orders", type=int, default=50, help="open orders to seed")
    parser.add_argument("--profile", help="cProfile this read (a name of the table)")
    parser.add_argument("--top", type=int, default=30, help="rows of the profile")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--raw", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seed-orders", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--reads", nargs="*", default=list(READS), help="names of the table")
    args = parser.parse_args()

    if args.worker:
        worker = raw_worker if args.raw else project_worker
        print(json.dumps(asyncio.run(worker(args))))
        return

    # (This script's directory is on sys.path.)
    from bench_reads import postgres_database, prepared_database

    admin_url = os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    with ExitStack() as stack:
        database_url = stack.enter_context(postgres_database(admin_url))
        env = {**prepared_database(database_url), "RESPONSE_CACHE": "false"}
        run_worker(ROOT, env, ["--seed-orders", str(args.orders)])
        envs: dict[Path | None, dict[str, str]] = {ROOT: env}
        if args.before is not None and args.before_own_database:
            before = args.before.resolve()
            before_url = stack.enter_context(postgres_database(admin_url))
            envs[before] = {
                **prepared_database(before_url, checkout=before),
                "RESPONSE_CACHE": "false",
            }
            run_worker(before, envs[before], ["--seed-orders", str(args.orders)])

        if args.profile:
            extra = ["--profile", args.profile, "--top", str(args.top), "--reads", args.profile]
            run_worker(ROOT, env, [*extra, "--requests", str(args.requests)], capture=False)
            return

        checkouts: dict[str, Path | None] = {}
        if args.before is not None:
            checkouts[f"before ({args.before.resolve().name})"] = args.before.resolve()
        checkouts[f"after ({ROOT.name})"] = ROOT
        checkouts["raw Starlette + psycopg"] = None
        raw_env = {**env, "DATABASE_URL": database_url}
        rows: dict[str, dict[str, list[float]]] = {label: {} for label in checkouts}
        for number in range(args.rounds):
            # Alternating the order round by round: no checkout always runs first.
            order = list(checkouts.items())
            for label, checkout in order if number % 2 == 0 else reversed(order):
                results = run_worker(
                    checkout,
                    raw_env if checkout is None else envs.get(checkout, env),
                    ["--requests", str(args.requests), "--reads", *args.reads],
                )
                for name, value in results.items():
                    rows[label].setdefault(name, []).append(value)
            print(f"round {number + 1}/{args.rounds} done", file=sys.stderr)
        print(table(rows, list(checkouts)))


if __name__ == "__main__":
    main()
