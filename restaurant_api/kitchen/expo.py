"""The expo: every fired ticket of an order on one screen, and the call that the order's
food is ready for pickup once every station is done.

A ticket counts when it is fired (not held), not dismissed and live (at least one line not
voided). An order stays on the expo while one of those is not served yet.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import utcnow
from restaurant_api.errors import Conflict
from restaurant_api.kitchen.events import ticket_changed
from restaurant_api.kitchen.models import KitchenTicket, TicketStatus
from restaurant_api.kitchen.service import live_line_counts, lock_order_tickets
from restaurant_api.users.service import ALL_STAFF, User, require_role

WORKING = frozenset({TicketStatus.PENDING, TicketStatus.PREPARING})
DONE = frozenset({TicketStatus.READY, TicketStatus.SERVED})


class StationsStillWorking(Conflict):
    def __init__(self, stations: list[str]) -> None:
        self.stations = stations
        super().__init__(f"Not ready for pickup: still working at {', '.join(stations)}")


class NothingFired(Conflict):
    def __init__(self) -> None:
        super().__init__("Nothing of this order is fired: nothing to pick up")


@dataclass
class ExpoOrder:
    """One order on the expo: its tickets (held ones too, to plan) and where it stands."""

    order_id: int
    tickets: list[KitchenTicket]
    # The fired, live tickets: what the expo waits for.
    fired: list[KitchenTicket]

    @property
    def stations_working(self) -> list[str]:
        names: list[str] = []
        for ticket in self.fired:
            if ticket.status in WORKING and ticket.station not in names:
                names.append(ticket.station)
        return names

    @property
    def all_stations_done(self) -> bool:
        return bool(self.fired) and all(ticket.status in DONE for ticket in self.fired)

    @property
    def pickup_ready_at(self) -> datetime | None:
        stamps = [ticket.pickup_ready_at for ticket in self.fired]
        if not stamps or any(stamp is None for stamp in stamps):
            return None
        return max(stamp for stamp in stamps if stamp is not None)


def _expo_order(order_id: int, tickets: list[KitchenTicket], live: set[int]) -> ExpoOrder:
    fired = [t for t in tickets if t.status != TicketStatus.HELD and t.id in live]
    return ExpoOrder(order_id=order_id, tickets=tickets, fired=fired)


async def expo_orders(session: AsyncSession, *, actor: User | None, limit: int) -> list[ExpoOrder]:
    """Orders with a fired, not dismissed ticket not served yet, first fired first."""
    require_role(actor, ALL_STAFF)
    waiting = (
        select(KitchenTicket.order_id)
        .where(
            col(KitchenTicket.dismissed_at).is_(None),
            col(KitchenTicket.status).in_([s.value for s in (*WORKING, TicketStatus.READY)]),
        )
        .group_by(col(KitchenTicket.order_id))
        .order_by(col(KitchenTicket.order_id))
    )
    order_ids = list((await session.exec(waiting)).all())
    rows = await session.exec(
        select(KitchenTicket)
        .where(
            col(KitchenTicket.order_id).in_(order_ids),
            col(KitchenTicket.dismissed_at).is_(None),
        )
        .order_by(col(KitchenTicket.course), col(KitchenTicket.id))
        .execution_options(populate_existing=True)
    )
    grouped: dict[int, list[KitchenTicket]] = defaultdict(list)
    for ticket in rows.all():
        grouped[ticket.order_id].append(ticket)
    live = set(await live_line_counts(session, [t.id for ts in grouped.values() for t in ts]))
    orders = [_expo_order(order_id, grouped[order_id], live) for order_id in grouped]
    orders = [order for order in orders if order.fired]

    def first_fired(order: ExpoOrder) -> tuple[datetime, int]:
        fired = [t.fired_at or t.created_at for t in order.fired]
        return min(fired), order.order_id

    return sorted(orders, key=first_fired)[:limit]


async def mark_ready_for_pickup(
    session: AsyncSession, *, actor: User | None, order_id: int, now: datetime | None = None
) -> ExpoOrder:
    """Call the order's fired food ready for pickup: every fired live ticket must be ready
    or served (else a Conflict naming the stations still working). Stamps each ticket's
    `pickup_ready_at` once; calling again changes nothing."""
    require_role(actor, ALL_STAFF)
    tickets = await lock_order_tickets(session, order_id)
    tickets.sort(key=lambda t: (t.course, t.id))
    expo = _expo_order(
        order_id, tickets, set(await live_line_counts(session, [t.id for t in tickets]))
    )
    if not expo.fired:
        raise NothingFired()
    if not expo.all_stations_done:
        raise StationsStillWorking(expo.stations_working)
    now = now or utcnow()
    for ticket in expo.fired:
        if ticket.pickup_ready_at is None:
            ticket.pickup_ready_at = now
            ticket.updated_at = now
            session.add(ticket)
            ticket_changed(session, ticket)
    await session.flush()
    return expo
