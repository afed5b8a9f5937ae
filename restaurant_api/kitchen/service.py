"""Kitchen tickets: voids, the status timeline, and the reads of screens and presenters.

Firing lines (and holding later courses) is `kitchen.firing`; which station makes what is
`kitchen.routing`. A removed or changed line is never deleted from its ticket: it is
voided with a reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import is_valid_id, utcnow
from restaurant_api.errors import Conflict, ErrorCode, InvalidInput, NotFound
from restaurant_api.kitchen import stations
from restaurant_api.kitchen.events import ticket_changed as ticket_changed
from restaurant_api.kitchen.firing import fire_held_course as fire_held_course
from restaurant_api.kitchen.firing import fire_lines as fire_lines
from restaurant_api.kitchen.models import (
    KitchenTicket,
    KitchenTicketLine,
    TicketEvent,
    TicketStatus,
)
from restaurant_api.kitchen.routing import OrderLineView
from restaurant_api.kitchen.routing import stations_read as stations_read
from restaurant_api.orders import service as orders_service
from restaurant_api.users.service import ALL_STAFF, User, require_role

# One step forward, or one step back (a recall). Served is final.
# A held ticket moves only by being fired (kitchen.firing).
ALLOWED_TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.HELD: frozenset(),
    TicketStatus.PENDING: frozenset({TicketStatus.PREPARING}),
    TicketStatus.PREPARING: frozenset({TicketStatus.READY, TicketStatus.PENDING}),
    TicketStatus.READY: frozenset({TicketStatus.SERVED, TicketStatus.PREPARING}),
    TicketStatus.SERVED: frozenset(),
}


class KitchenOrderNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Kitchen order not found")


class UnknownTicketStatus(InvalidInput):
    def __init__(self, status: object) -> None:
        allowed = ", ".join(s.value for s in TicketStatus)
        super().__init__(f"Unknown status {status!r}; use one of {allowed}", field="status")


class InvalidTransition(Conflict):
    code = ErrorCode.INVALID_TRANSITION

    def __init__(self, current: TicketStatus, target: TicketStatus) -> None:
        super().__init__(f"Cannot move a ticket from {current.value} to {target.value}")


def parse_status(status: str | TicketStatus) -> TicketStatus:
    try:
        return TicketStatus(status)
    except ValueError:
        raise UnknownTicketStatus(status) from None


# --- used by the orders service, inside its transaction ------------------------------------


async def void_lines(session: AsyncSession, *, order_line_ids: Iterable[int], reason: str) -> None:
    """Mark the fired copies of these order lines void (call before deleting the lines)."""
    ids = list(order_line_ids)
    if not ids:
        return
    await _void(session, col(KitchenTicketLine.order_line_id).in_(ids), reason)


async def void_order(session: AsyncSession, *, order_id: int, reason: str) -> None:
    """Void every line still live on the order's tickets (the order was cancelled)."""
    ticket_ids = select(KitchenTicket.id).where(KitchenTicket.order_id == order_id)
    await _void(session, col(KitchenTicketLine.ticket_id).in_(ticket_ids), reason)


async def _void(session: AsyncSession, condition: ColumnElement[bool], reason: str) -> None:
    now = utcnow()
    touched = await session.exec(
        update(KitchenTicketLine)
        .where(condition, col(KitchenTicketLine.voided_at).is_(None))
        .values(voided_at=now, void_reason=reason[:500])
        .returning(col(KitchenTicketLine.ticket_id))
    )
    ticket_ids = {row[0] for row in touched.all()}
    ticket_ids -= await _drop_emptied_held(session, ticket_ids)
    if ticket_ids:
        changed = await session.exec(
            update(KitchenTicket)
            .where(col(KitchenTicket.id).in_(ticket_ids))
            .values(updated_at=now)
            .returning(KitchenTicket)
        )
        for ticket in changed.scalars().all():
            ticket_changed(session, ticket)
        await _complete_bumped(session, ticket_ids, now)


async def _complete_bumped(session: AsyncSession, ticket_ids: set[int], now: datetime) -> None:
    """A ticket being worked on whose remaining live lines were all bumped is ready once the
    others are voided: its last line to make is gone."""
    line = KitchenTicketLine
    live = select(line.id).where(line.ticket_id == KitchenTicket.id, col(line.voided_at).is_(None))
    rows = await session.exec(
        select(KitchenTicket)
        .where(
            col(KitchenTicket.id).in_(ticket_ids),
            col(KitchenTicket.status).in_([TicketStatus.PENDING, TicketStatus.PREPARING]),
            live.exists(),
            ~live.where(col(line.ready_at).is_(None)).exists(),
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    for ticket in rows.all():
        if ticket.status == TicketStatus.PENDING:
            await move_ticket(session, ticket, TicketStatus.PREPARING, actor_id=None, now=now)
        await move_ticket(session, ticket, TicketStatus.READY, actor_id=None, now=now)


async def _drop_emptied_held(session: AsyncSession, ticket_ids: Iterable[int]) -> set[int]:
    """Delete the held tickets among `ticket_ids` left without a live line: a course not
    fired yet has nothing to make there, and firing it would send cooks an empty ticket."""
    live = select(KitchenTicketLine.id).where(
        KitchenTicketLine.ticket_id == KitchenTicket.id,
        col(KitchenTicketLine.voided_at).is_(None),
    )
    dropped = await session.exec(
        delete(KitchenTicket)
        .where(
            col(KitchenTicket.id).in_(list(ticket_ids)),
            col(KitchenTicket.status) == TicketStatus.HELD,
            ~live.exists(),
        )
        .returning(KitchenTicket)
    )
    tickets = list(dropped.scalars().all())
    for ticket in tickets:
        ticket_changed(session, ticket)
    return {ticket.id for ticket in tickets}


# --- batch reads (DataLoaders, live updates and REST presenters) ----------------------------


async def tickets_by_id(
    session: AsyncSession, ticket_ids: Sequence[int]
) -> dict[int, KitchenTicket]:
    if not ticket_ids:
        return {}
    rows = await session.exec(
        select(KitchenTicket)
        .where(col(KitchenTicket.id).in_(list(ticket_ids)))
        .execution_options(populate_existing=True)
    )
    return {ticket.id: ticket for ticket in rows.all()}


async def ticket_lines_by_id(
    session: AsyncSession, line_ids: Sequence[int]
) -> dict[int, KitchenTicketLine]:
    if not line_ids:
        return {}
    rows = await session.exec(
        select(KitchenTicketLine)
        .where(col(KitchenTicketLine.id).in_(list(line_ids)))
        .execution_options(populate_existing=True)
    )
    return {line.id: line for line in rows.all()}


async def screen_tickets(
    session: AsyncSession, *, station_id: int | None, statuses: Iterable[TicketStatus]
) -> list[KitchenTicket]:
    """What a kitchen screen shows: tickets not dismissed in `statuses`, oldest first."""
    query = select(KitchenTicket).where(
        col(KitchenTicket.dismissed_at).is_(None),
        col(KitchenTicket.status).in_([status.value for status in statuses]),
    )
    if station_id is not None:
        query = query.where(KitchenTicket.station_id == station_id)
    query = query.order_by(col(KitchenTicket.created_at), col(KitchenTicket.id))
    return list((await session.exec(query)).all())


async def tickets_for_orders(
    session: AsyncSession, order_ids: Sequence[int], *, include_dismissed: bool = True
) -> dict[int, list[KitchenTicket]]:
    query = select(KitchenTicket).where(col(KitchenTicket.order_id).in_(list(order_ids)))
    if not include_dismissed:
        query = query.where(col(KitchenTicket.dismissed_at).is_(None))
    rows = await session.exec(query.order_by(col(KitchenTicket.id)))
    grouped: dict[int, list[KitchenTicket]] = defaultdict(list)
    for ticket in rows.all():
        grouped[ticket.order_id].append(ticket)
    return grouped


async def lines_for_tickets(
    session: AsyncSession, ticket_ids: Sequence[int]
) -> dict[int, list[KitchenTicketLine]]:
    rows = await session.exec(
        select(KitchenTicketLine)
        .where(col(KitchenTicketLine.ticket_id).in_(list(ticket_ids)))
        .order_by(col(KitchenTicketLine.id))
        # Voids are bulk updates, which bypass the identity map: read the rows afresh.
        .execution_options(populate_existing=True)
    )
    grouped: dict[int, list[KitchenTicketLine]] = defaultdict(list)
    for line in rows.all():
        grouped[line.ticket_id].append(line)
    return grouped


async def source_lines(
    session: AsyncSession, ticket_lines: Iterable[KitchenTicketLine]
) -> dict[int, OrderLineView]:
    """The order lines these ticket lines were fired from (prices live there), by id."""
    ids = {line.order_line_id for line in ticket_lines if line.order_line_id is not None}
    return dict(await orders_service.order_lines_by_id(session, sorted(ids)))


async def live_line_counts(session: AsyncSession, ticket_ids: Sequence[int]) -> dict[int, int]:
    """How many live (not voided) lines each ticket has; tickets with none are left out."""
    if not ticket_ids:
        return {}
    rows = await session.exec(
        select(col(KitchenTicketLine.ticket_id), func.count())
        .where(
            col(KitchenTicketLine.ticket_id).in_(list(ticket_ids)),
            col(KitchenTicketLine.voided_at).is_(None),
        )
        .group_by(col(KitchenTicketLine.ticket_id))
    )
    return {ticket_id: count for ticket_id, count in rows.all()}


async def events_for_tickets(
    session: AsyncSession, ticket_ids: Sequence[int]
) -> dict[int, list[TicketEvent]]:
    rows = await session.exec(
        select(TicketEvent)
        .where(col(TicketEvent.ticket_id).in_(list(ticket_ids)))
        .order_by(col(TicketEvent.at), col(TicketEvent.id))
    )
    grouped: dict[int, list[TicketEvent]] = defaultdict(list)
    for event in rows.all():
        grouped[event.ticket_id].append(event)
    return grouped


# --- use cases ------------------------------------------------------------------------------


async def list_tickets(
    session: AsyncSession,
    *,
    actor: User | None,
    status: TicketStatus | str | None = None,
    station: str | None = None,
    include_served: bool = False,
    include_dismissed: bool = False,
    include_held: bool = True,
    limit: int | None = None,
) -> list[KitchenTicket]:
    """Tickets on the display, oldest first: not dismissed and (by default) not served.

    `include_held=False`: only fired tickets (REST clients know no held status).
    `station` names a station (case ignored): another name is an `UnknownStation`.
    """
    require_role(actor, ALL_STAFF)
    query = select(KitchenTicket)
    if status is not None:
        query = query.where(KitchenTicket.status == parse_status(status))
    elif not include_served:
        query = query.where(KitchenTicket.status != TicketStatus.SERVED)
    if not include_held:
        query = query.where(KitchenTicket.status != TicketStatus.HELD)
    if station is not None:
        known = await stations.resolve_station(session, station)
        query = query.where(KitchenTicket.station_id == known.id)
    if not include_dismissed:
        query = query.where(col(KitchenTicket.dismissed_at).is_(None))
    query = query.order_by(col(KitchenTicket.created_at), col(KitchenTicket.id)).limit(limit)
    return list((await session.exec(query)).all())


async def ticket_history(
    session: AsyncSession,
    *,
    actor: User | None,
    station: str | None = None,
    status: TicketStatus | str | None = None,
    before: tuple[datetime, int] | None = None,
    limit: int,
) -> list[KitchenTicket]:
    """Every ticket ever fired (served and dismissed ones too), newest first.

    `before` is a keyset cursor (created_at, id): the page continues after that ticket.
    """
    require_role(actor, ALL_STAFF)
    query = select(KitchenTicket)
    if station is not None:
        known = await stations.resolve_station(session, station)
        query = query.where(KitchenTicket.station_id == known.id)
    if status is not None:
        query = query.where(KitchenTicket.status == parse_status(status))
    if before is not None:
        at, ticket_id = before
        query = query.where(
            or_(
                col(KitchenTicket.created_at) < at,
                (col(KitchenTicket.created_at) == at) & (col(KitchenTicket.id) < ticket_id),
            )
        )
    query = query.order_by(col(KitchenTicket.created_at).desc(), col(KitchenTicket.id).desc())
    return list((await session.exec(query.limit(limit))).all())


async def get_ticket(session: AsyncSession, *, actor: User | None, ticket_id: int) -> KitchenTicket:
    require_role(actor, ALL_STAFF)
    ticket = await session.get(KitchenTicket, ticket_id) if is_valid_id(ticket_id) else None
    if ticket is None:
        raise KitchenOrderNotFound()
    return ticket


async def lock_tickets(session: AsyncSession, condition: object) -> list[KitchenTicket]:
    rows = await session.exec(
        select(KitchenTicket)
        .where(condition, col(KitchenTicket.dismissed_at).is_(None))  # type: ignore[arg-type]
        .order_by(col(KitchenTicket.id))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list(rows.all())


async def lock_order_tickets(session: AsyncSession, order_id: int) -> list[KitchenTicket]:
    """The order's tickets on the display, locked in id order (NOT_FOUND: none)."""
    if not is_valid_id(order_id):
        raise KitchenOrderNotFound()
    tickets = await lock_tickets(session, col(KitchenTicket.order_id) == order_id)
    if not tickets:
        raise KitchenOrderNotFound()
    return tickets


async def move_ticket(
    session: AsyncSession,
    ticket: KitchenTicket,
    target: TicketStatus,
    *,
    actor_id: int | None,
    now: datetime | None = None,
    recall_lines: bool = True,
) -> None:
    """Move a locked ticket to `target`, with its TicketEvent and change event.

    Ready stamps `ready_at` on its live lines not bumped yet; a recall from ready un-bumps
    the lines that became ready with the ticket (`recall_lines`), so a ticket being worked
    on always shows which lines are left. Lines bumped earlier, one by one, stay bumped.
    """
    now = now or utcnow()
    previous_ready = ticket.ready_at
    ticket.status = target
    ticket.updated_at = now
    # Fired-to-ready counts to the last time it became ready (a recall starts it over).
    if target == TicketStatus.READY:
        ticket.ready_at = now
        await session.exec(
            update(KitchenTicketLine)
            .where(
                col(KitchenTicketLine.ticket_id) == ticket.id,
                col(KitchenTicketLine.ready_at).is_(None),
                col(KitchenTicketLine.voided_at).is_(None),
            )
            .values(ready_at=now)
        )
    elif target in (TicketStatus.PENDING, TicketStatus.PREPARING):
        ticket.ready_at = None
        if recall_lines and previous_ready is not None:
            await session.exec(
                update(KitchenTicketLine)
                .where(
                    col(KitchenTicketLine.ticket_id) == ticket.id,
                    col(KitchenTicketLine.ready_at) >= previous_ready,
                )
                .values(ready_at=None)
            )
    if target == TicketStatus.SERVED:
        ticket.served_at = now
    session.add(ticket)
    session.add(TicketEvent(ticket_id=ticket.id, status=target, actor_id=actor_id, at=now))
    ticket_changed(session, ticket)


async def set_ticket_status(
    session: AsyncSession, *, actor: User | None, ticket_id: int, status: TicketStatus | str
) -> KitchenTicket:
    """Move one ticket; setting its current status again changes nothing."""
    user = require_role(actor, ALL_STAFF)
    target = parse_status(status)
    if not is_valid_id(ticket_id):
        raise KitchenOrderNotFound()
    tickets = await lock_tickets(session, col(KitchenTicket.id) == ticket_id)
    if not tickets:
        raise KitchenOrderNotFound()
    ticket = tickets[0]
    if ticket.status != target:
        if target not in ALLOWED_TRANSITIONS[TicketStatus(ticket.status)]:
            raise InvalidTransition(TicketStatus(ticket.status), target)
        await move_ticket(session, ticket, target, actor_id=user.id)
        await session.flush()
    return ticket


async def set_order_tickets_status(
    session: AsyncSession, *, actor: User | None, order_id: int, status: TicketStatus | str
) -> list[KitchenTicket]:
    """Move every active ticket of an order that allows it (the REST /kitchen/orders view).

    409 only when no ticket is already there and none may move there.
    """
    user = require_role(actor, ALL_STAFF)
    target = parse_status(status)
    tickets = await lock_order_tickets(session, order_id)
    movable = [t for t in tickets if target in ALLOWED_TRANSITIONS[TicketStatus(t.status)]]
    if not movable and all(t.status != target for t in tickets):
        raise InvalidTransition(TicketStatus(tickets[0].status), target)
    for ticket in movable:
        await move_ticket(session, ticket, target, actor_id=user.id)
    await session.flush()
    return tickets


async def dismiss_ticket(
    session: AsyncSession, *, actor: User | None, ticket_id: int
) -> KitchenTicket:
    """Take one ticket off the kitchen display (it stays in the order's history)."""
    require_role(actor, ALL_STAFF)
    if not is_valid_id(ticket_id):
        raise KitchenOrderNotFound()
    tickets = await lock_tickets(session, col(KitchenTicket.id) == ticket_id)
    if not tickets:
        raise KitchenOrderNotFound()
    return (await _dismiss(session, tickets))[0]


async def dismiss_order_tickets(
    session: AsyncSession, *, actor: User | None, order_id: int
) -> list[KitchenTicket]:
    """Take all of an order's tickets off the kitchen display."""
    require_role(actor, ALL_STAFF)
    tickets = await lock_order_tickets(session, order_id)
    return await _dismiss(session, tickets)


async def _dismiss(session: AsyncSession, tickets: list[KitchenTicket]) -> list[KitchenTicket]:
    now = utcnow()
    for ticket in tickets:
        ticket.dismissed_at = now
        ticket.updated_at = now
        session.add(ticket)
        ticket_changed(session, ticket)
    await session.flush()
    return tickets
