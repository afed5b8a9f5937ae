"""Acceptance with the clients frontend teams run (clients/): relay-compiler, Relay runtime,
Apollo Client InMemoryCache + graphql-ws, against a real server on both backends.

Runs when node and npm are installed (CI: Node 20 and access to the npm registry, or a
pre-filled npm cache for `npm ci`); skipped otherwise.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import pytest

CLIENTS = Path(__file__).resolve().parents[2] / "clients"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="node and npm are needed for the client acceptance checks",
)


async def _run(*command: str, env: dict[str, str] | None = None, within: float = 300) -> str:
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=CLIENTS,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), within)
    text = output.decode(errors="replace")
    assert process.returncode == 0, f"{' '.join(command)} failed:\n{text}"
    return text


@pytest.fixture(scope="module")
def node_modules() -> Path:
    if not (CLIENTS / "node_modules" / ".package-lock.json").exists():
        asyncio.run(_run("npm", "ci", "--no-audit", "--no-fund"))
    return CLIENTS / "node_modules"


async def test_relay_compiler_accepts_the_schema_and_refetchable_order(node_modules):
    # --validate: the committed artifacts are what the compiler makes of schema.graphql now.
    output = await _run("npx", "relay-compiler", "--validate")
    assert "error" not in output.lower(), output


async def test_relay_runtime_and_apollo_cache_against_a_real_server(
    node_modules, live_server, server
):
    output = await _run(
        "node",
        "run-checks.mjs",
        env={"GRAPHQL_URL": f"{live_server.url}/graphql", "TOKEN": server.token},
    )
    summary = json.loads(output[output.index("{") :])
    assert summary["ok"] is True
    assert all(summary["checks"].values()) and len(summary["checks"]) == 6, summary
