"""Rows in a writer's transaction without the ORM's per-statement cost: reference data read
(`transaction_rows`, on PostgreSQL straight on the session's own psycopg connection with
SQL compiled once) and instances built from rows as the ORM loads them
(`detached_instance`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, TypeVar

import psycopg
from sqlalchemy import JSON, exc
from sqlalchemy.orm import class_mapper, make_transient_to_detached
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import (
    RAW_STATEMENTS_KEY,
    UTCDateTime,
    json_column_loads,
    raw_column,
    stored_utc,
    table_of,
)
from restaurant_api.raw_reads import NotPrebuilt, RawConnection, RawStatements

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


async def transaction_rows(
    session: AsyncSession, statement: Any, parameters: dict[str, Any] | None = None
) -> Sequence[Any]:
    """The rows of a Core select in the session's transaction (its locks and snapshot, its
    flushed changes), as tuples (named ones if the statement was prebuilt `named`).

    On PostgreSQL a `prebuilt` statement runs straight on the session's psycopg connection
    (`RawConnection`: its SQL compiled once, no execution context or result objects): a
    third of an ORM read's CPU. Writes read their reference data (tax rates, charge rules,
    stations) this way. Elsewhere, or for a statement built per call, SQLAlchemy runs it.
    Columns must give the driver's values as they are (`raw_column`).
    """
    if session.new or session.dirty or session.deleted:
        await session.flush()  # what the ORM's autoflush would have done
    connection = await session.connection()
    statements: RawStatements | None = session.info.get(RAW_STATEMENTS_KEY)
    if statements is not None:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None  # a checked-out connection has its driver's connection
        try:
            return (await RawConnection(driver, statements).execute(statement, parameters)).all()
        except NotPrebuilt:
            pass
        except psycopg.Error as error:
            # As SQLAlchemy would raise it (the handlers answer 503 for a lost database),
            # with the pool told of a broken connection.
            broken = driver.closed or driver.broken
            if broken:
                await connection.invalidate()
            raise exc.DBAPIError.instance(
                str(statement), parameters, error, psycopg.Error, connection_invalidated=broken
            ) from error
    return (await connection.execute(statement, parameters or {})).all()
