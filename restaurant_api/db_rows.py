"""Rows in a writer's transaction without the ORM's per-statement cost: reference data read
(`transaction_rows`, on PostgreSQL straight on the session's own psycopg connection with
SQL compiled once) and instances built from rows as the ORM loads them
(`detached_instance`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

import orjson
import psycopg
from sqlalchemy import JSON, event
from sqlalchemy.orm import (
    ORMExecuteState,
    Session,
    UOWTransaction,
    class_mapper,
    make_transient_to_detached,
)
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.util import find_tables
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import (
    RAW_STATEMENTS_KEY,
    UTCDateTime,
    driver_error,
    json_column_loads,
    raw_column,
    session_driver,
    stored_utc,
    table_of,
)
from restaurant_api.raw_reads import NotPrebuilt, RawConnection, RawStatements, is_prebuilt

ModelT = TypeVar("ModelT", bound=SQLModel)


def whole_rows(model: type[SQLModel]) -> list[Any]:
    """The columns of `model`'s table as `detached_instance` reads them back."""
    return [raw_column(column) for column in table_of(model).c]


@cache
def _row_decoders(model: type[SQLModel]) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    """Each column's attribute name, and how a `raw_column` value of it becomes the ORM's."""
    decoders: list[tuple[str, Callable[[Any], Any] | None]] = []
    for column in table_of(model).c:
        if isinstance(column.type, JSON):
            decoders.append((column.key, json_column_loads))
        elif isinstance(column.type, UTCDateTime):
            decoders.append((column.key, stored_utc))  # SQLite's driver gives naive times
        else:
            decoders.append((column.key, None))
    return tuple(decoders)


def detached_instance(model: type[ModelT], row: Sequence[Any]) -> ModelT:
    """An instance of `model` from a row of its `whole_rows` columns, as the ORM loads one
    (values as stored, no validation: a quarter of `model_validate`'s cost), detached: a
    session that takes it updates its row, never inserts."""
    instance = class_mapper(model).class_manager.new_instance()
    values = instance.__dict__
    for (key, decode), value in zip(_row_decoders(model), row, strict=True):
        values[key] = value if decode is None or value is None else decode(value)
    make_transient_to_detached(instance)
    return instance


# A read in a writer's transaction: a prebuilt statement and its parameters.
Read = tuple[Any, dict[str, Any] | None]
# session.info: rows read ahead (`prefetch_rows`) by `_read_key`, with their tables' names.
PREFETCHED_KEY = "prefetched_rows"


async def _flush_pending(session: AsyncSession) -> None:
    """What the ORM's autoflush would do before a statement: the rows it reads or refers
    to must see the session's pending changes."""
    if session.new or session.dirty or session.deleted:
        await session.flush()


async def transaction_rows(
    session: AsyncSession, statement: Any, parameters: dict[str, Any] | None = None
) -> Sequence[Any]:
    """The rows of a Core select in the session's transaction (its locks and snapshot, its
    flushed changes), as tuples (named ones if the statement was prebuilt `named`).

    On PostgreSQL a `prebuilt` statement runs straight on the session's psycopg connection
    (`RawConnection`: its SQL compiled once, no execution context or result objects): a
    third of an ORM read's CPU. Writes read their reference data (tax rates, charge rules,
    stations) this way. Elsewhere, or for a statement built per call, SQLAlchemy runs it.
    Columns must give the driver's values as they are (`raw_column`). Rows read ahead for
    exactly this read (`prefetch_rows`) are served once, without a round trip.
    """
    await _flush_pending(session)
    prefetched: dict[Any, tuple[frozenset[str], Sequence[Any]]] | None = session.info.get(
        PREFETCHED_KEY
    )
    if prefetched:
        found = prefetched.pop(_read_key(statement, parameters), None)
        if found is not None:
            return found[1]
    statements: RawStatements | None = session.info.get(RAW_STATEMENTS_KEY)
    if statements is not None:
        connection, driver = await session_driver(session)
        try:
            return (await RawConnection(driver, statements).execute(statement, parameters)).all()
        except NotPrebuilt:
            pass
        except psycopg.Error as error:
            raise await driver_error(connection, driver, error, statement, parameters) from error
    connection = await session.connection()
    return (await connection.execute(statement, parameters or {})).all()


@dataclass(frozen=True, slots=True)
class RawWrite:
    """A writer's statement in PostgreSQL's own SQL (psycopg placeholders), for a write that
    no SQLAlchemy statement does in one statement: rows of several tables inserted together
    by data-modifying CTEs. `tables`: every table it writes (see `transaction_write`)."""

    sql: str
    tables: frozenset[str]


def persist_written(session: AsyncSession, instances: Iterable[SQLModel]) -> None:
    """New instances whose rows a `RawWrite` inserted from their values (`new_row_values`),
    their ids set from its RETURNING: persistent in `session`, as a flush leaves them."""
    kept = list(instances)
    for instance in kept:
        make_transient_to_detached(instance)
    session.add_all(kept)


def new_row_values(instance: SQLModel, *, without: Iterable[str] = ("id",)) -> dict[str, Any]:
    """A new instance's column values (its defaults applied) by column name, for a
    `RawWrite` that inserts it: the model stays the one place that knows its defaults."""
    skipped = set(without)
    return {
        column.name: getattr(instance, column.key)
        for column in table_of(type(instance)).c
        if column.name not in skipped
    }


def json_records(rows: Sequence[dict[str, Any]] | dict[str, Any]) -> str:
    """Rows as a JSON parameter of a `RawWrite` (read by `json_populate_recordset` and the
    like): orjson writes times in RFC 3339 with their microseconds and offset, which
    PostgreSQL reads back exactly, and enums as their values."""
    return orjson.dumps(rows).decode()


# Told of each raw write's tables, as the session's flush events tell them of the ORM's:
# the cache generations to bump (restaurant_api.generations), the reads ahead to drop.
RAW_WRITE_LISTENERS: list[Callable[[Session, frozenset[str]], None]] = []


def writes_raw(session: AsyncSession) -> bool:
    """Whether `transaction_write` runs on this session (PostgreSQL)."""
    return RAW_STATEMENTS_KEY in session.info


async def transaction_write(
    session: AsyncSession, write: RawWrite, parameters: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """Run `write` in the session's transaction, on its psycopg connection (only where
    `writes_raw`): one statement and its rows, without the ORM's unit of work. The session's
    pending changes are flushed first (rows it refers to exist); its errors are raised as
    SQLAlchemy's, as the ORM's would be."""
    statements: RawStatements | None = session.info.get(RAW_STATEMENTS_KEY)
    if statements is None:
        raise RuntimeError("raw writes run on PostgreSQL only (see writes_raw)")
    await _flush_pending(session)
    connection, driver = await session_driver(session)
    try:
        rows = await RawConnection(driver, statements).execute_sql(write.sql, parameters)
    except psycopg.Error as error:
        raise await driver_error(connection, driver, error, write.sql, parameters) from error
    for listener in RAW_WRITE_LISTENERS:
        listener(session.sync_session, write.tables)
    return rows


async def prefetch_rows(session: AsyncSession, reads: Sequence[Read]) -> None:
    """Run these reads now, together: one round trip on PostgreSQL (psycopg's pipeline
    mode) instead of one each, for `transaction_rows` calls later in this transaction that
    ask for the same statement with the same parameters (each served once).

    What the session writes afterwards to a table a read ahead read drops its rows (the
    call then reads them again), so a read never misses the transaction's own changes.
    Elsewhere (SQLite), or if a read is not `prebuilt`, nothing: each read runs when asked.
    """
    statements: RawStatements | None = session.info.get(RAW_STATEMENTS_KEY)
    # Only prebuilt statements: their ids key the rows, their tables are known once.
    if statements is None or len(reads) < 2 or not all(is_prebuilt(s) for s, _ in reads):
        return
    await _flush_pending(session)
    connection, driver = await session_driver(session)
    try:
        results = await RawConnection(driver, statements).execute_together(reads)
    except NotPrebuilt:
        return
    except psycopg.Error as error:
        raise await driver_error(connection, driver, error, reads[0][0], None) from error
    store = session.info.setdefault(PREFETCHED_KEY, {})
    for (statement, parameters), rows in zip(reads, results, strict=True):
        store[_read_key(statement, parameters)] = (_tables_of(statement), rows.all())


def _read_key(statement: Any, parameters: dict[str, Any] | None) -> Any:
    # Prebuilt statements live as long as the process: their ids are theirs alone.
    items = sorted((parameters or {}).items())
    return id(statement), tuple(
        (name, tuple(value) if isinstance(value, list) else value) for name, value in items
    )


@cache
def _tables_of(statement: Any) -> frozenset[str]:
    return frozenset(table.name for table in find_tables(statement, include_crud=True))


def _forget_prefetched(session: Session, tables: Iterable[str]) -> None:
    """Drop rows read ahead from any of `tables`: the session is writing to them."""
    prefetched = session.info.get(PREFETCHED_KEY)
    if not prefetched:
        return
    written = set(tables)
    for key in [key for key, (read, _) in prefetched.items() if not read.isdisjoint(written)]:
        del prefetched[key]


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    if session.info.get(PREFETCHED_KEY):
        _forget_prefetched(
            session,
            (
                getattr(instance, "__tablename__", "")
                for instance in (*session.new, *session.dirty, *session.deleted)
            ),
        )


RAW_WRITE_LISTENERS.append(_forget_prefetched)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    statement = state.statement
    if isinstance(statement, UpdateBase) and state.session.info.get(PREFETCHED_KEY):
        _forget_prefetched(state.session, [getattr(statement.table, "name", "")])
