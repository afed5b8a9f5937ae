"""What pricing costs the order reads and placing, in process (issue 11, after issues 13/14).

    .venv/bin/python bench/bench_checks.py [--before DIR] [--postgres] [--rounds 5]
        [--requests 100] [--profile]

Makes a throwaway database (a SQLite file, or with `--postgres` a database on
BENCH_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres, dropped
afterwards), migrates and seeds it with the CLI (21 menu items, a default sales tax), adds an
admin and 50 open orders of 3-6 lines through the app (their items' default options
included), then a check discount on every third order, a line comp on every fifth and a
service charge on every seventh.

Each round runs one worker process per checkout (this one and `--before`, a checkout of the
code as it was with the same database schema, e.g. `git archive f5f1a72 | tar -x -C
/tmp/base`; run with this .venv), in
an order reversed every round. A worker times, in CPU milliseconds (`time.process_time`):

- the pricing engine alone on the 50 open orders' checks, as it is in that checkout and as it
  was (the Fraction engine of f5f1a72, loaded from git into a temporary module);
- `orders.checks.checks_for_orders` on the 50 open orders (three reads and the pricing);
- the app called as an ASGI callable: REST `GET /api/orders?status=open&limit=50`,
  `GET /api/orders/{id}` and `POST /api/orders` (3 lines; the placed orders are deleted
  after the worker so every round reads the same data).

The table shows medians over the rounds and the ratio after/before of each row (below 1 is
faster). `--profile` prints cProfile's top costs of the REST orders page in this checkout.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import dataclasses
import importlib.util
import json
import os
import pstats
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from profile_request import ADMIN_EMAIL, ADMIN_PASSWORD, call, login  # noqa: E402

CLI = [sys.executable, "-m", "restaurant_api"]
ORDERS_PAGE = ("GET", "/api/orders", "status=open&limit=50")
# The last commit with the Fraction engine (the kitchen-flow schema, before the integer
# engine landed): also the `--before` checkout, as both share one migrated database.
FRACTION_ENGINE_COMMIT = "f5f1a721116dd36ace390b1253e5d5ea23d564fc"
ENGINE_BEFORE = "Engine per check, before (Fraction, f5f1a72)"
ENGINE_NOW = "Engine per check, this checkout"
ROWS = [
    ENGINE_NOW,
    "checks_for_orders, 50 open orders",
    "REST GET /api/orders (50 open)",
    "REST GET /api/orders/{id}",
    "REST POST /api/orders (3 lines)",
]


# ---------------------------------------------------------------- database


@contextmanager
def database(postgres: bool) -> Iterator[str]:
    if not postgres:
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite+aiosqlite:///{directory}/bench.db"
        return
    from bench_reads import postgres_database

    admin = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    with postgres_database(admin) as url:
        yield url.replace("postgresql://", "postgresql+psycopg://", 1)


def prepared(database_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "ENVIRONMENT": "production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ACCESS_TOKEN_MINUTES": "240",
        "RESPONSE_CACHE": "false",
    }
    for command in (
        ["migrate"],
        ["seed"],
        ["create-user", "--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD, "--role",
         "admin", "--name", "Bench"],
    ):  # fmt: skip
        subprocess.run([*CLI, *command], env=env, cwd=ROOT, check=True, capture_output=True)
    return env


# ---------------------------------------------------------------- worker


def old_engine() -> ModuleType:
    """The engine as it was (Fraction arithmetic), as a module of its own."""
    source = subprocess.run(
        ["git", "show", f"{FRACTION_ENGINE_COMMIT}:restaurant_api/pricing/engine.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "engine_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("engine_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["engine_before"] = module
    spec.loader.exec_module(module)
    return module


async def seed(app: Any, token: str) -> None:
    """50 open orders (bench_reads' lines) and their adjustments."""
    import random

    from bench_reads import random_lines

    from restaurant_api.orders.models import (
        AdjustmentStatus,
        Order,
        OrderDiscount,
        OrderLine,
        OrderServiceCharge,
    )

    rng = random.Random(11)
    _, menu_body = await call(app, "GET", "/api/menu")
    menu = json.loads(menu_body)
    for _ in range(50):
        body = json.dumps({"order": random_lines(rng, menu), "customer_count": 2}).encode()
        status, content = await call(app, "POST", "/api/orders", body=body, token=token)
        if status != 200:
            raise RuntimeError(f"placing an order: {status} {content[:300]!r}")
    from sqlmodel import col, select

    async with app.state.db.session() as session:
        orders = (await session.exec(select(Order).order_by(col(Order.id)))).all()
        for number, order in enumerate(orders):
            common = {"order_id": order.id, "status": AdjustmentStatus.APPLIED, "reason": "bench"}
            if number % 3 == 0:
                session.add(OrderDiscount(name="Happy hour", kind="percent", rate_ppm=150_000,
                                          **common))  # fmt: skip
            if number % 5 == 0:
                line = (
                    await session.exec(select(OrderLine).where(OrderLine.order_id == order.id))
                ).first()
                assert line is not None
                session.add(OrderDiscount(name="Comp", kind="percent", rate_ppm=1_000_000,
                                          is_comp=True, line_id=line.id, **common))  # fmt: skip
            if number % 7 == 0:
                session.add(OrderServiceCharge(name="Service", kind="percent", rate_ppm=180_000,
                                               taxable=True, tax_rates=[], **common))  # fmt: skip
                order.version += 1
            if number % 3 == 0 or number % 5 == 0:
                order.version += 1
            session.add(order)
        await session.commit()


def cpu_ms(action: Callable[[], Any], repeat: int) -> float:
    started = time.process_time()
    for _ in range(repeat):
        action()
    return (time.process_time() - started) * 1000 / repeat


async def acpu_ms(action: Callable[[], Any], repeat: int) -> float:
    for _ in range(max(3, repeat // 10)):
        await action()
    started = time.process_time()
    for _ in range(repeat):
        await action()
    return (time.process_time() - started) * 1000 / repeat


async def engine_inputs(session: Any) -> list[tuple[Any, ...]]:
    """The engine's arguments for each open order (as `checks.check_of_rows` passes them)."""
    from restaurant_api.orders import checks
    from restaurant_api.orders.reads import open_orders

    captured: list[tuple[Any, ...]] = []
    real = checks.pricing.price_check

    def capture(lines: Any, **kwargs: Any) -> Any:
        captured.append((lines, kwargs))
        return real(lines, **kwargs)

    checks.pricing.price_check = capture
    try:
        await checks.checks_for_orders(session, await open_orders(session))
    finally:
        checks.pricing.price_check = real
    return captured


def engine_ms(engine: ModuleType, inputs: list[tuple[Any, ...]], repeat: int) -> float:
    """Per check; the inputs rebuilt with the engine's own classes."""

    def convert(value: Any) -> Any:
        if isinstance(value, list | tuple):
            return type(value)(convert(item) for item in value)
        cls = getattr(engine, type(value).__name__, None)
        if cls is None or not dataclasses.is_dataclass(value):
            return value
        return cls(
            **{
                field.name: convert(getattr(value, field.name))
                for field in dataclasses.fields(value)
                if field.init
            }
        )

    own = [(convert(lines), {k: convert(v) for k, v in kw.items()}) for lines, kw in inputs]

    def run() -> None:
        for lines, kwargs in own:
            engine.price_check(lines, **kwargs)

    run()
    return cpu_ms(run, repeat) / len(own)


async def worker(args: argparse.Namespace) -> dict[str, float]:
    from restaurant_api.main import create_app
    from restaurant_api.orders import checks
    from restaurant_api.orders.reads import open_orders
    from restaurant_api.pricing import engine as engine_now

    app = create_app()
    results: dict[str, float] = {}
    async with app.router.lifespan_context(app):
        token = await login(app)
        if args.seed:
            await seed(app, token)
            return {}
        async with app.state.db.session() as session:
            inputs = await engine_inputs(session)
            before = old_engine()
            for mod, name in ((before, ENGINE_BEFORE), (engine_now, ENGINE_NOW)):
                results[name] = engine_ms(mod, inputs, args.requests)

            async def checks_page() -> None:
                await checks.checks_for_orders(session, await open_orders(session))

            results[ROWS[1]] = await acpu_ms(checks_page, args.requests)
        _, page = await call(app, *ORDERS_PAGE, token=token)
        first_id = json.loads(page)[0]["id"]
        reads = {
            ROWS[2]: ORDERS_PAGE,
            ROWS[3]: ("GET", f"/api/orders/{first_id}", ""),
        }
        for name, (method, path, query) in reads.items():

            async def read(method: str = method, path: str = path, query: str = query) -> None:
                status, content = await call(app, method, path, query, token=token)
                if status != 200:
                    raise RuntimeError(f"{path}: {status} {content[:300]!r}")

            if args.profile and name == ROWS[2]:
                profiler = cProfile.Profile()
                profiler.enable()
                await acpu_ms(read, args.requests)
                profiler.disable()
                stats = pstats.Stats(profiler, stream=sys.stderr)
                stats.sort_stats("tottime").print_stats(args.top)
                stats.sort_stats("cumulative").print_stats(args.top)
            results[name] = await acpu_ms(read, args.requests)
        results[ROWS[4]] = await place(app, token, args.requests)
    return results


async def place(app: Any, token: str, repeat: int) -> float:
    """CPU ms per REST order placed; the placed orders are deleted afterwards."""
    from bench_reads import place_bodies
    from sqlalchemy import text

    _, menu_body = await call(app, "GET", "/api/menu")
    menu = json.loads(menu_body)
    for item in menu:
        item["gid"] = ""  # GraphQL's input, unused here
    body = json.dumps(place_bodies(menu[0], menu[-1])[0]).encode()
    async with app.state.db.session() as session:
        last = (await session.exec(text("SELECT max(id) FROM orders"))).scalar()

    async def one() -> None:
        status, content = await call(app, "POST", "/api/orders", body=body, token=token)
        if status != 200:
            raise RuntimeError(f"placing: {status} {content[:300]!r}")

    result = await acpu_ms(one, repeat)
    async with app.state.db.session() as session:
        tickets = "SELECT id FROM kitchen_tickets WHERE order_id > :id"
        for sql in (
            f"DELETE FROM kitchen_ticket_events WHERE ticket_id IN ({tickets})",
            f"DELETE FROM kitchen_ticket_lines WHERE ticket_id IN ({tickets})",
            "DELETE FROM kitchen_tickets WHERE order_id > :id",
            "DELETE FROM idempotency_records WHERE order_id > :id",
            "DELETE FROM order_discounts WHERE order_id > :id",
            "DELETE FROM order_service_charges WHERE order_id > :id",
            "DELETE FROM order_lines WHERE order_id > :id",
            "DELETE FROM orders WHERE id > :id",
        ):
            await session.exec(text(sql), params={"id": last})
        await session.commit()
    return result


# ---------------------------------------------------------------- driver


def run_worker(checkout: Path, env: dict[str, str], extra: list[str]) -> dict[str, float]:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", *extra]
    env = {**env, "PYTHONPATH": str(checkout)}
    result = subprocess.run(
        command, env=env, cwd=checkout, check=False, capture_output=True, text=True
    )
    if "--profile" in extra:
        sys.stderr.write(result.stderr)
    if result.returncode != 0:
        raise RuntimeError(f"worker of {checkout} failed:\n{result.stderr[-3000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="a checkout of the code as it was")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(asyncio.run(worker(args))))
        return
    checkouts = {"after": ROOT}
    if args.before:
        checkouts = {"before": args.before.resolve(), "after": ROOT}
    extra = ["--requests", str(args.requests)]
    with database(args.postgres) as url:
        env = prepared(url)
        run_worker(ROOT, env, ["--seed", *extra])
        runs: dict[str, dict[str, list[float]]] = {name: {} for name in checkouts}
        for number in range(args.rounds):
            order = list(checkouts) if number % 2 == 0 else list(reversed(checkouts))
            for name in order:
                profile = ["--profile", "--top", str(args.top)] if args.profile else []
                result = run_worker(checkouts[name], env, [*extra, *profile])
                for row, value in result.items():
                    runs[name].setdefault(row, []).append(value)
            args.profile = False
    print(f"\n{'sqlite' if not args.postgres else 'postgresql'}, {args.rounds} rounds, "
          f"{args.requests} requests per row per round, CPU ms (medians)\n")  # fmt: skip
    names = list(checkouts)
    print("| measure | " + " | ".join(f"{n} ms" for n in names) + " | after/before |")
    print("|---|" + "---:|" * (len(names) + 1))
    engine_before = statistics.median(runs["after"][ENGINE_BEFORE])
    engine_after = statistics.median(runs["after"][ENGINE_NOW])
    print(
        f"| pricing engine per check (same process: f5f1a72, this checkout) | "
        f"{engine_before:.4f} | {engine_after:.4f} | {engine_after / engine_before:.2f} |"
    )
    for row in ROWS[1:]:
        values = [statistics.median(runs[name][row]) for name in names]
        ratio = values[-1] / values[0] if len(values) > 1 else float("nan")
        print(f"| {row} | " + " | ".join(f"{v:.3f}" for v in values) + f" | {ratio:.2f} |")


if __name__ == "__main__":
    main()
