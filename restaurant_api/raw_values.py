"""One value straight from libpq: the JSON text of a compiled plan's answer (`api.plan_sql`).

A plan whose answer PostgreSQL builds reads one row of one text column. Through a psycopg
cursor that costs about as much CPU as the rest of the request (measured: 165-200 µs of
process CPU a read against 95-100 µs here, same statement, same connection, uvloop): the
cursor object, the query conversion and the parameter dumpers per execution, the result
transformer, the row, a timer per wait, the text decoded to `str` and encoded back. Here
the statement is prepared once per connection under a name of ours and executed with
`psycopg.pq` (psycopg's documented libpq wrapper) and the loop's reader callback, and the
value is the bytes PostgreSQL sent.

Parameters go in text format, as node-postgres sends them: `int` typed `int8`, `bool`
typed `bool`, `str` untyped (as psycopg sends it), NULL untyped. Any other value, or a
statement PostgreSQL refuses to prepare with those types, takes psycopg's way (`Fallback`),
so nothing is ever answered differently, only more slowly.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import cast

import psycopg
from psycopg import pq

_INT8, _BOOL, _UNKNOWN = 20, 16, 0
_INT8_RANGE = range(-(2**63), 2**63)
# Prepared statements per connection; past it, psycopg's cursor (its own prepared cache).
MAX_PREPARED = 512


class Fallback(Exception):
    """Run this read through psycopg's cursor instead."""


@dataclass(frozen=True, slots=True)
class DollarSql:
    """A statement in psycopg's `%(name)s` style rewritten for libpq (`$1`, `$2`...):
    its bytes and the parameter name of each number."""

    sql: bytes
    names: tuple[str, ...]


_PLACEHOLDER = re.compile(r"%%|%\(([^)]+)\)s|%")


def dollar_sql(sql: str) -> DollarSql | None:
    """`sql` with numbered placeholders (one number per name, as psycopg numbers them), or
    None where it holds a `%` psycopg would read otherwise."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(0) == "%%":
            return "%"
        name = match.group(1)
        if name is None:
            raise ValueError("a lone %")
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    try:
        return DollarSql(_PLACEHOLDER.sub(number, sql).encode(), tuple(names))
    except ValueError:
        return None


def text_parameters(
    names: tuple[str, ...], values: dict[str, object]
) -> tuple[list[bytes | None], tuple[int, ...]]:
    """The values in text format and their type oids; `Fallback` for any other kind."""
    texts: list[bytes | None] = []
    oids: list[int] = []
    for name in names:
        value = values.get(name)
        kind = type(value)
        if value is None:
            texts.append(None)
            oids.append(_UNKNOWN)
        elif kind is bool:
            texts.append(b"t" if value else b"f")
            oids.append(_BOOL)
        elif kind is int and value in _INT8_RANGE:
            texts.append(str(value).encode())
            oids.append(_INT8)
        elif kind is str:
            texts.append(cast(str, value).encode())
            oids.append(_UNKNOWN)
        else:
            raise Fallback
    return texts, tuple(oids)


class PreparedNames:
    """The statements prepared on one connection, by text and parameter types."""

    __slots__ = ("names", "refused")

    def __init__(self) -> None:
        self.names: dict[tuple[bytes, tuple[int, ...]], bytes] = {}
        self.refused: set[tuple[bytes, tuple[int, ...]]] = set()


async def fetch_value(
    connection: psycopg.AsyncConnection[object],
    prepared: PreparedNames,
    statement: DollarSql,
    values: dict[str, object],
) -> bytes:
    """The first column of the first row of `statement`, as the server sent it (text).

    `Fallback` when it cannot run here (a value kind, a refused preparation, a full set of
    prepared statements, a client encoding other than UTF-8, a NULL or no row: psycopg's
    way says what those mean)."""
    pgconn = connection.pgconn
    if pgconn.parameter_status(b"client_encoding") != b"UTF8":
        raise Fallback
    texts, oids = text_parameters(statement.names, values)
    key = (statement.sql, oids)
    if key in prepared.refused:
        raise Fallback
    name = prepared.names.get(key)
    if name is None:
        if len(prepared.names) >= MAX_PREPARED:
            raise Fallback
        name = f"_rv_{len(prepared.names)}".encode()
        pgconn.send_prepare(name, statement.sql, oids)
        if _failed(await _results(pgconn)) is not None:
            prepared.refused.add(key)  # e.g. an int8 where only int4 is taken
            raise Fallback
        prepared.names[key] = name
    pgconn.send_query_prepared(name, texts)
    results = await _results(pgconn)
    failed = _failed(results)
    if failed is not None:
        raise failed
    result = results[0]
    if result.ntuples < 1 or result.nfields < 1:
        raise Fallback
    value = result.get_value(0, 0)
    if value is None:
        raise Fallback
    return value


def _failed(results: list[pq.abc.PGresult]) -> psycopg.Error | None:
    for result in results:
        if result.status != pq.ExecStatus.TUPLES_OK and result.status != pq.ExecStatus.COMMAND_OK:
            state = result.error_field(pq.DiagnosticField.SQLSTATE)
            message = (result.error_message or b"").decode("utf-8", "replace").strip()
            if state is None:
                return psycopg.OperationalError(message or "the statement failed")
            return psycopg.errors.lookup(state.decode())(message)
    return None


async def _results(pgconn: pq.abc.PGconn) -> list[pq.abc.PGresult]:
    """Every result of the command just sent, waiting on the socket through the loop."""
    loop = asyncio.get_running_loop()
    fileno = pgconn.socket
    try:
        while pgconn.flush():
            await _ready(loop, fileno, write=True)
        results: list[pq.abc.PGresult] = []
        while True:
            while pgconn.is_busy():
                await _ready(loop, fileno, write=False)
                pgconn.consume_input()
            result = pgconn.get_result()
            if result is None:
                return results
            results.append(result)
    except OSError as error:
        raise psycopg.OperationalError("connection socket closed") from error


async def _ready(loop: asyncio.AbstractEventLoop, fileno: int, *, write: bool) -> None:
    """Until the socket can be read (or written). A cancelled wait leaves the command in
    flight: the pool then closes the connection (it is not idle)."""
    future = loop.create_future()

    def wake() -> None:
        if not future.done():
            future.set_result(None)

    if write:
        loop.add_writer(fileno, wake)
    else:
        loop.add_reader(fileno, wake)
    try:
        await future
    finally:
        if write:
            loop.remove_writer(fileno)
        else:
            loop.remove_reader(fileno)
