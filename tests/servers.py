"""Real `python -m restaurant_api serve` processes, for tests only a real server can answer.

One way to start them (environment, working directory, readiness) and to stop them, shared
by the multi-process tests (tests/live) and the production-mode tests (tests/api).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from restaurant_api.__main__ import PROJECT_ROOT, run_migrations
from restaurant_api.config import Settings
from restaurant_api.security import create_access_token
from restaurant_api.users.models import User
from tests.conftest import POSTGRES, TEST_SECRET


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str  # http://127.0.0.1:port

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/graphql"


def start_server(
    database_url: str, workdir: Path, **settings: str
) -> tuple[subprocess.Popen[bytes], LiveServer]:
    """Start `serve` on a free port; `settings` are environment variables (e.g. ENVIRONMENT)."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "ENVIRONMENT": "test",
        "FIRST_ADMIN_EMAIL": "",
        "FIRST_ADMIN_PASSWORD": "",
        "PYTHONPATH": str(PROJECT_ROOT),
        **settings,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "restaurant_api", "serve", "--port", str(port)],
        cwd=workdir,  # no stray .env
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return process, LiveServer(f"http://127.0.0.1:{port}")


async def wait_ready(process: subprocess.Popen[bytes], live: LiveServer) -> None:
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode() if process.stderr else "died")
            try:
                if (await http.get(live.url + "/health/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError(f"{live.url} did not become ready")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@asynccontextmanager
async def running_servers(
    database_url: str, workdir: Path, count: int = 1, **settings: str
) -> AsyncIterator[list[LiveServer]]:
    """`count` ready `serve` processes on one database (started together), stopped after."""
    processes = [start_server(database_url, workdir, **settings) for _ in range(count)]
    try:
        for process, live in processes:
            await wait_ready(process, live)
        yield [live for _process, live in processes]
    finally:
        for process, _live in processes:
            process.terminate()
        for process, _live in processes:
            stop_server(process)


def migrated_postgres_database(name: str) -> str:
    """A new PostgreSQL database migrated to head (skips the test when none is reachable)."""
    if not POSTGRES.reachable:
        pytest.skip(f"PostgreSQL unreachable: {POSTGRES.reason}")
    url = Settings(database_url=POSTGRES.create_database(name)).database_url
    run_migrations(url)
    return url


def access_token(user: User) -> str:
    """A ten-minute access token of `user`, signed with the servers' TEST_SECRET."""
    token, _ = create_access_token(
        user.id,
        secret=TEST_SECRET,
        algorithm="HS256",
        lifetime=timedelta(minutes=10),
        version=user.token_version,
    )
    return token
