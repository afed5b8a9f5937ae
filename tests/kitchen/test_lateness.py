"""Late tickets: found by the sweep at an explicit `now`, stamped and announced once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from restaurant_api.api.node import to_global_id
from restaurant_api.db import Database
from restaurant_api.events import Topic
from restaurant_api.kitchen import lateness
from restaurant_api.kitchen.models import KitchenTicket, KitchenTicketLine, TicketStatus
from restaurant_api.kitchen.routing import station_by_name
from restaurant_api.kitchen.watch import KitchenWatch, run_sweeps, sweep_late_tickets
from restaurant_api.orders.models import Order
from tests.live.conftest import OtherListener

FIRED = datetime(2026, 3, 14, 18, 0, tzinfo=UTC)


async def make_fired_ticket(
    db: Database,
    *,
    station: str = "kitchen",
    status: TicketStatus = TicketStatus.PENDING,
    fired_at: datetime = FIRED,
    lines: tuple[tuple[str, int | None], ...] = (("Ribeye", 25), ("Fries", 8)),
    dismissed: bool = False,
    ready_at: datetime | None = None,
) -> KitchenTicket:
    """A fired ticket due at `fired_at` + its longest line target."""
    targets = [minutes for _name, minutes in lines if minutes is not None]
    async with db.session() as session:
        order = Order(customer_count=2)
        session.add(order)
        await session.flush()
        known = await station_by_name(session, station)
        assert known is not None, station
        ticket = KitchenTicket(
            order_id=order.id,
            station=known.name,
            station_id=known.id,
            status=status,
            fired_at=fired_at,
            due_at=fired_at + timedelta(minutes=max(targets)) if targets else None,
            ready_at=ready_at,
            dismissed_at=fired_at if dismissed else None,
            created_at=fired_at,
        )
        session.add(ticket)
        await session.flush()
        for name, minutes in lines:
            session.add(
                KitchenTicketLine(ticket_id=ticket.id, name=name, quantity=2, prep_minutes=minutes)
            )
    return ticket


async def sweep(db: Database, now: datetime) -> list[int]:
    async with db.session() as session:
        return [ticket.id for ticket in await lateness.detect_late_tickets(session, now=now)]


async def read(db: Database, ticket_id: int) -> KitchenTicket:
    async with db.session(read_only=True) as session:
        ticket = await session.get(KitchenTicket, ticket_id)
        assert ticket is not None
        return ticket


async def test_not_late_before_due_then_late_once(backend, db, app):
    ticket = await make_fired_ticket(db)
    due = FIRED + timedelta(minutes=25)
    async with OtherListener(app.state.events) as listener:
        assert await sweep(db, due - timedelta(seconds=1)) == []
        assert (await read(db, ticket.id)).late_at is None
        assert await sweep(db, due) == [ticket.id]
        stamped = await read(db, ticket.id)
        assert stamped.late_at == due
        assert stamped.status == TicketStatus.PENDING
        # Later sweeps find nothing new and announce nothing.
        assert await sweep(db, due + timedelta(minutes=1)) == []
        assert await sweep(db, due + timedelta(minutes=5)) == []
        assert (await read(db, ticket.id)).late_at == due
        received = [event for batch in await listener.received() for event in batch]
    alerts = [event for event in received if event.topic is Topic.KITCHEN_ALERT]
    assert [(a.id, a.station, a.status) for a in alerts] == [(ticket.id, "kitchen", "late")]
    changes = [event for event in received if event.topic is Topic.KITCHEN_TICKET]
    assert [event.id for event in changes] == [ticket.id]


async def test_preparing_goes_late_ready_held_dismissed_and_untimed_never(backend, db):
    late_time = FIRED + timedelta(hours=2)
    preparing = await make_fired_ticket(db, status=TicketStatus.PREPARING)
    ready = await make_fired_ticket(db, status=TicketStatus.READY, ready_at=FIRED)
    served = await make_fired_ticket(db, status=TicketStatus.SERVED, ready_at=FIRED)
    held = await make_fired_ticket(db, status=TicketStatus.HELD)
    dismissed = await make_fired_ticket(db, dismissed=True)
    untimed = await make_fired_ticket(db, lines=(("Bread", None),))
    assert await sweep(db, late_time) == [preparing.id]
    for ticket in (ready, served, held, dismissed, untimed):
        assert (await read(db, ticket.id)).late_at is None, ticket.status


async def test_oldest_due_first_and_bounded_per_sweep(backend, db):
    slow = await make_fired_ticket(db, lines=(("Brisket", 60),))
    quick = await make_fired_ticket(db, lines=(("Soup", 5),))
    now = FIRED + timedelta(hours=3)
    async with db.session() as session:
        first = await lateness.detect_late_tickets(session, now=now, limit=1)
    assert [ticket.id for ticket in first] == [quick.id]
    assert await sweep(db, now) == [slow.id]


async def test_two_concurrent_sweeps_stamp_each_ticket_once(backend, db):
    tickets = [await make_fired_ticket(db) for _ in range(5)]
    now = FIRED + timedelta(hours=1)
    results = await asyncio.gather(sweep(db, now), sweep(db, now), sweep(db, now))
    stamped = sorted(ticket_id for result in results for ticket_id in result)
    assert stamped == sorted(ticket.id for ticket in tickets)


async def test_reason_names_the_line_that_set_the_target(backend, db):
    ticket = await make_fired_ticket(db)
    due = FIRED + timedelta(minutes=25)
    async with db.session(read_only=True) as session:
        row = await session.get(KitchenTicket, ticket.id)
        assert row is not None
        query = (
            select(KitchenTicketLine)
            .where(KitchenTicketLine.ticket_id == ticket.id)
            .order_by(col(KitchenTicketLine.id))
        )
        lines = list((await session.exec(query)).all())
    assert lateness.late_reason(row, lines, due - timedelta(seconds=1)) is None
    reason = lateness.late_reason(row, lines, due + timedelta(minutes=3, seconds=20))
    assert reason is not None
    assert reason.late_seconds == 200
    assert reason.text() == "not ready 3 min after due: 2x Ribeye (25 min target)"
    target = lateness.target_line(lines)
    assert target is not None and target.name == "Ribeye"
    # A voided line does not set the target.
    target.voided_at = FIRED
    assert lateness.target_line(lines).name == "Fries"  # type: ignore[union-attr]


TICKET = """
query($id: ID!) {
  node(id: $id) { ... on KitchenTicket { isLate lateReason lateAt dueAt } }
}"""


async def test_is_late_and_reason_on_the_ticket(backend, db, gql, kitchen):
    now = datetime.now(UTC)
    on_time = await make_fired_ticket(db, fired_at=now)
    overdue = await make_fired_ticket(db, fired_at=now - timedelta(minutes=40))
    body = await gql(TICKET, {"id": gid_of(on_time)}, staff=kitchen)
    assert body["data"]["node"]["isLate"] is False
    assert body["data"]["node"]["lateReason"] is None
    # Due passed, not swept yet: already late on screen.
    body = await gql(TICKET, {"id": gid_of(overdue)}, staff=kitchen)
    assert body["data"]["node"]["isLate"] is True
    assert body["data"]["node"]["lateAt"] is None
    assert body["data"]["node"]["lateReason"].startswith("not ready 15 min after due: 2x Ribeye")
    # Stamped: stays late once ready (it was late), the reason says how late it was.
    await sweep(db, now)
    async with db.session() as session:
        row = await session.get(KitchenTicket, overdue.id)
        assert row is not None
        row.status = TicketStatus.READY
        row.ready_at = now - timedelta(minutes=10)
        session.add(row)
    body = await gql(TICKET, {"id": gid_of(overdue)}, staff=kitchen)
    node = body["data"]["node"]
    assert node["isLate"] is True
    assert node["lateReason"] == "ready 5 min after due: 2x Ribeye (25 min target)"


def gid_of(ticket: KitchenTicket) -> str:
    return to_global_id("KitchenTicket", ticket.id)


async def test_a_failing_sweep_is_logged_and_the_others_run(backend, db, caplog):
    ticket = await make_fired_ticket(db)
    seen: list[datetime] = []

    async def broken(_session: Any, _now: datetime) -> object:
        raise RuntimeError("boom")

    async def recorder(_session: Any, now: datetime) -> object:
        seen.append(now)
        return None

    now = FIRED + timedelta(hours=1)
    outcomes = await run_sweeps(db, [broken, sweep_late_tickets, recorder], now=now)
    assert [type(outcome).__name__ for outcome in outcomes] == [
        "RuntimeError",
        "NoneType",
        "NoneType",
    ]
    assert seen == [now]
    assert (await read(db, ticket.id)).late_at == now
    assert "sweep broken failed" in caplog.text


async def test_the_watch_loop_survives_a_failing_sweep(backend, db):
    rounds: list[int] = []
    done = asyncio.Event()

    async def flaky(_session: Any, _now: datetime) -> object:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise RuntimeError("first round fails")
        done.set()
        return None

    watch = KitchenWatch(db, interval=0.01, sweeps=[flaky])
    watch.start()
    try:
        await asyncio.wait_for(done.wait(), 5)
        assert watch.running
    finally:
        await watch.stop()
    assert not watch.running
    assert len(rounds) >= 2


async def test_a_sweep_with_nothing_due_writes_nothing(backend, db, count_statements):
    await make_fired_ticket(db)
    with count_statements() as counter:
        assert await sweep(db, FIRED) == []
    assert not [s for s in counter.statements if s.lstrip().upper().startswith("UPDATE")]
    with count_statements() as counter:
        assert len(await sweep(db, FIRED + timedelta(hours=1))) == 1
    assert [s for s in counter.statements if s.lstrip().upper().startswith("UPDATE")]
