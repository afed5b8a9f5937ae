"""The unit of work under concurrent writers (SQLite queues them in-process)."""

from __future__ import annotations

import asyncio
import uuid

import psycopg
import pytest
from sqlalchemy import exc
from sqlmodel import select

from restaurant_api.db import Database, send_with_commit
from restaurant_api.pricing.models import TaxRate
from tests.conftest import Backend

# register hashes outside any transaction; createMenuItem writes in the document's own.
CREATE_ITEM = """mutation($name: String!) {
  createMenuItem(input: {name: $name, price: "1.00", category: "Test"}) { __typename } }"""


async def test_concurrent_writers_over_graphql_and_rest_all_commit(client, db, manager):
    async def by_graphql(n: int) -> str:
        response = await client.post(
            "/graphql",
            json={"query": CREATE_ITEM, "variables": {"name": f"Item {n}"}},
            headers=manager.headers,
        )
        return response.json()["data"]["createMenuItem"]["__typename"]

    async def by_rest(n: int) -> int:
        response = await client.post(
            "/users/register",
            json={"name": "Writer", "email": f"r{n}@example.com", "password": "password123"},
        )
        return response.status_code

    results = await asyncio.gather(
        *(by_graphql(n) for n in range(10)), *(by_rest(n) for n in range(10))
    )
    assert results == ["MenuItemPayload"] * 10 + [200] * 10
    # A failed mutation (duplicate) and a malformed document release their turn too.
    failed = await by_graphql(0)
    assert failed == "ConflictError"
    broken = await client.post("/graphql", json={"query": "mutation { createMenuItem( }"})
    assert broken.status_code in (200, 400)
    assert await asyncio.wait_for(by_rest(99), timeout=10) == 200


# --- statements sent with the COMMIT (`send_with_commit`, PostgreSQL) ----------------------


async def _names(db: Database) -> list[str]:
    async with db.session(read_only=True) as session:
        return [rate.name for rate in (await session.exec(select(TaxRate))).all()]


async def test_a_statement_sent_with_the_commit_runs_last_and_commits_with_it(
    db: Database, backend: Backend
) -> None:
    if backend.name != "postgresql":
        pytest.skip("pg_notify: PostgreSQL only")
    channel = f"commit_test_{uuid.uuid4().hex[:12]}"
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as listener:
        await listener.execute(f"LISTEN {channel}")
        async with db.session() as session:
            session.add(TaxRate(name="City", name_key="city", rate_ppm=45_000))
            send_with_commit(session, "SELECT pg_notify(%s, %s)", (channel, "sent"))
            await session.flush()
            # Not run yet: nothing is delivered before the commit.
            assert [n async for n in listener.notifies(timeout=0.3)] == []
        notify = await asyncio.wait_for(anext(listener.notifies()), 5)
    assert (notify.channel, notify.payload) == (channel, "sent")
    assert await _names(db) == ["City"]


async def test_a_failing_statement_sent_with_the_commit_commits_nothing(
    db: Database, backend: Backend
) -> None:
    if backend.name != "postgresql":
        pytest.skip("PostgreSQL only")
    with pytest.raises(exc.DBAPIError) as raised:
        async with db.session() as session:
            session.add(TaxRate(name="City", name_key="city", rate_ppm=45_000))
            send_with_commit(session, "SELECT 1 / %s", (0,))
    assert isinstance(raised.value.orig, psycopg.errors.DivisionByZero)
    assert await _names(db) == []
    async with db.session() as session:  # the connection went back to the pool usable
        session.add(TaxRate(name="Town", name_key="town", rate_ppm=10_000))
    assert await _names(db) == ["Town"]
