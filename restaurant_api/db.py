"""Engines, sessions and the unit of work: services flush, the request boundary commits."""

from __future__ import annotations

import asyncio
import json
import select
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson
import psycopg
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Table,
    Text,
    any_,
    bindparam,
    cast,
    event,
    exc,
    inspect,
    text,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.raw_reads import RawReads, RawStatements

# Named constraints make migrations reproducible and let batch mode on SQLite drop them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

AFTER_COMMIT_KEY = "after_commit"
# The prebuilt statements' SQL for the sessions' dialect (PostgreSQL): see `transaction_rows`.
RAW_STATEMENTS_KEY = "raw_statements"
BEFORE_COMMIT_KEY = "before_commit"
WITH_COMMIT_KEY = "with_commit"

# Primary keys are 32-bit INTEGERs: a larger number names no row, and must not reach the
# database (PostgreSQL rejects it, SQLite's driver overflows).
MAX_ID = 2**31 - 1


def is_valid_id(value: int) -> bool:
    return 0 < value <= MAX_ID


def primary_key() -> Any:
    """The integer primary key of a table, assigned by the database on flush.

    Declare it `id: int = primary_key()`, not `int | None`: every row the services hand
    around has been flushed, so its id is set; None is only the placeholder of a row built
    and not yet flushed. The column is the same either way (primary keys are NOT NULL).
    """
    return Field(default=None, primary_key=True)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a table model (SQLModel sets `__table__`; its type hints omit it)."""
    table = inspect(model).local_table
    assert isinstance(table, Table)  # a table model maps exactly one table
    return table


def utcnow() -> datetime:
    return datetime.now(UTC)


class Versioned(Protocol):
    version: int
    updated_at: datetime


def bump_version(row: Versioned) -> None:
    """A row changed: its version (what optimistic locking compares) and its change time."""
    row.version += 1
    row.updated_at = utcnow()


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite stores no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else stored_utc(value)


def stored_utc(value: datetime) -> datetime:
    """A stored time as UTCDateTime reads it (naive means UTC: SQLite), for reads that take
    the driver's value as it is (`raw_column`) and convert only what they show."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def raw_column(column: Any) -> Any:
    """`column` for a select whose values the driver gives as they are: times untouched
    (`stored_utc` converts those shown) and JSON as its text (`json_list` / orjson decode
    those needed). No result processor is left, so `raw_reads` can run the statement."""
    if isinstance(column.type, UTCDateTime):
        return type_coerce(column, DateTime(timezone=True)).label(column.key)
    if isinstance(column.type, JSON):
        return cast(column, Text).label(column.key)
    return column


class OneOf(ColumnElement[bool]):
    """`column` is one of the list bound as `name`: `= ANY(:name)` with one array parameter
    on PostgreSQL (one SQL text whatever the list's length, so psycopg prepares it once
    and SQLAlchemy renders no parameter per item), an expanding `IN` elsewhere."""

    inherit_cache = True
    _is_implicitly_boolean = True  # a condition itself: no `= 1` where booleans are ints
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("name", InternalTraversal.dp_string),
    ]

    def __init__(self, column: ColumnElement[Any], name: str) -> None:
        self.column = column
        self.name = name
        self.type = Boolean()


@compiles(OneOf)
def _one_of_in(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.in_(bindparam(element.name, expanding=True)), **kw)


@compiles(OneOf, "postgresql")
def _one_of_any(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    array = bindparam(element.name, type_=ARRAY(element.column.type))
    return compiler.process(element.column == any_(array), **kw)


def json_column_loads(text: str | bytes) -> Any:
    """JSON columns (order and ticket line modifiers, a list per line) decoded by orjson:
    a few hundred per order page, ten times faster than `json`. Anything orjson refuses
    and `json` accepts (NaN, integers beyond 64 bits) is still read, by `json`."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def json_list(text: str) -> list[Any]:
    """A JSON list column read as its text (`CAST(... AS TEXT)`), decoded as the model would.

    Reads that show few of a row's JSON values select them as text and decode only those;
    "[]" (no modifiers, no options) is the common case and costs no parsing.
    """
    if text == "[]":
        return []
    value = json_column_loads(text)
    if not isinstance(value, list):
        raise TypeError(f"a JSON list column holds {type(value).__name__}")
    return value


def after_commit(session: AsyncSession, callback: Callable[[], Awaitable[None]]) -> None:
    """Run `callback` once the surrounding transaction has committed (never on rollback)."""
    session.info.setdefault(AFTER_COMMIT_KEY, []).append(callback)


BeforeCommitHandler = Callable[[AsyncSession, list[Any]], Awaitable[None]]


def before_commit(session: AsyncSession, handler: BeforeCommitHandler, item: Any) -> None:
    """Hand `item` to `handler` inside the transaction, on its connection, just before commit.

    Items registered with the same handler arrive together (one call per commit), so a
    transaction's change events can go out in one statement.
    """
    session.info.setdefault(BEFORE_COMMIT_KEY, []).append((handler, item))


async def run_before_commit(session: AsyncSession) -> None:
    """Call the before-commit handlers; the caller commits next (or rolls back if this raises)."""
    pending: list[tuple[BeforeCommitHandler, Any]] = session.info.pop(BEFORE_COMMIT_KEY, [])
    batches: dict[BeforeCommitHandler, list[Any]] = {}
    for handler, item in pending:
        batches.setdefault(handler, []).append(item)
    for handler, items in batches.items():
        await handler(session, items)


def send_with_commit(session: AsyncSession, sql: str, params: Sequence[Any]) -> None:
    """Run `sql` (psycopg's placeholders) last in the transaction, in the round trip of its
    COMMIT (`commit_session`, PostgreSQL): for statements whose answer nobody reads (the
    change events' pg_notify). Register them from a before-commit handler."""
    session.info.setdefault(WITH_COMMIT_KEY, []).append((sql, params))


async def commit_session(session: AsyncSession) -> None:
    """`session.commit()`, with the statements sent with it (`send_with_commit`) and the
    COMMIT in one round trip (psycopg's pipeline mode): the ORM's pending changes are
    flushed first, so SQLAlchemy's commit then has nothing to send (psycopg sends no
    COMMIT outside a transaction). A failure is raised as SQLAlchemy raises it."""
    last: list[tuple[str, Sequence[Any]]] | None = session.info.pop(WITH_COMMIT_KEY, None)
    if last:
        await session.flush()
        connection, driver = await session_driver(session)  # registered on PostgreSQL only
        raw: RawStatements | None = session.info.get(RAW_STATEMENTS_KEY)
        try:
            async with driver.pipeline():
                for sql, params in last:
                    for observe in raw.observers if raw is not None else ():
                        observe(sql)  # counted as the statements run on psycopg
                    await driver.execute(sql, params)
                # As a statement, not `driver.commit()`: that syncs inside the pipeline,
                # and leaving the pipeline syncs again (a second round trip).
                await driver.execute("COMMIT")
        except psycopg.Error as error:
            raise await driver_error(connection, driver, error, *last[-1]) from error
    await session.commit()


async def session_driver(
    session: AsyncSession,
) -> tuple[AsyncConnection, psycopg.AsyncConnection[Any]]:
    """The session's connection (its transaction begun) and the psycopg connection under
    it, for SQL run straight on psycopg in that transaction (PostgreSQL only)."""
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    assert isinstance(driver, psycopg.AsyncConnection)
    return connection, driver


async def driver_error(
    connection: AsyncConnection,
    driver: psycopg.AsyncConnection[Any],
    error: psycopg.Error,
    statement: Any,
    parameters: Any,
) -> exc.StatementError:
    """An error of SQL run straight on psycopg, as SQLAlchemy would raise it (the handlers
    answer 503 for a lost database), with the pool told of a broken connection."""
    broken = driver.closed or driver.broken
    if broken:
        await connection.invalidate()
    return exc.DBAPIError.instance(
        str(statement), parameters, error, psycopg.Error, connection_invalidated=broken
    )


def commit_hooks_mark(session: AsyncSession) -> tuple[int, int]:
    """How many commit hooks are registered now (before a savepoint)."""
    info = session.info
    return len(info.get(BEFORE_COMMIT_KEY, ())), len(info.get(AFTER_COMMIT_KEY, ()))


def drop_commit_hooks_since(session: AsyncSession, mark: tuple[int, int]) -> None:
    """Forget hooks registered after `mark`: their savepoint rolled back."""
    for key, length in zip((BEFORE_COMMIT_KEY, AFTER_COMMIT_KEY), mark, strict=True):
        del session.info.get(key, [])[length:]


def _install_sqlite_behaviour(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over BEGIN from the driver so that SAVEPOINT and our BEGIN IMMEDIATE work.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers serialize on SQLite: taking the write lock up front means a transaction
        # never fails half-way when it upgrades from reading to writing.
        deferred = connection.get_execution_options().get("sqlite_read_only", False)
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def _install_postgres_behaviour(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        # Instead of a pre-ping (a round trip per checkout): an idle connection has nothing
        # to read, so a readable socket means the server closed it (pg_terminate_backend,
        # a restart: its FATAL message or EOF is waiting). A zero-timeout poll costs a
        # system call; the pool then replaces the connection (up to three attempts).
        # A connection that dies silently (no FIN) is caught by SQLAlchemy's invalidation
        # on the disconnect error, pool_recycle, and the one retry of a read (see main).
        connection = getattr(dbapi_connection, "driver_connection", dbapi_connection)
        pgconn = getattr(connection, "pgconn", None)
        if pgconn is None:
            return
        try:
            readable, _, _ = select.select([pgconn.socket], [], [], 0)
        except (OSError, ValueError, psycopg.Error) as error:  # closed: no socket
            raise exc.DisconnectionError("the connection's socket is gone") from error
        if readable:
            raise exc.DisconnectionError("the server closed the connection")


class Database:
    """One engine and its session factories; owned by the application.

    Pool (PostgreSQL): `pool_size` connections and no overflow. One worker is CPU-bound
    long before 10 connections are busy (a read holds one for well under a millisecond
    of database time), so extra requests wait for a connection (in order) instead of
    opening overflow connections that the pool closes again when they come back: the old
    `max_overflow=pool_size` opened and closed ~500 sessions in 10 s under 32 connections.
    `pool_timeout` bounds that wait. Reads on PostgreSQL run in autocommit (no
    BEGIN/COMMIT round trips): under READ COMMITTED an explicit transaction gives each
    statement its own snapshot anyway, so a read of one statement (or of statements that
    need no common snapshot) loses nothing; `session(read_only=True, snapshot=True)` is a
    REPEATABLE READ READ ONLY transaction for reads whose statements must agree.
    """

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        max_overflow: int = 0,
        pool_timeout: float = 30,
        echo: bool = False,
        raw_reads: bool = True,
    ) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.raw_reads: RawReads | None = None
        if self.is_sqlite:
            self.engine = create_async_engine(
                url, echo=echo, connect_args={"timeout": 30}, json_deserializer=json_column_loads
            )
            _install_sqlite_behaviour(self.engine)
            read_engine = self.engine.execution_options(sqlite_read_only=True)
            # A deferred BEGIN: SQLite's snapshot already spans the whole read transaction.
            snapshot_engine = read_engine
        else:
            self.engine = create_async_engine(
                url,
                echo=echo,
                pool_size=pool_size,
                max_overflow=max_overflow,
                pool_timeout=pool_timeout,
                pool_recycle=1800,
                json_deserializer=json_column_loads,
            )
            _install_postgres_behaviour(self.engine)
            conninfo = self.engine.url.set(drivername="postgresql")
            self.raw_reads = (
                None
                if not raw_reads
                else RawReads(
                    conninfo.render_as_string(hide_password=False),
                    size=min(pool_size, 4),
                    dialect=self.engine.dialect,
                )
            )
            # Same pool: psycopg switches autocommit and the isolation level on the client,
            # without a round trip, and SQLAlchemy restores them when the connection returns.
            read_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
            snapshot_engine = self.engine.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        # Sessions on PostgreSQL run prebuilt reads on their own psycopg connection.
        info = {} if self.raw_reads is None else {RAW_STATEMENTS_KEY: self.raw_reads.statements}
        # SQLite has one writer at a time. Queuing this process's writers here, in order,
        # replaces SQLite's busy handler (which sleeps in growing steps) for them.
        self._writer = asyncio.Lock() if self.is_sqlite else None
        self.sessionmaker = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False, autoflush=True, info=info
        )
        self.read_engine = read_engine
        self.read_sessionmaker = async_sessionmaker(
            read_engine, class_=AsyncSession, expire_on_commit=False, autoflush=True, info=info
        )
        self.snapshot_sessionmaker = async_sessionmaker(
            snapshot_engine, class_=AsyncSession, expire_on_commit=False, autoflush=True, info=info
        )

    async def acquire_write_turn(self) -> bool:
        """Wait for this process's turn to write (SQLite only); True when one was taken."""
        if self._writer is None:
            return False
        await self._writer.acquire()
        return True

    def release_write_turn(self) -> None:
        if self._writer is not None:
            self._writer.release()

    @asynccontextmanager
    async def write_turn(self, *, needed: bool = True) -> AsyncIterator[None]:
        taken = needed and await self.acquire_write_turn()
        try:
            yield
        finally:
            if taken:
                self.release_write_turn()

    @asynccontextmanager
    async def session(
        self, *, read_only: bool = False, snapshot: bool = False
    ) -> AsyncIterator[AsyncSession]:
        """A unit of work: commit when the block succeeds, roll back when it raises.

        `read_only`: no write lock (SQLite), no transaction (PostgreSQL, autocommit);
        with `snapshot`, every statement of the block reads the same snapshot.
        """
        if read_only:
            factory = self.snapshot_sessionmaker if snapshot else self.read_sessionmaker
        else:
            factory = self.sessionmaker
        async with self.write_turn(needed=not read_only), factory() as session:
            try:
                yield session
                await run_before_commit(session)
                await commit_session(session)
            except BaseException as error:
                if getattr(error, "keeps_changes", False):
                    await session.commit()
                else:
                    await session.rollback()
                raise
            callbacks = session.info.pop(AFTER_COMMIT_KEY, [])
        for callback in callbacks:
            await callback()

    @asynccontextmanager
    async def read_connection(self) -> AsyncIterator[AsyncConnection]:
        """A connection for Core reads without an ORM session (autocommit on PostgreSQL,
        a read transaction rolled back on close on SQLite)."""
        async with self.read_engine.connect() as connection:
            yield connection

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        if self.raw_reads is not None:
            await self.raw_reads.close()
        await self.engine.dispose()
