"""Firing order lines to stations, and holding later courses until they are fired.

Lines fired together for one station and course form one ticket; lines added to an order
later fire as a new ticket (`fire_number` + 1) holding only those lines. A course after the
ones already fired waits as a held ticket (cooks see it to plan) until `fire_held_course`
sends it; lines added to a course still held join its held ticket at that station.

A fired ticket is due at `fired_at` + the longest prep-time target of its lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import table_of, utcnow
from restaurant_api.db_rows import (
    RawWrite,
    json_records,
    new_row_values,
    persist_written,
    transaction_write,
    writes_raw,
)
from restaurant_api.kitchen.events import ticket_changed
from restaurant_api.kitchen.models import (
    KitchenTicket,
    KitchenTicketLine,
    TicketEvent,
    TicketStatus,
)
from restaurant_api.kitchen.routing import OrderLineView, RoutedLine, routing_for


def due_at(fired_at: datetime, prep_minutes: Sequence[int | None]) -> datetime | None:
    """When a ticket fired at `fired_at` should be ready: its slowest line's target."""
    targets = [minutes for minutes in prep_minutes if minutes is not None]
    return fired_at + timedelta(minutes=max(targets)) if targets else None


async def _fired_state(
    session: AsyncSession, order_id: int
) -> tuple[int, int | None, dict[tuple[int, int], KitchenTicket]]:
    """The order's last fire number, its highest fired course, and its held tickets by
    (station id, course)."""
    rows = await session.exec(
        select(KitchenTicket)
        .where(KitchenTicket.order_id == order_id)
        .order_by(col(KitchenTicket.id))
        .execution_options(populate_existing=True)
    )
    last_fire, highest, held = 0, None, {}
    for ticket in rows.all():
        last_fire = max(last_fire, ticket.fire_number)
        if ticket.status == TicketStatus.HELD:
            held[(ticket.station_id, ticket.course)] = ticket
        else:
            highest = ticket.course if highest is None else max(highest, ticket.course)
    return last_fire, highest, held


async def fire_lines(
    session: AsyncSession,
    *,
    order_id: int,
    lines: Sequence[OrderLineView],
    actor_id: int | None,
    new_order: bool = False,
    fire_all: bool = False,
    now: datetime | None = None,
    prep_by_item: Mapping[int, int | None] | None = None,
) -> list[KitchenTicket]:
    """Send `lines` to their stations, holding the courses after the ones already fired.

    `new_order`: the order was created in this transaction: its first course fires (every
    course with `fire_all`), the others are held. On an existing order a line fires when
    its course is not after the highest course fired (or with `fire_all`).
    `prep_by_item`: the prep-time targets of the lines' menu items, when the caller has
    read the items (else they are read here).
    Returns the tickets created or given lines.
    """
    if not lines:
        return []
    now = now or utcnow()
    if new_order:
        last_fire, highest = 0, None
        held: dict[tuple[int, int], KitchenTicket] = {}
    else:
        last_fire, highest, held = await _fired_state(session, order_id)
    if highest is None:
        # Nothing fired yet: the first course fires, and a course already held stays held
        # with the ones after it (no later course overtakes an earlier one).
        first_held = min((course for _, course in held), default=None)
        first_new = min(line.course for line in lines)
        highest = first_new if first_held is None else min(first_new, first_held - 1)
    routing = await routing_for(session, lines, prep_by_item)
    groups: dict[tuple[int, int, bool], list[RoutedLine]] = defaultdict(list)
    for line in lines:
        fire_now = fire_all or line.course <= highest
        for routed in routing.route(line):
            groups[(routed.station.id, routed.course, fire_now)].append(routed)
    planned: list[_PlannedTicket] = []
    order_of = {station_id: index for index, station_id in enumerate(_station_order(groups))}
    for key in sorted(groups, key=lambda k: (k[1], order_of[k[0]], not k[2])):
        station_id, course, fire_now = key
        routed_lines = groups[key]
        existing = None if fire_now else held.get((station_id, course))
        if existing is not None:
            existing.updated_at = now
            session.add(existing)
            planned.append(_PlannedTicket(existing, False, routed_lines))
            continue
        station = routed_lines[0].station
        ticket = KitchenTicket(
            order_id=order_id,
            station=station.name,
            station_id=station.id,
            course=course,
            status=TicketStatus.PENDING if fire_now else TicketStatus.HELD,
            fire_number=last_fire + 1,
            fired_at=now if fire_now else None,
            due_at=due_at(now, [r.values["prep_minutes"] for r in routed_lines])
            if fire_now
            else None,
            created_at=now,
            updated_at=now,
        )
        planned.append(_PlannedTicket(ticket, True, routed_lines))
    if writes_raw(session):
        await _write_in_one_statement(session, planned, actor_id, now)
    else:
        await _write_with_the_orm(session, planned, actor_id, now)
    tickets = [entry.ticket for entry in planned]
    for ticket in tickets:
        ticket_changed(session, ticket)
    return tickets


@dataclass(frozen=True, slots=True)
class _PlannedTicket:
    """A ticket to write and its lines: a new one, or a held one that takes more lines."""

    ticket: KitchenTicket
    new: bool
    lines: list[RoutedLine]


async def _write_with_the_orm(
    session: AsyncSession, planned: list[_PlannedTicket], actor_id: int | None, now: datetime
) -> None:
    session.add_all(entry.ticket for entry in planned if entry.new)
    await session.flush()
    # The tickets' lines and first events are not read back here: plain INSERTs of the
    # tables, without an ORM instance and unit-of-work bookkeeping per row. One statement
    # for all the rows (executemany), compiled once: a multi-row VALUES would be compiled
    # again for every order (SQLAlchemy caches no such statement).
    await session.exec(
        insert(table_of(KitchenTicketLine)),
        params=[
            {"ticket_id": entry.ticket.id, **routed.values}
            for entry in planned
            for routed in entry.lines
        ],
    )
    new_events = [
        {
            "ticket_id": entry.ticket.id,
            "status": entry.ticket.status.value,
            "actor_id": actor_id,
            "at": now,
        }
        for entry in planned
        if entry.new
    ]
    if new_events:
        await session.exec(insert(table_of(TicketEvent)), params=new_events)


_TICKET_COLUMNS = [column.name for column in table_of(KitchenTicket).c if column.name != "id"]
# New tickets, their lines and first events in one statement (PostgreSQL): rows as JSON
# records, so one SQL text (prepared once by the server) takes any number of them. Ids are
# given in the records' order (ORDER BY ordinality), as the ORM's inserts would give them;
# a line finds its new ticket by station and course (one new ticket each per firing), or
# names the held ticket it joins.
_FIRE_IN_ONE_STATEMENT = RawWrite(
    f"""
WITH tickets AS (
    INSERT INTO kitchen_tickets ({", ".join(_TICKET_COLUMNS)})
    SELECT {", ".join(_TICKET_COLUMNS)}
    FROM ROWS FROM (json_populate_recordset(NULL::kitchen_tickets, %(tickets)s::json))
        WITH ORDINALITY AS t
    ORDER BY t.ordinality
    RETURNING id, station_id, course, status
), ticket_lines AS (
    INSERT INTO kitchen_ticket_lines (ticket_id, order_line_id, name, quantity, modifiers,
        options, seat_number, note, prep_minutes)
    SELECT coalesce(l.ticket_id, tickets.id), l.order_line_id, l.name, l.quantity,
        l.modifiers, l.options, l.seat_number, l.note, l.prep_minutes
    FROM ROWS FROM (json_to_recordset(%(lines)s::json) AS (ticket_id int,
        station_id int, course int, order_line_id int, name text, quantity int,
        modifiers json, options json, seat_number int, note text, prep_minutes int))
        WITH ORDINALITY AS l
    LEFT JOIN tickets ON l.ticket_id IS NULL
        AND tickets.station_id = l.station_id AND tickets.course = l.course
    ORDER BY l.ordinality
), first_events AS (
    INSERT INTO kitchen_ticket_events (ticket_id, status, actor_id, at)
    SELECT id, status, %(actor_id)s, %(at)s FROM tickets ORDER BY id
)
SELECT id, station_id, course FROM tickets
""",
    frozenset({"kitchen_tickets", "kitchen_ticket_lines", "kitchen_ticket_events"}),
)


async def _write_in_one_statement(
    session: AsyncSession, planned: list[_PlannedTicket], actor_id: int | None, now: datetime
) -> None:
    """`_write_with_the_orm` in one statement and round trip, without the unit of work (on
    PostgreSQL, where it was a third of placing an order's CPU)."""
    new = [entry.ticket for entry in planned if entry.new]
    lines = [
        {
            "ticket_id": None if entry.new else entry.ticket.id,
            "station_id": routed.station.id,
            "course": routed.course,
            **routed.values,
        }
        for entry in planned
        for routed in entry.lines
    ]
    rows = await transaction_write(
        session,
        _FIRE_IN_ONE_STATEMENT,
        {
            "tickets": json_records([new_row_values(ticket) for ticket in new]),
            "lines": json_records(lines),
            "actor_id": actor_id,
            "at": now,
        },
    )
    ids = {(station_id, course): ticket_id for ticket_id, station_id, course in rows}
    for ticket in new:
        ticket.id = ids[(ticket.station_id, ticket.course)]
    persist_written(session, new)


def _station_order(groups: dict[tuple[int, int, bool], list[RoutedLine]]) -> list[int]:
    stations = {key[0]: routed[0].station for key, routed in groups.items()}
    return sorted(stations, key=lambda sid: (stations[sid].display_order, sid))


async def fire_held_course(
    session: AsyncSession,
    *,
    order_id: int,
    course: int,
    actor_id: int | None,
    now: datetime | None = None,
) -> list[KitchenTicket]:
    """Fire the order's held tickets of `course`; none left held fires nothing (idempotent).

    The held tickets are locked, and the status is read again after the lock: of two
    concurrent requests, the second finds nothing held and fires nothing.
    """
    now = now or utcnow()
    rows = await session.exec(
        select(KitchenTicket)
        .where(
            KitchenTicket.order_id == order_id,
            KitchenTicket.course == course,
            KitchenTicket.status == TicketStatus.HELD,
        )
        .order_by(col(KitchenTicket.id))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    tickets = [ticket for ticket in rows.all() if ticket.status == TicketStatus.HELD]
    if not tickets:
        return []
    targets = await session.exec(
        select(col(KitchenTicketLine.ticket_id), func.max(KitchenTicketLine.prep_minutes))
        .where(
            col(KitchenTicketLine.ticket_id).in_([ticket.id for ticket in tickets]),
            col(KitchenTicketLine.voided_at).is_(None),
        )
        .group_by(col(KitchenTicketLine.ticket_id))
    )
    longest = dict(targets.all())
    for ticket in tickets:
        ticket.status = TicketStatus.PENDING
        ticket.fired_at = now
        ticket.due_at = due_at(now, [longest.get(ticket.id)])
        ticket.updated_at = now
        session.add(ticket)
        session.add(
            TicketEvent(ticket_id=ticket.id, status=TicketStatus.PENDING, actor_id=actor_id, at=now)
        )
        ticket_changed(session, ticket)
    await session.flush()
    return tickets
