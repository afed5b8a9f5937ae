"""One value straight from libpq (`raw_values`): the same bytes as psycopg's cursor, psycopg's
way for whatever it cannot send, errors as psycopg raises them, and a connection left in
flight never reused."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import psycopg
import pytest
from sqlalchemy import Integer, String, bindparam, cast, func, literal, select

from restaurant_api import raw_values
from restaurant_api.raw_reads import OwnedStatement
from restaurant_api.raw_values import dollar_sql, fetch_value


def test_placeholders_are_numbered_once_per_name():
    converted = dollar_sql("SELECT %(a)s, %(b)s, %(a)s, 'x%%' LIKE 'x%%'")
    assert converted is not None
    assert converted.sql == b"SELECT $1, $2, $1, 'x%' LIKE 'x%'"
    assert converted.names == ("a", "b")


def test_a_lone_percent_is_left_to_psycopg():
    assert dollar_sql("SELECT 5 % 2") is None


@pytest.fixture
def raw_reads(db, backend):
    if backend.name != "postgresql" or db.raw_reads is None:
        pytest.skip("raw reads run on PostgreSQL only")
    return db.raw_reads


def _text_of(*columns) -> OwnedStatement:
    return OwnedStatement(select(func.concat_ws("|", *columns)))


async def _both_ways(raw_reads, statement: OwnedStatement, parameters) -> tuple[bytes, bytes]:
    """The value through libpq (checked: it prepared its statement) and through psycopg's
    cursor."""
    async with raw_reads.connection() as raw:
        before = len(raw.prepared.names)
        lean = await raw.fetch_text(statement, parameters)
        assert len(raw.prepared.names) == before + 1, "the value did not come through libpq"
        row = (await raw.execute(statement, parameters)).first()
    return lean, str(row[0]).encode()


async def test_the_value_is_the_bytes_psycopg_reads(raw_reads):
    statement = _text_of(
        cast(bindparam("n", type_=Integer), String),
        bindparam("s", type_=String),
        cast(bindparam("flag"), String),
        func.coalesce(bindparam("missing", type_=String), "none"),
        literal("ünïcødé ✓"),
    )
    values = {"n": -123_456, "s": 'it\'s "quoted" 🍝', "flag": True, "missing": None}
    lean, through_psycopg = await _both_ways(raw_reads, statement, values)
    assert lean == through_psycopg == '-123456|it\'s "quoted" 🍝|true|none|ünïcødé ✓'.encode()


async def test_what_libpq_cannot_send_goes_through_psycopg(raw_reads):
    statement = _text_of(cast(bindparam("price"), String))
    async with raw_reads.connection() as raw:
        before = dict(raw.prepared.names)
        assert await raw.fetch_text(statement, {"price": Decimal("12.50")}) == b"12.50"
        assert raw.prepared.names == before


async def test_a_statement_refused_with_these_types_is_answered_by_psycopg(raw_reads):
    # substr takes an int4: prepared with an int8 parameter, PostgreSQL refuses it.
    statement = OwnedStatement(select(func.substr("restaurant", bindparam("start"))))
    async with raw_reads.connection() as raw:
        before, refused = dict(raw.prepared.names), set(raw.prepared.refused)
        for _ in range(2):
            assert await raw.fetch_text(statement, {"start": 5}) == b"aurant"
            assert len(raw.prepared.refused - refused) == 1
        assert raw.prepared.names == before


async def test_an_error_is_psycopgs_and_the_connection_serves_again(raw_reads):
    statement = _text_of(cast(literal(1) / bindparam("zero", type_=Integer), String))
    async with raw_reads.connection() as raw:
        compiled, values = raw._bound(statement, {"zero": 0})
        with pytest.raises(psycopg.errors.DivisionByZero):  # raised by libpq's way itself
            await fetch_value(raw.connection, raw.prepared, compiled.dollar, values)
        with pytest.raises(psycopg.errors.DivisionByZero):
            await raw.fetch_text(statement, {"zero": 0})
        expected = str((await raw.execute(statement, {"zero": 1})).first()[0]).encode()
        assert await raw.fetch_text(statement, {"zero": 1}) == expected
        connection = raw.connection
    async with raw_reads.connection() as again:
        assert again.connection is connection


async def test_a_read_cancelled_in_flight_closes_its_connection(raw_reads):
    statement = _text_of(cast(func.pg_sleep(bindparam("seconds", type_=Integer)), String))
    started = asyncio.Event()
    held: list[psycopg.AsyncConnection] = []

    async def read() -> None:
        async with raw_reads.connection() as raw:
            held.append(raw.connection)
            started.set()
            await raw.fetch_text(statement, {"seconds": 30})

    task = asyncio.create_task(read())
    await started.wait()
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert held[0].closed
    async with raw_reads.connection() as raw:
        assert raw.connection is not held[0]
        assert await raw.fetch_text(_text_of(literal("up")), None) == b"up"


async def test_each_value_read_is_observed_once(raw_reads):
    seen: list[str] = []
    raw_reads.statements.observers.append(seen.append)
    try:
        async with raw_reads.connection() as raw:
            await raw.fetch_text(_text_of(bindparam("s", type_=String)), {"s": "x"})
    finally:
        raw_reads.statements.observers.remove(seen.append)
    assert len(seen) == 1 and seen[0].startswith("SELECT concat_ws")


async def test_past_the_prepared_limit_reads_go_through_psycopg(raw_reads, monkeypatch):
    statement = _text_of(bindparam("s", type_=String), literal("past the limit"))
    async with raw_reads.connection() as raw:
        monkeypatch.setattr(raw_values, "MAX_PREPARED", len(raw.prepared.names))
        before = dict(raw.prepared.names)
        assert await raw.fetch_text(statement, {"s": "x"}) == b"x|past the limit"
        assert raw.prepared.names == before
