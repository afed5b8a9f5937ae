"""Hot reads straight on psycopg, on PostgreSQL: the front door's compiled plans and the
REST hot reads (the menu, the orders list).

They read with statements built once (`prebuilt`). On PostgreSQL they run on a connection
of `RawReads` (a few autocommit psycopg connections of its own):
the SQL text is compiled once per statement by SQLAlchemy's own dialect (same text, bind
casts, parameter processing), and the rows come from psycopg as they are. What that
skips per read is SQLAlchemy's engine: the pool checkout and its events, the isolation
switch to autocommit and back, the execution context and result objects, about half of a
planned menu read's CPU.

A statement that is not prebuilt, needs parameter expansion, or has a column whose value
SQLAlchemy would convert, raises `NotPrebuilt`: the read then runs through SQLAlchemy, as
everywhere else.
"""

from __future__ import annotations

import asyncio
from collections import namedtuple
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import psycopg
from psycopg import AsyncConnection as PsycopgConnection
from sqlalchemy.engine import Dialect

from restaurant_api.raw_values import DollarSql, Fallback, PreparedNames, dollar_sql, fetch_value

T = TypeVar("T")

# Statements built once (module level), by id, with whether their rows need attribute
# names; the dict keeps them alive, so an id is never reused by another statement.
_PREBUILT: dict[int, tuple[Any, bool]] = {}


def prebuilt(statement: T, *, named: bool = False) -> T:
    """Declare `statement` built once and for all: hot reads may run it on psycopg.

    `named`: its rows are read by column name (`row.id`), as SQLAlchemy rows allow; else
    by position only (plain tuples, the cheapest rows)."""
    _PREBUILT[id(statement)] = (statement, named)
    return statement


def is_prebuilt(statement: Any) -> bool:
    found = _PREBUILT.get(id(statement))
    return found is not None and found[0] is statement


class OwnedStatement:
    """A statement built at run time (a plan's JSON statement, `api.plan_sql`): compiled
    once on first use and kept by its owner, not by the process-wide registry of
    `prebuilt`, so it goes when its owner does (plans are evicted; built statements must
    not pile up)."""

    __slots__ = ("compiled", "statement")

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self.compiled: _Compiled | None = None


class NotPrebuilt(Exception):
    """This read must go through SQLAlchemy."""


class RowReader(Protocol):
    """What the hot reads execute on: a SQLAlchemy AsyncConnection or a `RawConnection`."""

    async def execute(self, statement: Any, parameters: Any = ..., /) -> Any: ...


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    defaults: Mapping[str, Any]
    processors: Mapping[str, Callable[[Any], Any]]
    make_row: Callable[[tuple[Any, ...]], Any] | None  # named rows: a namedtuple's _make
    dollar: DollarSql | None  # the SQL for libpq (`raw_values`), None: psycopg's way only


class _Rows:
    """The part of a SQLAlchemy result the plans use."""

    __slots__ = ("rows",)

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows

    def all(self) -> Sequence[tuple[Any, ...]]:
        return self.rows

    def first(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None


def _array_text(items: list[Any]) -> Any:
    """A list of ints as PostgreSQL's array text ("{1,2,3}"), which the statement casts
    (SQLAlchemy renders `%(keys)s::INTEGER[]`), instead of psycopg's list dumper, which
    runs a regular expression per item. Other lists go as they are."""
    if all(type(item) is int for item in items):
        return "{" + ",".join(map(str, items)) + "}"
    return items


def _row_type(names: list[str]) -> Any:
    """A tuple type whose values are also attributes by column name (as SQLAlchemy rows)."""
    return namedtuple("Row", names)


class RawStatements:
    """The psycopg text of each prebuilt statement, compiled once for a dialect."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._compiled: dict[int, _Compiled | None] = {}
        # Called with each SQL text executed (statement counts in tests and benchmarks, as
        # SQLAlchemy's `before_cursor_execute` event for every other read).
        self.observers: list[Callable[[str], None]] = []

    def compiled(self, statement: Any) -> _Compiled:
        if isinstance(statement, OwnedStatement):
            if statement.compiled is None:
                statement.compiled = self._compile(statement.statement, False)
                if statement.compiled is None:
                    raise NotPrebuilt
            return statement.compiled
        key = id(statement)
        if key not in self._compiled:
            statement_and_named = _PREBUILT.get(key)
            if statement_and_named is None or statement_and_named[0] is not statement:
                raise NotPrebuilt  # built per request: SQLAlchemy's cache key serves it
            self._compiled[key] = self._compile(statement, statement_and_named[1])
        found = self._compiled[key]
        if found is None:
            raise NotPrebuilt
        return found

    def _compile(self, statement: Any, named: bool) -> _Compiled | None:
        compiled = statement.compile(dialect=self.dialect)
        if compiled.post_compile_params or compiled.literal_execute_params:
            return None  # expanded per execution
        columns = list(statement.selected_columns)
        for column in columns:
            if column.type._cached_result_processor(self.dialect, None) is not None:
                return None  # SQLAlchemy would convert the value
        make_row = None
        if named:
            make_row = _row_type([column.key for column in columns])._make
        sql = str(compiled)
        return _Compiled(
            sql, dict(compiled.params), dict(compiled._bind_processors), make_row, dollar_sql(sql)
        )


def _made(compiled: _Compiled, rows: list[Any]) -> list[Any]:
    if compiled.make_row is not None:
        return [compiled.make_row(row) for row in rows]
    return rows


class RawConnection:
    """What a plan calls on its connection (`execute(statement, parameters)`), on psycopg."""

    def __init__(
        self,
        connection: PsycopgConnection[Any],
        statements: RawStatements,
        prepared: PreparedNames | None = None,
    ) -> None:
        self.connection = connection
        self.statements = statements
        # The statements `raw_values` prepared on this connection: None, it is not ours
        # alone (a session's), so nothing is prepared on it behind psycopg's back.
        self.prepared = prepared

    async def execute(self, statement: Any, parameters: Mapping[str, Any] | None = None) -> _Rows:
        compiled, values = self._bound(statement, parameters)
        cursor = self.connection.cursor()
        try:
            await cursor.execute(self._observed(compiled.sql), values)
            rows = await cursor.fetchall()
        finally:
            await cursor.close()
        return _Rows(_made(compiled, rows))

    async def fetch_text(self, statement: Any, parameters: Mapping[str, Any] | None) -> bytes:
        """The first column of the first row, a text, as UTF-8 bytes: straight from libpq
        where it can (`raw_values`), else through psycopg's cursor."""
        compiled, values = self._bound(statement, parameters)
        if self.prepared is not None and compiled.dollar is not None:
            try:
                value = await fetch_value(self.connection, self.prepared, compiled.dollar, values)
            except Fallback:
                pass
            else:
                self._observed(compiled.sql)
                return value
        row = (await self.execute(statement, parameters)).first()
        if row is None or row[0] is None:
            raise ValueError("the statement returned no text")
        return str(row[0]).encode()

    async def execute_together(
        self, reads: Sequence[tuple[Any, Mapping[str, Any] | None]]
    ) -> list[_Rows]:
        """Several reads in one round trip (psycopg's pipeline mode; one after the other
        where libpq has none): the rows of each, in order. Raises `NotPrebuilt` before
        anything runs if one of them is not prebuilt."""
        bound = [self._bound(statement, parameters) for statement, parameters in reads]
        if not psycopg.Pipeline.is_supported():
            return [await self.execute(statement, parameters) for statement, parameters in reads]
        cursors = [self.connection.cursor() for _ in bound]
        try:
            async with self.connection.pipeline():
                for cursor, (compiled, values) in zip(cursors, bound, strict=True):
                    await cursor.execute(self._observed(compiled.sql), values)
            return [
                _Rows(_made(compiled, await cursor.fetchall()))
                for cursor, (compiled, _) in zip(cursors, bound, strict=True)
            ]
        finally:
            for cursor in cursors:
                await cursor.close()

    async def execute_sql(self, sql: str, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """SQL written for PostgreSQL (psycopg placeholders): a writer's statement that no
        prebuilt SQLAlchemy statement expresses (`db_rows.transaction_write`). Its rows, if
        it returns any."""
        cursor = self.connection.cursor()
        try:
            await cursor.execute(self._observed(sql), values)
            # Whether it returned rows, without `description` (a Column object per column).
            result = cursor.pgresult
            if result is None or result.status != psycopg.pq.ExecStatus.TUPLES_OK:
                return []
            return await cursor.fetchall()
        finally:
            await cursor.close()

    def _bound(
        self, statement: Any, parameters: Mapping[str, Any] | None
    ) -> tuple[_Compiled, dict[str, Any]]:
        """The statement's SQL and its parameters as psycopg takes them."""
        compiled = self.statements.compiled(statement)
        values = dict(compiled.defaults)
        if parameters:
            values.update(parameters)
        for name, process in compiled.processors.items():
            if values.get(name) is not None:
                values[name] = process(values[name])
                if type(values[name]) is list:
                    values[name] = _array_text(values[name])
        return compiled, values

    def _observed(self, sql: str) -> str:
        for observe in self.statements.observers:
            observe(sql)
        return sql

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[None]:
        """Every statement of the block reads one snapshot (a read-only REPEATABLE READ
        transaction), as `Database.session(read_only=True, snapshot=True)`."""
        await self.connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            yield
        finally:
            await self.connection.execute("COMMIT")


class RawReads:
    """A few autocommit psycopg connections, opened on first use, and the SQL of the
    prebuilt statements for them: no engine, pool events or isolation switch per read. A
    broken connection is closed, not reused."""

    def __init__(self, conninfo: str, size: int, dialect: Dialect) -> None:
        self.conninfo = conninfo
        self.statements = RawStatements(dialect)
        self._slots = asyncio.Semaphore(size)
        self._idle: list[tuple[PsycopgConnection[Any], PreparedNames]] = []

    def connection(self) -> _Lease:
        """`async with reads.connection() as raw:` one connection of the pool, for one read."""
        return _Lease(self)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for connection, _ in idle:
            await connection.close()


class _Lease:
    """One connection of a `RawReads` for one `async with` (a class, not a generator-based
    context manager: this runs on every hot read)."""

    __slots__ = ("raw", "reads")

    def __init__(self, reads: RawReads) -> None:
        self.reads = reads
        self.raw: RawConnection | None = None

    async def __aenter__(self) -> RawConnection:
        reads = self.reads
        await reads._slots.acquire()
        try:
            if reads._idle:
                connection, prepared = reads._idle.pop()
            else:
                connection = await PsycopgConnection.connect(reads.conninfo, autocommit=True)
                prepared = PreparedNames()
        except BaseException:
            reads._slots.release()
            raise
        self.raw = RawConnection(connection, reads.statements, prepared)
        return self.raw

    async def __aexit__(self, *_exc_info: object) -> None:
        reads, raw = self.reads, self.raw
        assert raw is not None and raw.prepared is not None
        try:
            # A statement that failed leaves an autocommit connection idle; a broken one,
            # or one with a command still in flight (a cancelled read), is closed. (libpq's
            # own state: `connection.info` builds a new object on every read.)
            pgconn = raw.connection.pgconn
            if (
                pgconn.status == psycopg.pq.ConnStatus.OK
                and pgconn.transaction_status == psycopg.pq.TransactionStatus.IDLE
            ):
                reads._idle.append((raw.connection, raw.prepared))
            else:
                await raw.connection.close()
        finally:
            reads._slots.release()
