"""Read benchmark (issue 11): this project's REST and GraphQL next to a raw Starlette + psycopg
app (bench/raw_app.py) and PostGraphile v4 over the same migrated PostgreSQL tables.

    .venv/bin/python bench/bench_reads.py [--rounds 3] [--duration 5] [--connections 32]
        [--cache on|off|both] [--access-log] [--before <checkout>]

It creates a throwaway database on BENCH_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/postgres, dropped afterwards), migrates and seeds it
with the CLI (21 menu items, 8 tables), creates an admin with `create-user`, places 50 open
orders of 3-6 lines through the project's REST API (so their tickets are real), then starts
one uvicorn worker of the project, the raw app and PostGraphile, each pinned to CPU 0 with
taskset, and loads them from CPU 1: wrk (-t1) with a Lua script when it is installed, else a
bounded httpx load generator. Every target runs `--duration` seconds per round; rounds are
interleaved and the table shows medians. PostGraphile is installed with npm into
bench/.postgraphile (gitignored) and skipped with a message when npm or the install fails.
Not a test: it only prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "restaurant_api"]
BENCH = ROOT / "bench"
POSTGRAPHILE_DIR = BENCH / ".postgraphile"
POSTGRAPHILE_BIN = POSTGRAPHILE_DIR / "node_modules" / ".bin" / "postgraphile"
ADMIN_EMAIL = "bench-admin@example.com"
ADMIN_PASSWORD = "bench-password-123"
PORTS = {
    "project": 8151,
    "project_nocache": 8152,
    "before": 8153,
    "raw": 8160,
    "postgraphile": 8161,
}
# The response cache's generation sequences (alembic 0004): direct SQL bypasses the app.
CACHE_TOPICS = ("menu", "order", "kitchen_ticket", "table", "user")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

GQL_MENU = (
    "{ menu { id databaseId name description category price { amount cents } "
    "isAvailable displayOrder } }"
)
GQL_ORDER_FIELDS = """id databaseId status customerCount specialRequests version createdAt
  total { amount }
  table { id tableNumber capacity status }
  lines { id position name category quantity modifiers seatNumber unitPrice { amount }
          menuItem { id name category price { amount } } }
  tickets { id station status fireNumber
            lines { id name quantity modifiers seatNumber } }"""
GQL_ORDERS = (
    f"{{ orders(first: 50, status: OPEN) {{ edges {{ node {{ {GQL_ORDER_FIELDS} }} }} }} }}"
)
GQL_ORDER = f"query($id: ID!) {{ order(id: $id) {{ {GQL_ORDER_FIELDS} }} }}"
GQL_PLACE = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  __typename ... on OrderPayload { order { id databaseId status customerCount version
    total { amount } lines { id name category quantity modifiers unitPrice { amount } }
  } } ... on Error { code message } } }"""

PG_ORDER_FIELDS = """id status customerCount specialRequests version createdAt
  diningTableByTableId { id tableNumber capacity status }
  orderLinesByOrderId(orderBy: POSITION_ASC) { nodes { id position name category quantity
    modifiers seatNumber unitPriceCents menuItemByMenuItemId { id name category priceCents } } }
  kitchenTicketsByOrderId(orderBy: FIRE_NUMBER_ASC) { nodes { id station status fireNumber
    kitchenTicketLinesByTicketId(orderBy: ID_ASC) { nodes { id name quantity modifiers
      seatNumber } } } }"""
PG_MENU = (
    "{ allMenuItems(orderBy: [DISPLAY_ORDER_ASC, ID_ASC]) { nodes { id name description "
    "category priceCents isAvailable displayOrder } } }"
)
PG_ORDERS = (
    '{ allOrders(condition: {status: "open"}, orderBy: ID_DESC, first: 50) '
    f"{{ nodes {{ {PG_ORDER_FIELDS} }} }} }}"
)
PG_ORDER = f"query($id: Int!) {{ orderById(id: $id) {{ {PG_ORDER_FIELDS} }} }}"


@dataclass
class Target:
    group: str
    name: str
    server: str
    method: str
    path: str
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    baseline: bool = False


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float
    xacts: float
    errors: int


# ---------------------------------------------------------------- database and servers


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepared_database(database_url: str, checkout: Path | None = None) -> dict[str, str]:
    """The environment of a production server of `database_url`, which is migrated, seeded
    (21 menu items, 8 tables) and has the admin ADMIN_EMAIL / ADMIN_PASSWORD: by this
    checkout's CLI, or by `checkout`'s (its .venv, its migrations)."""
    cli = CLI if checkout is None else [str(checkout / ".venv" / "bin" / "python"), "-m",
                                        "restaurant_api"]  # fmt: skip
    env = {
        **os.environ,
        "ENVIRONMENT": "production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ACCESS_TOKEN_MINUTES": "240",
    }
    for command in (
        ["migrate"],
        ["seed"],
        ["create-user", "--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD, "--role",
         "admin", "--name", "Bench"],
    ):  # fmt: skip
        subprocess.run(
            [*cli, *command], env=env, cwd=checkout or ROOT, check=True, capture_output=True
        )
    return env


def pinned(core: int | None, command: list[str]) -> list[str]:
    if core is None:
        return command
    return ["taskset", "-c", str(core), *command]


@contextmanager
def server(
    command: list[str], env: dict[str, str], health: str, label: str, cwd: Path = ROOT
) -> Iterator[subprocess.Popen[bytes]]:
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in finally, after the process)
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(health, timeout=1).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"{label} did not start:\n{log.read().decode()[-2000:]}")
            time.sleep(0.3)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def tree_cpu_seconds(pid: int) -> float:
    """utime + stime of a process and its descendants (npx/node spawn children)."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        ticks[int(entry.name)] = int(fields[11]) + int(fields[12])
    family, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        family.update(children)
        frontier.extend(children)
    return sum(ticks.get(member, 0) for member in family) / CLOCK_TICKS


def wait_until_idle(pid: int, limit: float = 60) -> None:
    """Let a server finish the requests the load generator left queued when it stopped."""
    deadline = time.monotonic() + limit
    before = tree_cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = tree_cpu_seconds(pid)
        if now - before < 0.05:
            return
        before = now


STATEMENTS_SQL = (
    "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements "
    "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
)
TRANSACTIONS_SQL = (
    "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
)


def sql_counter(database_url: str) -> tuple[str, str]:
    """Statements from pg_stat_statements when the server preloads it, else transactions."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        preload = connection.execute("SHOW shared_preload_libraries").fetchone()
        if preload and "pg_stat_statements" in preload[0]:
            connection.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            return "statements/req", STATEMENTS_SQL
    return "xacts/req", TRANSACTIONS_SQL


def sql_count(database_url: str, sql: str) -> int:
    with psycopg.connect(database_url, autocommit=True) as connection:
        row = connection.execute(sql).fetchone()
    return int(row[0]) if row else 0


# ---------------------------------------------------------------- seeding


def random_lines(rng: random.Random, menu: list[dict[str, Any]]) -> list[dict[str, object]]:
    """The lines of a seeded order: 3-6 menu items, a few with a modifier."""
    return [
        {
            "menu_item_id": item["id"],
            "quantity": rng.randint(1, 3),
            "modifiers": ["no salt"] if rng.random() < 0.3 else [],
            "seat_number": rng.randint(1, 2),
        }
        for item in rng.sample(menu, rng.randint(3, 6))
    ]


def seed_orders(url: str, token: str, count: int) -> None:
    """Open orders of 3-6 lines placed through the project's REST API (tickets included)."""
    rng = random.Random(11)
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=auth, timeout=30) as client:
        menu = client.get("/api/menu").json()
        tables = client.get("/api/tables").json() if count else []
        table_ids = [table["id"] for table in tables] if isinstance(tables, list) else []
        for number in range(count):
            body: dict[str, object] = {"order": random_lines(rng, menu), "customer_count": 2}
            if number < len(table_ids):
                body["table_id"] = table_ids[number]
            response = client.post("/api/orders", json=body)
            response.raise_for_status()


def delete_orders_after(database_url: str, last_id: int) -> None:
    """Remove the orders the place-order targets added, so every round reads the same data."""
    with psycopg.connect(database_url) as connection:
        tickets = "SELECT id FROM kitchen_tickets WHERE order_id > %(id)s"
        for sql in (
            f"DELETE FROM kitchen_ticket_events WHERE ticket_id IN ({tickets})",
            f"DELETE FROM kitchen_ticket_lines WHERE ticket_id IN ({tickets})",
            "DELETE FROM kitchen_tickets WHERE order_id > %(id)s",
            "DELETE FROM idempotency_records WHERE order_id > %(id)s",
            "DELETE FROM order_lines WHERE order_id > %(id)s",
            "DELETE FROM orders WHERE id > %(id)s",
        ):
            connection.execute(sql, {"id": last_id})
        # Deleted behind the app's back: tell its response cache, as a write through it would.
        bumps = ", ".join(f"nextval('cache_generation_{topic}')" for topic in CACHE_TOPICS)
        connection.execute(f"SELECT {bumps}")


# ---------------------------------------------------------------- load generation


def lua_script(target: Target, directory: Path) -> Path:
    lines = [f'wrk.method = "{target.method}"']
    for name, value in {"Content-Type": "application/json", **target.headers}.items():
        lines.append(f'wrk.headers["{name}"] = "{value}"')
    if target.body is not None:
        lines.append(f"wrk.body = [==[{target.body}]==]")
    lines.append(
        "function done(summary, latency, requests)\n"
        "  local e = summary.errors\n"
        '  io.write(string.format("\\nRESULT %d %d %d %d %d\\n", summary.requests,\n'
        "    summary.duration, latency:percentile(50), latency:percentile(99),\n"
        "    e.connect + e.read + e.write + e.status + e.timeout))\n"
        "end"
    )
    path = directory / f"{uuid.uuid4().hex}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_wrk(
    target: Target, base: str, args: argparse.Namespace, core: int | None, directory: Path
) -> tuple[int, float, float, float, int]:
    script = lua_script(target, directory)
    command = pinned(
        core,
        [
            "wrk",
            "-t1",
            f"-c{args.connections}",
            f"-d{args.duration}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            base + target.path,
        ],
    )
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next((line for line in output.splitlines() if line.startswith("RESULT ")), "")
    if not line:
        raise RuntimeError(f"wrk printed no result for {target.name}:\n{output}")
    requests, duration_us, p50, p99, errors = (int(value) for value in line.split()[1:])
    return requests, duration_us / 1e6, p50 / 1000, p99 / 1000, errors


async def run_httpx(
    target: Target, base: str, args: argparse.Namespace
) -> tuple[int, float, float, float, int]:
    limits = httpx.Limits(max_connections=args.connections)
    latencies: list[float] = []
    errors = 0
    headers = {"Content-Type": "application/json", **target.headers}
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        deadline = time.perf_counter() + args.duration

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await client.request(
                    target.method, target.path, content=target.body, headers=headers
                )
                latencies.append(time.perf_counter() - started)
                errors += response.status_code >= 400

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(args.connections)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return len(latencies), elapsed, statistics.median(latencies) * 1000, p99 * 1000, errors


# ---------------------------------------------------------------- targets


def graphql_body(query: str, variables: dict[str, object] | None = None) -> str:
    return json.dumps({"query": query, "variables": variables or {}})


def place_bodies(
    dish: dict[str, Any], drink: dict[str, Any]
) -> tuple[dict[str, object], dict[str, object]]:
    """REST's and GraphQL's input for "place an order (3 lines)" (menu items with their "gid")."""
    rest = {
        "order": [
            {"menu_item_id": dish["id"], "quantity": 2, "modifiers": ["no salt"]},
            {"menu_item_id": drink["id"]},
            {"name": "Bread", "price": 1.5, "category": "Sides"},
        ],
        "customer_count": 2,
    }
    graphql = {
        "input": {
            "lines": [
                {"menuItemId": dish["gid"], "quantity": 2, "modifiers": ["no salt"]},
                {"menuItemId": drink["gid"]},
                {"name": "Bread", "price": "1.50", "category": "Sides"},
            ],
            "customerCount": 2,
        }
    }
    return rest, graphql


def build_targets(
    servers: dict[str, str], auth: dict[str, str], order: dict[str, object], menu: list[dict]
) -> list[Target]:
    dish, drink = menu[0], menu[-1]
    rest_place, gql_place = place_bodies(dish, drink)
    post = "POST"
    targets = [
        Target("menu (21 items)", "raw Starlette + psycopg", "raw", "GET", "/menu", baseline=True),
        Target("menu (21 items)", "PostGraphile v4", "postgraphile", post, "/graphql",
               graphql_body(PG_MENU)),
        Target("menu (21 items)", "REST GET /api/menu", "project", "GET", "/api/menu"),
        Target("menu (21 items)", "GraphQL menu", "project", post, "/graphql",
               graphql_body(GQL_MENU)),
        Target("50 open orders, nested", "raw (one SQL, JSON in PostgreSQL)", "raw", "GET",
               "/orders", baseline=True),
        Target("50 open orders, nested", "PostGraphile v4", "postgraphile", post, "/graphql",
               graphql_body(PG_ORDERS)),
        Target("50 open orders, nested", "REST GET /api/orders (lines only)", "project",
               "GET", "/api/orders?status=open&limit=50", headers=auth),
        Target("50 open orders, nested", "GraphQL orders nested", "project", post, "/graphql",
               graphql_body(GQL_ORDERS), auth),
        Target("one order by id", "raw", "raw", "GET", f"/orders/{order['db']}", baseline=True),
        Target("one order by id", "PostGraphile v4", "postgraphile", post, "/graphql",
               graphql_body(PG_ORDER, {"id": order["db"]})),
        Target("one order by id", "REST GET /api/orders/{id}", "project", "GET",
               f"/api/orders/{order['db']}", headers=auth),
        Target("one order by id", "GraphQL order(id:)", "project", post, "/graphql",
               graphql_body(GQL_ORDER, {"id": order["gid"]}), auth),
        Target("place an order (3 lines)", "REST POST /api/orders", "project", post,
               "/api/orders", json.dumps(rest_place), auth, baseline=True),
        Target("place an order (3 lines)", "GraphQL placeOrder", "project", post, "/graphql",
               graphql_body(GQL_PLACE, gql_place), auth),
    ]  # fmt: skip
    if "before" in servers:  # the same reads and writes against an older checkout
        project = [target for target in targets if target.server == "project"]
        targets += [
            Target(t.group, f"before: {t.name}", "before", t.method, t.path, t.body, t.headers)
            for t in project
        ]
        groups = list(dict.fromkeys(target.group for target in targets))
        targets.sort(key=lambda target: groups.index(target.group))  # stable: rows stay in order
    targets = [target for target in targets if target.server in servers]
    if "project_nocache" not in servers:
        return targets
    # --cache both: every read of the project once without its response cache, then with it.
    both: list[Target] = []
    for target in targets:
        if target.server == "project" and not target.baseline and "place" not in target.group:
            off = Target(**{**target.__dict__, "name": f"{target.name} (cache off)"})
            off.server = "project_nocache"
            both.append(off)
            target.name = f"{target.name} (cache on)"
        both.append(target)
    return both


def check_target(target: Target, base: str) -> int:
    """One request: the answer must be a success with the expected data; returns its size."""
    headers = {"Content-Type": "application/json", **target.headers}
    response = httpx.request(
        target.method, base + target.path, content=target.body, headers=headers, timeout=30
    )
    if response.status_code != 200:
        raise RuntimeError(f"{target.name}: {response.status_code} {response.text[:300]}")
    data = response.json()
    if isinstance(data, dict) and data.get("errors"):
        raise RuntimeError(f"{target.name}: {data['errors']}")
    if target.group.startswith("50"):
        found = json.dumps(data).count('"status": "open"') + json.dumps(data).count(
            '"status": "OPEN"'
        )
        if found < 50:
            raise RuntimeError(f"{target.name}: {found} open orders in the answer, not 50")
    if "placeOrder" in (target.body or "") and "OrderPayload" not in response.text:
        raise RuntimeError(f"{target.name}: {response.text[:300]}")
    return len(response.content)


# ---------------------------------------------------------------- main


def ensure_postgraphile() -> str | None:
    """Path of the postgraphile binary, installing it into bench/.postgraphile; or None."""
    if POSTGRAPHILE_BIN.exists():
        return str(POSTGRAPHILE_BIN)
    if shutil.which("npm") is None or shutil.which("node") is None:
        print("PostGraphile: skipped, npm/node are not installed (apt-get install -y npm)")
        return None
    print("PostGraphile: npm install --prefix bench/.postgraphile postgraphile@4 ...")
    POSTGRAPHILE_DIR.mkdir(exist_ok=True)
    result = subprocess.run(
        ["npm", "install", "--prefix", str(POSTGRAPHILE_DIR), "postgraphile@4"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0 or not POSTGRAPHILE_BIN.exists():
        print(f"PostGraphile: skipped, the npm install failed:\n{result.stderr[-1000:]}")
        return None
    return str(POSTGRAPHILE_BIN)


def machine_line() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"{os.cpu_count()} CPUs ({model}), load average {load}"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def print_table(
    targets: list[Target], results: dict[str, list[Result]], sizes: dict, sql_label: str
) -> None:
    print(
        "\n| read | target | req/s | x base | p50 ms | p99 ms | CPU ms/req | x base "
        f"| {sql_label} | bytes | errors |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    baselines = {t.group: t for t in targets if t.baseline}
    for target in targets:
        runs = results[target.name + target.group]
        base_runs = results[baselines[target.group].name + target.group]
        rps_ratio = median([r.rps / b.rps for r, b in zip(runs, base_runs, strict=True)])
        cpu_ratio = median([r.cpu_ms / b.cpu_ms for r, b in zip(runs, base_runs, strict=True)])
        print(
            f"| {target.group} | {target.name} | {median([r.rps for r in runs]):.0f} "
            f"| {rps_ratio:.2f} | {median([r.p50_ms for r in runs]):.1f} "
            f"| {median([r.p99_ms for r in runs]):.1f} "
            f"| {median([r.cpu_ms for r in runs]):.2f} | {cpu_ratio:.1f} "
            f"| {median([r.xacts for r in runs]):.1f} | {sizes[target.name + target.group]} "
            f"| {sum(r.errors for r in runs)} |"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--duration", type=int, default=8, help="seconds per target per round")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections")
    parser.add_argument("--orders", type=int, default=50, help="open orders to seed")
    parser.add_argument("--no-postgraphile", action="store_true", help="skip PostGraphile")
    parser.add_argument(
        "--before",
        type=Path,
        help="another checkout of the project (with its .venv) to measure in the same rounds, "
        "e.g. a `git worktree` of main before a change; its rows are labelled `before:` "
        "(its response cache is off, unless --cache on)",
    )
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="the project's servers log each request (the references never do)",
    )
    parser.add_argument(
        "--groups",
        nargs="+",
        metavar="WORDS",
        help="only the groups of reads whose name holds one of these words (e.g. menu order)",
    )
    parser.add_argument(
        "--cache",
        choices=("on", "off", "both"),
        default="on",
        help="the project's GraphQL response cache (RESPONSE_CACHE); both: one row each",
    )
    return parser.parse_args()


@dataclass
class Bench:
    """What the run shares: options, cores, the servers under test and their processes."""

    args: argparse.Namespace
    stack: ExitStack
    server_core: int | None
    load_core: int | None
    use_wrk: bool
    tmp: Path
    database_url: str = ""
    env: dict[str, str] = field(default_factory=dict)
    servers: dict[str, str] = field(default_factory=dict)
    processes: dict[str, int] = field(default_factory=dict)

    def start(
        self, name: str, command: list[str], env: dict[str, str], ready: str, what: str,
        cwd: Path | None = None,
    ) -> None:  # fmt: skip
        """Start a server pinned to the server core; it stops with the run.

        `ready` is polled until the server answers; its base URL is what precedes its last
        path segment (`.../health` -> the server's URL in `servers`).
        """
        kwargs = {} if cwd is None else {"cwd": cwd}
        process = self.stack.enter_context(
            server(pinned(self.server_core, command), env, ready, what, **kwargs)
        )
        self.servers[name], self.processes[name] = ready.rsplit("/", 1)[0], process.pid


def start_project(bench: Bench) -> str:
    """The project's server (and one without its response cache for --cache both)."""
    url = f"http://127.0.0.1:{PORTS['project']}"
    cache = {"RESPONSE_CACHE": "false" if bench.args.cache == "off" else "true"}
    command = [*CLI, "serve", "--port", str(PORTS["project"])]
    bench.start("project", command, {**bench.env, **cache}, f"{url}/health", "the project server")
    if bench.args.cache == "both":
        nocache = f"http://127.0.0.1:{PORTS['project_nocache']}"
        port = str(PORTS["project_nocache"])
        bench.start(
            "project_nocache",
            [*CLI, "serve", "--port", port],
            {**bench.env, "RESPONSE_CACHE": "false"},
            f"{nocache}/health",
            "the project server without its response cache",
        )
    return url


def read_fixtures(
    url: str, orders: int
) -> tuple[dict[str, str], dict[str, object], int, list[dict[str, object]]]:
    """Log in, seed open orders, and pick the order and menu the targets read."""
    login = httpx.post(
        f"{url}/users/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    login.raise_for_status()
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    seed_orders(url, login.json()["access_token"], orders)
    ids = httpx.post(
        f"{url}/graphql",
        json={"query": "{ orders(first: 100) { edges { node { id databaseId } } } }"},
        headers=auth,
    ).json()["data"]["orders"]["edges"]
    middle = ids[len(ids) // 2]["node"]
    order = {"db": middle["databaseId"], "gid": middle["id"]}
    last_order_id = max(edge["node"]["databaseId"] for edge in ids)
    menu = httpx.get(f"{url}/api/menu").json()
    gids = httpx.post(f"{url}/graphql", json={"query": "{ menu { id databaseId } }"}).json()
    by_db = {item["databaseId"]: item["id"] for item in gids["data"]["menu"]}
    for item in menu:
        item["gid"] = by_db[item["id"]]
    return auth, order, last_order_id, menu


def start_references(bench: Bench, postgraphile: str | None) -> None:
    """The checkout before the change (--before), the raw app and PostGraphile."""
    if bench.args.before is not None:
        before = f"http://127.0.0.1:{PORTS['before']}"
        before_python = str(bench.args.before.resolve() / ".venv" / "bin" / "python")
        command = [before_python, "-m", "restaurant_api", "serve", "--port",
                   str(PORTS["before"])]  # fmt: skip
        # Uncached unless only cached rows are asked for: its rows compare with `cache off`.
        cache = "true" if bench.args.cache == "on" else "false"
        bench.start(
            "before",
            command,
            {**bench.env, "RESPONSE_CACHE": cache},
            f"{before}/health",
            "the project server before the change",
            cwd=bench.args.before.resolve(),
        )
    raw = f"http://127.0.0.1:{PORTS['raw']}"
    raw_command = [sys.executable, "-m", "uvicorn", "--app-dir", str(BENCH), "raw_app:app",
                   "--port", str(PORTS["raw"]), "--log-level", "warning",
                   "--no-access-log"]  # fmt: skip
    bench.start("raw", raw_command, bench.env, f"{raw}/menu", "the raw app")
    if postgraphile:
        pg = f"http://127.0.0.1:{PORTS['postgraphile']}"
        pg_command = [postgraphile, "-c", bench.database_url, "--host", "127.0.0.1", "--port",
                      str(PORTS["postgraphile"]), "--disable-query-log"]  # fmt: skip
        try:
            bench.start(
                "postgraphile",
                pg_command,
                {**bench.env, "NODE_ENV": "production"},
                f"{pg}/graphql",
                "PostGraphile",
            )
        except RuntimeError as error:
            print(f"PostGraphile: skipped, {error}")


def measure(bench: Bench, target: Target, counter_sql: str) -> Result:
    """One target for one round: load, then CPU and transactions per request."""
    base = bench.servers[target.server]
    pid = bench.processes[target.server]
    for _ in range(5):  # warm up connections and caches
        check_target(target, base)
    time.sleep(1.5)  # PostgreSQL publishes transaction counts about once a second
    xacts_before = sql_count(bench.database_url, counter_sql)
    cpu_before = tree_cpu_seconds(pid)
    if bench.use_wrk:
        measured = run_wrk(target, base, bench.args, bench.load_core, bench.tmp)
    else:
        if bench.load_core is not None:
            os.sched_setaffinity(0, {bench.load_core})
        measured = asyncio.run(run_httpx(target, base, bench.args))
    cpu = tree_cpu_seconds(pid) - cpu_before
    wait_until_idle(pid)  # requests still queued at the end
    time.sleep(1.5)
    xacts = sql_count(bench.database_url, counter_sql) - xacts_before - 1  # our own read
    requests, elapsed, p50, p99, errors = measured
    done = max(requests, 1)  # none finished: latency is over the duration
    return Result(
        rps=requests / elapsed,
        p50_ms=p50 if requests else float("inf"),
        p99_ms=p99 if requests else float("inf"),
        cpu_ms=cpu * 1000 / done if requests else float("nan"),
        xacts=xacts / done if requests else float("nan"),
        errors=errors,
    )


def main() -> None:
    args = parse_args()
    # A plain `kill` still stops the servers and drops the database (the finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    admin_url = os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    two_cores = shutil.which("taskset") is not None and (os.cpu_count() or 1) >= 2
    server_core, load_core = (0, 1) if two_cores else (None, None)
    use_wrk = shutil.which("wrk") is not None
    print(machine_line())
    print(
        f"servers pinned to CPU {server_core}, load on CPU {load_core}; "
        + ("wrk -t1" if use_wrk else "httpx load generator")
        + f" -c{args.connections}, {args.duration} s per target, {args.rounds} rounds"
    )
    if not use_wrk:
        print("(wrk is not installed: `apt-get install -y wrk` gives steadier figures)")
    postgraphile = None if args.no_postgraphile else ensure_postgraphile()

    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="bench-reads-") as tmp:
        bench = Bench(args, stack, server_core, load_core, use_wrk, Path(tmp))
        try:
            bench.database_url = stack.enter_context(postgres_database(admin_url))
        except psycopg.OperationalError as error:
            sys.exit(f"PostgreSQL is unreachable ({error})")
        bench.env = prepared_database(bench.database_url)
        # Like for like: the raw app runs with --no-access-log and PostGraphile with
        # --disable-query-log, so the project's servers (and --before's) log no request
        # either, unless --access-log (one line per request on stderr, about 0.06 ms each).
        bench.env["ACCESS_LOG"] = "true" if args.access_log else "false"
        url = start_project(bench)
        auth, order, last_order_id, menu = read_fixtures(url, args.orders)
        start_references(bench, postgraphile)

        targets = build_targets(bench.servers, auth, order, menu)
        if args.groups:
            targets = [t for t in targets if any(word in t.group for word in args.groups)]
            if not targets:
                sys.exit(f"no group of reads holds any of {args.groups}")
        sizes = {}
        for target in targets:
            sizes[target.name + target.group] = check_target(target, bench.servers[target.server])
        delete_orders_after(bench.database_url, last_order_id)
        sql_label, counter_sql = sql_counter(bench.database_url)
        results: dict[str, list[Result]] = {target.name + target.group: [] for target in targets}
        for round_number in range(args.rounds):
            print(f"round {round_number + 1}/{args.rounds}", flush=True)
            for target in round_order(targets, round_number):
                results[target.name + target.group].append(measure(bench, target, counter_sql))
                if "place" in target.group:
                    delete_orders_after(bench.database_url, last_order_id)
        print(f"\n{machine_line()} (after the run)")
        print_table(targets, results, sizes, sql_label)


def round_order(targets: list[Target], round_number: int) -> list[Target]:
    """The targets of each group in their order on even rounds, reversed on odd ones: no
    target always runs first in its group (placing through REST always ran before GraphQL,
    each after the previous target's orders were deleted)."""
    if round_number % 2 == 0:
        return targets
    groups = list(dict.fromkeys(target.group for target in targets))
    return [
        target for group in groups for target in reversed([t for t in targets if t.group == group])
    ]


if __name__ == "__main__":
    main()
