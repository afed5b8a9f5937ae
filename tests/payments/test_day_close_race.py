"""Closing a day against ledger changes in flight, on PostgreSQL (SQLite serializes writers)."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from restaurant_api.payments import service
from restaurant_api.payments.models import Payment, PaymentStatus, Tender
from tests.payments.reporting import CAL, CheckSpec, L, add_check, at

DAY = date(2026, 6, 2)


@pytest.fixture
def only_postgres(backend):
    if backend.name != "postgresql":
        pytest.skip("a PostgreSQL race test")


async def test_a_close_waits_for_a_payment_in_flight_and_counts_it(only_postgres, db, manager):
    order = await add_check(db, CheckSpec([L("Steak", 2500)], placed=at(DAY, 2), closed=at(DAY, 3)))
    paying_started = asyncio.Event()
    release = asyncio.Event()

    async def pay() -> None:
        async with db.session() as session:
            await service.ensure_day_open(session, DAY)
            session.add(
                Payment(
                    order_id=order.id,
                    order_ref=order.id,
                    tender=Tender.CARD,
                    amount_cents=2500,
                    tendered_cents=2500,
                    status=PaymentStatus.CAPTURED,
                    business_date=DAY,
                )
            )
            await session.flush()
            paying_started.set()
            await release.wait()

    async def close() -> service.DayReport:
        await paying_started.wait()
        async with db.session() as session:
            return await service.close_business_day(
                session, actor=manager.user, calendar=CAL, day=DAY
            )

    paying = asyncio.create_task(pay())
    closing = asyncio.create_task(close())
    await paying_started.wait()
    # The close is blocked on the date's lock while the payment's transaction is open.
    done, _ = await asyncio.wait({closing}, timeout=0.5)
    assert not done
    release.set()
    await paying
    report = await closing
    assert report.paid_cents == 2500 and report.tenders[0].count == 1

    # After the close, a change of that date waits for nothing and is refused.
    async with db.session() as session:
        with pytest.raises(service.BusinessDayClosed):
            await service.ensure_day_open(session, DAY)
