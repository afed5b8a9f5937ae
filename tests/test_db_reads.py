"""Reads: no transaction round trips on PostgreSQL, one snapshot where asked, a pool that
neither churns nor breaks when the server drops its connections."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, text

from restaurant_api.menu.models import MenuItem


async def _add_item(db, name: str) -> None:
    async with db.session() as session:
        session.add(MenuItem(name=name, name_key=name.lower(), category="Test", price_cents=150))


async def _scalar(session, sql: str) -> Any:
    connection = await session.connection()
    return (await connection.execute(text(sql))).scalar_one()


async def test_a_read_runs_outside_a_transaction_on_postgres(backend, db):
    async with db.session(read_only=True) as session:
        if backend.name == "postgresql":
            # now() is the start of the transaction: equal inside one, apart in autocommit.
            first = await _scalar(session, "SELECT now()")
            await asyncio.sleep(0.01)
            assert await _scalar(session, "SELECT now()") > first  # no BEGIN sent
        else:
            # SQLite keeps its deferred read transaction (one snapshot, no write lock).
            await _scalar(session, "SELECT count(*) FROM menu_items")
            raw = await (await session.connection()).get_raw_connection()
            assert raw.driver_connection.in_transaction


async def test_a_read_does_not_block_a_writer(db):
    # SQLite: the read's deferred BEGIN takes no write lock; PostgreSQL: no transaction.
    async with db.session(read_only=True) as session:
        await _scalar(session, "SELECT count(*) FROM menu_items")
        await asyncio.wait_for(_add_item(db, "Written meanwhile"), timeout=5)


async def test_a_snapshot_read_sees_one_state(db):
    await _add_item(db, "Before")
    count = "SELECT count(*) FROM menu_items"
    async with db.session(read_only=True, snapshot=True) as session:
        before = await _scalar(session, count)
        await _add_item(db, "Committed meanwhile")
        again = await _scalar(session, count)
    assert again == before == 1
    async with db.session(read_only=True) as session:
        assert await _scalar(session, count) == 2


async def test_a_snapshot_read_cannot_write(backend, db):
    if backend.name != "postgresql":
        pytest.skip("PostgreSQL's READ ONLY transaction")
    with pytest.raises(Exception, match="read-only transaction"):
        async with db.session(read_only=True, snapshot=True) as session:
            await _scalar(session, "DELETE FROM menu_items RETURNING 1")


async def test_a_burst_does_not_open_more_connections_than_the_pool(backend, db, client):
    if backend.name != "postgresql":
        pytest.skip("PostgreSQL's connection pool")
    await _add_item(db, "Soup")
    pool = db.engine.pool
    opened = 0

    def count(*_args: object) -> None:
        nonlocal opened
        opened += 1

    event.listen(db.engine.sync_engine, "connect", count)
    try:
        for _ in range(2):
            answers = await asyncio.gather(*(client.get("/api/menu") for _ in range(48)))
            assert {answer.status_code for answer in answers} == {200}
            assert pool.overflow() <= 0
        first_burst = opened
        answers = await asyncio.gather(*(client.get("/api/menu") for _ in range(48)))
        assert {answer.status_code for answer in answers} == {200}
    finally:
        event.remove(db.engine.sync_engine, "connect", count)
    assert first_burst <= pool.size()
    assert opened == first_burst  # a later burst reuses them: nothing opened and closed


async def test_reads_survive_terminated_connections(backend, db, client, manager, postgres):
    if backend.name != "postgresql":
        pytest.skip("pg_terminate_backend")
    await _add_item(db, "Soup")
    reads = ("/api/menu", "/api/orders")
    for path in reads:
        assert (await client.get(path, headers=manager.headers)).status_code == 200
    # A document the front door answers on its own connections (raw reads) once proven.
    menu_query = {"query": "{ menu { name } }"}
    for _ in range(2):
        assert (await client.post("/graphql", json=menu_query)).status_code == 200
    database = db.engine.url.database
    with psycopg.connect(postgres.conninfo(database), autocommit=True) as admin:
        terminated = admin.execute(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()) AS done"
        ).fetchone()
    assert terminated is not None and terminated[0] >= 1
    await asyncio.sleep(0.2)  # the server's FATAL message reaches the sockets
    answers = await asyncio.gather(
        *(client.get(path, headers=manager.headers) for path in reads for _ in range(12))
    )
    assert [answer.status_code for answer in answers] == [200] * len(answers)
    # Broken connections are dropped, never reused: every answer is right, at once.
    menus = await asyncio.gather(*(client.post("/graphql", json=menu_query) for _ in range(12)))
    assert [menu.json()["data"] for menu in menus] == [{"menu": [{"name": "Soup"}]}] * 12
