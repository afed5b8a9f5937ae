"""The event bus: publishing after commit only, bounded subscribers, LISTEN/NOTIFY recovery."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import cast

import psycopg
import pytest
from strawberry.types import Info

from restaurant_api import events
from restaurant_api.api.context import Context
from restaurant_api.api.mutations import run_mutation
from restaurant_api.errors import Conflict
from restaurant_api.events import Event, InProcessBus, SubscriberTooSlow, Topic
from restaurant_api.kitchen.events import ticket_changed
from restaurant_api.kitchen.models import TicketStatus
from restaurant_api.tables.events import table_changed
from tests.live.conftest import OtherListener, make_ticket


def test_event_json_round_trip_and_notify_size_limit():
    event = Event(
        Topic.KITCHEN_TICKET, 7, order_id=3, station="kitchen", station_id=2, status="ready"
    )
    assert Event.from_json(event.to_json()) == event
    assert Event.from_json(Event(Topic.TABLE, 4).to_json()) == Event(Topic.TABLE, 4)
    with pytest.raises(ValueError, match="7999 bytes"):
        Event(Topic.KITCHEN_TICKET, 1, station="x" * 8000).to_json()


async def test_a_slow_subscriber_is_dropped_without_blocking_others():
    bus = InProcessBus(queue_size=100)
    slow = await bus.subscribe(frozenset({Topic.KITCHEN_TICKET}), maxsize=2)
    fast = await bus.subscribe(frozenset({Topic.KITCHEN_TICKET}))
    tables = await bus.subscribe(frozenset({Topic.TABLE}))
    for ticket_id in range(5):
        await bus.publish(Event(Topic.KITCHEN_TICKET, ticket_id))  # returns at once
    assert [delivery.event.id for delivery in fast.drain()] == [0, 1, 2, 3, 4]
    assert tables.drain() == []
    with pytest.raises(SubscriberTooSlow):
        await slow.get()
    assert bus.subscriber_count == 2  # the slow one is gone; memory stays bounded
    fast.close()
    tables.close()
    assert bus.subscriber_count == 0


async def test_shared_read_runs_once_for_concurrent_subscribers():
    bus = InProcessBus()
    calls = 0

    async def load() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return 42

    results = await asyncio.gather(*(bus.shared_read(("k", 1), load) for _ in range(200)))
    assert results == [42] * 200
    assert calls == 1


async def next_event(subscriber: events.Subscriber, within: float = 5.0) -> Event:
    return (await asyncio.wait_for(subscriber.get(), within)).event


async def test_published_after_commit_never_on_rollback(app, db):
    bus = app.state.events
    subscriber = await bus.subscribe(frozenset({Topic.KITCHEN_TICKET}))
    try:
        ticket = await make_ticket(db)
        with pytest.raises(RuntimeError):
            async with db.session() as session:
                ticket_changed(session, ticket)
                raise RuntimeError("rolled back")
        async with db.session() as session:
            ticket_changed(session, ticket)
            # Nothing is sent before the commit.
            await asyncio.sleep(0.05)
            assert subscriber.drain() == []
        event = await next_event(subscriber)
        assert event == Event(
            Topic.KITCHEN_TICKET,
            ticket.id,
            order_id=ticket.order_id,
            station="kitchen",
            station_id=ticket.station_id,
            status=TicketStatus.PENDING.value,
        )
        await asyncio.sleep(0.2)
        assert subscriber.drain() == []  # the rolled-back one never arrives
    finally:
        subscriber.close()
        await bus.stop()


async def test_graphql_mutation_that_fails_in_its_savepoint_publishes_nothing(app, db):
    bus = app.state.events
    subscriber = await bus.subscribe(frozenset({Topic.TABLE}))
    context = Context(db=db, settings=app.state.settings, user=None, events=bus)
    info = cast("Info[Context, None]", SimpleNamespace(context=context))  # only its context is read

    async def failing(session):
        table_changed(session, 1)
        raise Conflict("lost a race")

    async def succeeding(session):
        table_changed(session, 2)
        return "ok"

    try:
        assert (await run_mutation(info, failing)).code == Conflict.code
        assert await run_mutation(info, succeeding) == "ok"
        await context.finish(success=True)  # the operation commits: only table 2 changed
        assert (await next_event(subscriber)).id == 2
        await asyncio.sleep(0.2)
        assert subscriber.drain() == []
    finally:
        subscriber.close()
        await bus.stop()


async def test_listener_reconnects_and_asks_for_a_resync(app, db, backend):
    if backend.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL only")
    bus = app.state.events
    subscriber = await bus.subscribe(frozenset({Topic.TABLE}))
    try:
        conninfo = bus.conninfo
        async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as admin:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE query LIKE 'LISTEN%%' AND datname = current_database()"
            )
        # Events may have been lost while reconnecting: subscribers re-read everything.
        assert (await next_event(subscriber, within=5.0)).topic is Topic.RESYNC
        async with db.session() as session:
            table_changed(session, 9)
        assert await next_event(subscriber) == Event(Topic.TABLE, 9)
    finally:
        subscriber.close()
        await bus.stop()


def test_a_transactions_events_pack_into_few_notify_payloads_under_the_limit():
    one = [Event(Topic.TABLE, 4)]
    assert events.pack_payloads(one) == [one[0].to_json()]  # one event: the plain object
    many = [Event(Topic.KITCHEN_TICKET, n, order_id=n, station="s" * 300) for n in range(60)]
    payloads = events.pack_payloads(many)
    assert len(payloads) > 1
    assert all(len(payload.encode()) <= events.MAX_PAYLOAD_BYTES for payload in payloads)
    received = [event for payload in payloads for event in events.events_from_payload(payload)]
    assert received == many
    assert events.events_from_payload(one[0].to_json()) == one


async def test_a_rollback_publishes_nothing_to_another_listener(app, db):
    bus = app.state.events
    context = Context(db=db, settings=app.state.settings, user=None, events=bus)
    info = cast("Info[Context, None]", SimpleNamespace(context=context))  # only its context is read

    async def failing(session):
        table_changed(session, 5)
        raise Conflict("lost a race")

    async with OtherListener(bus) as listener:
        with pytest.raises(RuntimeError):
            async with db.session() as session:
                table_changed(session, 3)
                raise RuntimeError("rolled back")
        # A GraphQL mutation whose savepoint rolled back, in an operation that commits.
        assert (await run_mutation(info, failing)).code == Conflict.code
        await context.finish(success=True)
        # A whole GraphQL operation that failed.
        failed = Context(db=db, settings=app.state.settings, user=None, events=bus)
        async with failed.use_session() as session:
            table_changed(session, 6)
        await failed.finish(success=False)
        assert await listener.received() == []
        async with db.session() as session:
            table_changed(session, 7)
        assert await listener.received() == [[Event(Topic.TABLE, 7)]]
    await bus.stop()
