"""Rows in a writer's transaction (`db_rows`): reference data read (on PostgreSQL on the
session's psycopg connection) and instances built as the ORM loads them."""

from __future__ import annotations

from datetime import UTC

import psycopg
import pytest
from sqlalchemy import exc
from sqlmodel import select, update

from restaurant_api.db import table_of
from restaurant_api.db_rows import (
    RawWrite,
    detached_instance,
    json_records,
    new_row_values,
    prefetch_rows,
    transaction_rows,
    transaction_write,
    whole_rows,
    writes_raw,
)
from restaurant_api.pricing import charge_rules
from restaurant_api.pricing.models import AdjustmentKind, ServiceChargeRule, TaxRate
from restaurant_api.pricing.service import load_tax_rates, tax_rates_read
from restaurant_api.raw_reads import prebuilt

_RULES = table_of(ServiceChargeRule)
_RULE_BY_NAME = prebuilt(
    select(*whole_rows(ServiceChargeRule)).where(_RULES.c.name_key == "large party")
)


def _columns(rule: ServiceChargeRule) -> dict[str, object]:
    return {column.key: getattr(rule, column.key) for column in _RULES.c}


def _rule() -> ServiceChargeRule:
    return ServiceChargeRule(
        name="Large party",
        name_key="large party",
        kind=AdjustmentKind.PERCENT,
        rate_ppm=180_000,
        taxable=True,
        auto_min_guests=6,
        dining_options=["dine_in"],
    )


async def _store_rule(db) -> None:
    async with db.session() as session:
        session.add(_rule())


async def _read_rule(session) -> ServiceChargeRule:
    (row,) = await transaction_rows(session, _RULE_BY_NAME)
    return detached_instance(ServiceChargeRule, row)


async def test_reads_see_the_transactions_own_changes_and_run_on_psycopg(db, backend):
    raw_sql: list[str] = []
    if db.raw_reads is not None:
        db.raw_reads.statements.observers.append(raw_sql.append)
    try:
        async with db.session() as session:
            # Pending, not flushed: the read flushes first, as the ORM's autoflush would.
            session.add(TaxRate(name="City", name_key="city", rate_ppm=45_000, is_default=True))
            rates = await load_tax_rates(session)
            assert [(rate.name, rate.rate_ppm) for rate in rates.defaults] == [("City", 45_000)]
            await session.rollback()
        async with db.session() as session:
            assert (await load_tax_rates(session)).defaults == ()  # rolled back with it
    finally:
        if db.raw_reads is not None:
            db.raw_reads.statements.observers.remove(raw_sql.append)
    if backend.name == "postgresql":
        assert sum("FROM tax_rates" in sql for sql in raw_sql) == 2
    else:
        assert raw_sql == []


async def test_a_detached_instance_is_the_row_the_orm_loads(db):
    await _store_rule(db)
    async with db.session() as session:
        rule = await _read_rule(session)
        loaded = (await session.exec(select(ServiceChargeRule))).one()
        assert rule is not loaded
        assert _columns(rule) == _columns(loaded)
        assert rule.kind == AdjustmentKind.PERCENT  # as the ORM loads it: the stored text
        assert rule.dining_options == ["dine_in"]
        assert rule.created_at.tzinfo is not None
        assert rule.created_at.astimezone(UTC) == loaded.created_at.astimezone(UTC)
        (automatic,) = await charge_rules.all_automatic_charge_rules(session)
        assert _columns(automatic) == _columns(loaded)


async def test_a_detached_instance_updates_its_row_never_inserts(db):
    await _store_rule(db)
    async with db.session() as session:
        rule = await _read_rule(session)
        session.add(rule)
        rule.rate_ppm = 200_000
    async with db.session() as session:
        rules = (await session.exec(select(ServiceChargeRule))).all()
        assert [(r.name, r.rate_ppm) for r in rules] == [("Large party", 200_000)]


async def test_a_lost_connection_is_a_database_error_and_leaves_the_pool(db, backend, postgres):
    if backend.name != "postgresql":
        pytest.skip("the psycopg path runs on PostgreSQL only")
    async with db.session() as session:
        connection = await session.connection()
        driver = (await connection.get_raw_connection()).driver_connection
        pid = driver.info.backend_pid
        with psycopg.connect(postgres.conninfo(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(exc.DBAPIError) as raised:
            await load_tax_rates(session)
        assert raised.value.connection_invalidated
        await session.rollback()
    async with db.session() as session:  # a new connection: the broken one is gone
        assert (await load_tax_rates(session)).defaults == ()


# --- reads ahead (`prefetch_rows`): one round trip for reads that need no other's answer ---


def _reads_of(counter, table: str) -> int:
    return sum(f"FROM {table}" in sql for sql in counter.statements)


async def test_reads_ahead_are_served_once_each(db, backend, count_statements):
    await _store_rule(db)
    async with db.session() as session:
        with count_statements() as ahead:
            await prefetch_rows(session, [tax_rates_read(), charge_rules.automatic_rules_read()])
        with count_statements() as asked:
            rates = await load_tax_rates(session)
            (rule,) = await charge_rules.all_automatic_charge_rules(session)
        with count_statements() as again:
            (same,) = await charge_rules.all_automatic_charge_rules(session)
    assert rates.defaults == () and rule.name == same.name == "Large party"
    assert _reads_of(again, "service_charge_rules") == 1  # served once: read again
    if backend.name == "postgresql":
        assert _reads_of(ahead, "tax_rates") == _reads_of(ahead, "service_charge_rules") == 1
        assert asked.statements == []
    else:  # nothing ahead: each read runs when asked
        assert ahead.statements == []
        assert _reads_of(asked, "tax_rates") == _reads_of(asked, "service_charge_rules") == 1


async def test_a_read_ahead_is_not_served_for_other_parameters(db, count_statements):
    async with db.session() as session:
        await prefetch_rows(session, [tax_rates_read([1]), charge_rules.automatic_rules_read()])
        with count_statements() as asked:
            await load_tax_rates(session, [2])
        assert _reads_of(asked, "tax_rates") == 1


async def test_a_write_to_a_table_read_ahead_drops_its_rows(db, count_statements):
    await _store_rule(db)
    async with db.session() as session:
        await prefetch_rows(session, [tax_rates_read(), charge_rules.automatic_rules_read()])
        # Pending, flushed by the read: the rows read ahead of tax_rates are dropped ...
        session.add(TaxRate(name="City", name_key="city", rate_ppm=45_000, is_default=True))
        with count_statements() as asked:
            rates = await load_tax_rates(session)
        assert [(rate.name, rate.rate_ppm) for rate in rates.defaults] == [("City", 45_000)]
        assert _reads_of(asked, "tax_rates") == 1
        # ... and a Core UPDATE drops those of the table it writes.
        await session.exec(update(ServiceChargeRule).values(rate_ppm=200_000))
        (rule,) = await charge_rules.all_automatic_charge_rules(session)
        assert rule.rate_ppm == 200_000
        await session.rollback()


async def test_a_failed_read_ahead_is_a_database_error(db, backend):
    if backend.name != "postgresql":
        pytest.skip("reads ahead run on PostgreSQL only")
    async with db.session() as session:
        with pytest.raises(exc.DBAPIError) as raised:  # beyond PostgreSQL's INTEGER
            await prefetch_rows(session, [tax_rates_read([2**40]), tax_rates_read([1])])
        assert not raised.value.connection_invalidated
        await session.rollback()
    async with db.session() as session:  # the connection is usable again
        assert (await load_tax_rates(session, [1])).defaults == ()


# --- raw writes (`transaction_write`): a write of several tables in one statement --------

_NEW_RATE = RawWrite(
    "INSERT INTO tax_rates (name, name_key, rate_ppm, inclusive, is_default, dining_options,"
    " is_active, created_at, updated_at) SELECT name, name_key, rate_ppm, inclusive,"
    " is_default, dining_options, is_active, created_at, updated_at"
    " FROM json_populate_record(NULL::tax_rates, %(rate)s::json) RETURNING id",
    frozenset({"tax_rates"}),
)


def _rate_values(name: str) -> dict[str, object]:
    rate = TaxRate(name=name, name_key=name.casefold(), rate_ppm=45_000, is_default=True)
    return {"rate": json_records(new_row_values(rate))}


async def test_a_raw_write_drops_the_rows_read_ahead_of_its_tables(db, backend):
    async with db.session() as session:
        if backend.name != "postgresql":  # SQLite writes through the ORM only
            assert not writes_raw(session)
            with pytest.raises(RuntimeError):
                await transaction_write(session, _NEW_RATE, _rate_values("City"))
            return
        await prefetch_rows(session, [tax_rates_read(), charge_rules.automatic_rules_read()])
        ((rate_id,),) = await transaction_write(session, _NEW_RATE, _rate_values("City"))
        rates = await load_tax_rates(session)  # read again, not the rows read before
        assert [(rate.id, rate.name) for rate in rates.defaults] == [(rate_id, "City")]
        await session.rollback()


async def test_a_refused_raw_write_is_sqlalchemys_error_and_the_session_goes_on(db, backend):
    if backend.name != "postgresql":
        pytest.skip("raw writes run on PostgreSQL only")
    async with db.session() as session:
        await transaction_write(session, _NEW_RATE, _rate_values("City"))
    async with db.session() as session:
        with pytest.raises(exc.IntegrityError) as raised:  # name_key is unique
            await transaction_write(session, _NEW_RATE, _rate_values("City"))
        assert not raised.value.connection_invalidated
        await session.rollback()
        assert [rate.name for rate in (await load_tax_rates(session)).defaults] == ["City"]
