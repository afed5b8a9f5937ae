"""Server CPU per request outside the ASGI app (issue 11): this project's real server vs the
raw baseline under the same load, and a cProfile of the whole server process.

    .venv/bin/python bench/profile_server.py [--before ../base] [--rounds 3] [--duration 5]
        [--connections 32] [--profile] [--profile-read "GraphQL menu"]
        [--profile-clock wall|cpu] [--top 30]

Creates a throwaway PostgreSQL database on BENCH_POSTGRES_URL (migrated and seeded by the
CLI, dropped afterwards) and starts, each pinned to CPU 0 on ports 8170-8175:
`python -m restaurant_api serve` of this checkout (production, as operators run it), the
same with ACCESS_LOG=false, `--before`'s `serve` (its own .venv) and the raw app
(bench/raw_app.py under `python -m uvicorn`, no access log, as bench_reads runs it). A
keep-alive load of `--connections` connections runs on CPU 1 (wrk -t1 when installed, else
a small asyncio client that costs far less than httpx and so loads the server harder); the
servers take turns in an order reversed every round. The table shows medians of requests/s
and server CPU ms per request (utime + stime of the server process, /proc) for
`GET /api/menu` and the GraphQL menu of bench_reads (raw: `GET /menu`, the same JSON; the
response cache off) and `GET /health` (the stack alone).

`--profile` then runs this checkout's server in-process (uvicorn.Server with the options
of `serve`, restaurant_api.__main__.uvicorn_options) under cProfile during one load of
`--profile-read` (profiling only while the load runs) and prints the top functions by own
time and by cumulative time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import os
import pstats
import shutil
import signal
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from functools import partial
from pathlib import Path

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_reads import (
    BENCH,
    CLI,
    GQL_MENU,
    Target,
    graphql_body,
    machine_line,
    pinned,
    postgres_database,
    prepared_database,
    run_wrk,
    server,
    tree_cpu_seconds,
    wait_until_idle,
)

from restaurant_api.__main__ import uvicorn_options
from restaurant_api.config import get_settings

PORTS = {"project": 8170, "project, ACCESS_LOG=false": 8171, "before": 8172, "raw": 8173}
PROFILED_PORT = 8174
SERVER_CORE, LOAD_CORE = 0, 1
MENU_BODY = graphql_body(GQL_MENU)
# read -> (the project's request: method, path, body; the raw app's path, None: no such read)
READS: dict[str, tuple[tuple[str, str, str | None], str | None]] = {
    "GET /api/menu": (("GET", "/api/menu", None), "/menu"),
    "GraphQL menu": (("POST", "/graphql", MENU_BODY), "/menu"),
    "GET /health": (("GET", "/health", None), None),
}


class _Connection(asyncio.Protocol):
    """One keep-alive connection sending the same request again as each answer completes."""

    def __init__(self, request: bytes, deadline: float, done: asyncio.Future[None]) -> None:
        # `request`: the whole HTTP/1.1 request, sent as is each time.
        self.request, self.deadline, self.done = request, deadline, done
        self.buffer = b""
        self.answers = self.errors = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = self.buffer[:end].lower()
            start = head.index(b"content-length:") + len(b"content-length:")
            length = int(head[start:].split(b"\r\n", 1)[0])
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            self.answers += 1
            self.errors += head[9:12] != b"200"
            if time.perf_counter() >= self.deadline:
                self.transport.close()
                return
            self.transport.write(self.request)

    def connection_lost(self, _exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(None)


def http_request(method: str, path: str, body: str | None) -> bytes:
    if body is None:
        return f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    data = body.encode()
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    )
    return head.encode() + data


async def asyncio_load(
    port: int, read: tuple[str, str, str | None], connections: int, duration: float
) -> tuple[int, int]:
    loop = asyncio.get_running_loop()
    request = http_request(*read)
    deadline = time.perf_counter() + duration
    clients: list[_Connection] = []
    for _ in range(connections):
        connection = partial(_Connection, request, deadline, loop.create_future())
        _transport, client = await loop.create_connection(connection, "127.0.0.1", port)
        clients.append(client)
    await asyncio.gather(*(client.done for client in clients))
    return sum(c.answers for c in clients), sum(c.errors for c in clients)


def load(
    args: argparse.Namespace, port: int, read: tuple[str, str, str | None], tmp: Path
) -> tuple[int, float, int]:
    """Requests answered, seconds, errors."""
    if shutil.which("wrk"):
        method, path, body = read
        target = Target("", path, "", method, path, body)
        requests, elapsed, _p50, _p99, errors = run_wrk(
            target, f"http://127.0.0.1:{port}", args, LOAD_CORE, tmp
        )
        return requests, elapsed, errors
    started = time.perf_counter()
    requests, errors = asyncio.run(asyncio_load(port, read, args.connections, args.duration))
    return requests, time.perf_counter() - started, errors


def measure(
    args: argparse.Namespace, pid: int, port: int, read: tuple[str, str, str | None], tmp: Path
) -> tuple[float, float]:
    """Requests/s and server CPU ms per request."""
    asyncio.run(asyncio_load(port, read, 4, 0.5))  # warm up
    wait_until_idle(pid)
    cpu_before = tree_cpu_seconds(pid)
    requests, elapsed, errors = load(args, port, read, tmp)
    wait_until_idle(pid)
    cpu = tree_cpu_seconds(pid) - cpu_before
    if errors or not requests:
        raise RuntimeError(f"{read[1]} on port {port}: {errors} errors in {requests} answers")
    return requests / elapsed, cpu * 1000 / requests


def start_servers(
    args: argparse.Namespace, stack: ExitStack, env: dict[str, str]
) -> dict[str, int]:
    """name -> pid of each server, pinned to SERVER_CORE."""
    commands: dict[str, tuple[list[str], dict[str, str], Path]] = {
        "project": ([*CLI, "serve", "--port", str(PORTS["project"])], env, BENCH.parent),
        "project, ACCESS_LOG=false": (
            [*CLI, "serve", "--port", str(PORTS["project, ACCESS_LOG=false"])],
            {**env, "ACCESS_LOG": "false"},
            BENCH.parent,
        ),
    }
    if args.before is not None:
        before = args.before.resolve()
        commands["before"] = (
            [str(before / ".venv/bin/python"), "-m", "restaurant_api", "serve", "--port",
             str(PORTS["before"])],
            env,
            before,
        )  # fmt: skip
    commands["raw"] = (
        [sys.executable, "-m", "uvicorn", "--app-dir", str(BENCH), "raw_app:app", "--port",
         str(PORTS["raw"]), "--log-level", "warning", "--no-access-log"],
        env,
        BENCH.parent,
    )  # fmt: skip
    pids = {}
    for name, (command, server_env, cwd) in commands.items():
        health = f"http://127.0.0.1:{PORTS[name]}/health"
        process = stack.enter_context(
            server(pinned(SERVER_CORE, command), server_env, health, name, cwd=cwd)
        )
        pids[name] = process.pid
    return pids


def compare(args: argparse.Namespace, env: dict[str, str], tmp: Path) -> None:
    with ExitStack() as stack:
        pids = start_servers(args, stack, env)
        figures: dict[tuple[str, str], list[tuple[float, float]]] = {}
        names = list(pids)
        for round_number in range(args.rounds):
            print(f"round {round_number + 1}/{args.rounds}", flush=True)
            for read, (request, raw_path) in READS.items():
                for name in names if round_number % 2 == 0 else reversed(names):
                    raw = None if raw_path is None else ("GET", raw_path, None)
                    served = raw if name == "raw" else request
                    if served is not None:
                        measured = measure(args, pids[name], PORTS[name], served, tmp)
                        figures.setdefault((read, name), []).append(measured)
    print(f"\n{machine_line()} (after the run)\n")
    print("| read | server | req/s | CPU ms/req | CPU x raw menu |")
    print("|---|---|---:|---:|---:|")
    raw_cpu = statistics.median(cpu for _, cpu in figures[("GET /api/menu", "raw")])
    for read, name in figures:
        rps = statistics.median(r for r, _ in figures[(read, name)])
        cpu = statistics.median(c for _, c in figures[(read, name)])
        print(f"| {read} | {name} | {rps:.0f} | {cpu:.3f} | {cpu / raw_cpu:.1f} |")


def serve_profiled(port: int, stats_path: str, clock: str) -> None:
    """This checkout's server as `serve` runs it, in this process: cProfile runs from
    SIGUSR1 to SIGUSR2 (the load alone, not start-up), which writes `stats_path` and, next
    to it, the garbage collections of that time (`.gc.json`: per generation, count and ms)."""
    config = uvicorn.Config(
        "restaurant_api.main:create_app", port=port, **uvicorn_options(get_settings())
    )
    # The wall clock charges PostgreSQL's turns on the shared core to whatever woke it (its
    # backend preempts the server right after psycopg sends a query: `_send_query_prepared`
    # looks like 0.2 ms a call). The CPU clock does not, but each reading is a system call
    # that about doubles the profiler's own cost.
    profiler = cProfile.Profile(time.process_time) if clock == "cpu" else cProfile.Profile()
    collections = {generation: [0, 0.0] for generation in range(3)}
    started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            collections[info["generation"]][0] += 1
            collections[info["generation"]][1] += (time.perf_counter() - started[0]) * 1000

    def start(*_: object) -> None:
        gc.callbacks.append(on_gc)
        profiler.enable()

    def stop(*_: object) -> None:
        profiler.disable()
        gc.callbacks.remove(on_gc)
        Path(stats_path + ".gc.json").write_text(json.dumps(collections))
        profiler.dump_stats(stats_path + ".part")
        os.replace(stats_path + ".part", stats_path)  # whole, when the bench sees it

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    uvicorn.Server(config).run()


def profile(args: argparse.Namespace, env: dict[str, str], tmp: Path) -> None:
    stats = tmp / "server.prof"
    command = [sys.executable, __file__, "--serve-profiled", str(PROFILED_PORT), str(stats),
               args.profile_clock]  # fmt: skip
    with server(
        pinned(SERVER_CORE, command),
        env,
        f"http://127.0.0.1:{PROFILED_PORT}/health",
        "the profiled server",
    ) as process:
        read = READS[args.profile_read][0]
        asyncio.run(asyncio_load(PROFILED_PORT, read, 4, 0.5))  # warm up
        wait_until_idle(process.pid)
        process.send_signal(signal.SIGUSR1)
        cpu_before = tree_cpu_seconds(process.pid)
        requests, _elapsed, _errors = load(args, PROFILED_PORT, read, tmp)
        wait_until_idle(process.pid)
        cpu = tree_cpu_seconds(process.pid) - cpu_before
        process.send_signal(signal.SIGUSR2)
        deadline = time.monotonic() + 30
        while not stats.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    print(
        f"\ncProfile of the server process under load, {requests} x {args.profile_read}, "
        f"{cpu * 1000 / requests:.3f} CPU ms/req with the profiler on"
    )
    gc_figures = json.loads(Path(str(stats) + ".gc.json").read_text())
    print(
        "garbage collections: "
        + ", ".join(
            f"generation {generation}: {count} ({ms:.1f} ms)"
            for generation, (count, ms) in gc_figures.items()
        )
    )
    # Coroutines' cumulative times include their waits: read the own-time list first.
    for order in ("tottime", "cumulative"):
        pstats.Stats(str(stats)).sort_stats(order).print_stats(args.top)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="another checkout (with its .venv)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved rounds (median); 0: only --profile"
    )
    parser.add_argument("--duration", type=int, default=5, help="seconds per load")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--profile", action="store_true", help="cProfile this checkout's server")
    parser.add_argument(
        "--profile-read", choices=list(READS), default="GET /api/menu", help="what --profile loads"
    )
    parser.add_argument("--top", type=int, default=30, help="functions in each profile list")
    parser.add_argument(
        "--profile-clock",
        choices=("wall", "cpu"),
        default="wall",
        help="cProfile's clock: wall (cheaper; charges PostgreSQL's turns on the core to "
        "psycopg's send) or cpu (the process's CPU time only)",
    )
    parser.add_argument(
        "--serve-profiled", nargs=3, metavar=("PORT", "STATS", "CLOCK"), help=argparse.SUPPRESS
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.serve_profiled:
        serve_profiled(int(args.serve_profiled[0]), *args.serve_profiled[1:])
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    if (os.cpu_count() or 1) < 2 or not shutil.which("taskset"):
        sys.exit("needs two CPUs and taskset (server and load on separate cores)")
    admin_url = os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    print(machine_line())
    print(
        f"servers on CPU {SERVER_CORE}, load on CPU {LOAD_CORE}: "
        + ("wrk -t1" if shutil.which("wrk") else "asyncio keep-alive client")
        + f" -c{args.connections}, {args.duration} s per load, {args.rounds} rounds"
    )
    with postgres_database(admin_url) as database_url, tempfile.TemporaryDirectory() as tmp:
        # The GraphQL menu is measured executing, as bench_reads' `cache off` rows.
        env = {**prepared_database(database_url), "RESPONSE_CACHE": "false"}
        os.sched_setaffinity(0, {LOAD_CORE})  # the servers are pinned by taskset
        if args.rounds:
            compare(args, env, Path(tmp))
        if args.profile:
            profile(args, env, Path(tmp))


if __name__ == "__main__":
    main()
