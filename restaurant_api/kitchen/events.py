"""The kitchen's change events: a ticket was created, changed or deleted; a ticket went late."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.events import Event, Topic, flushed_id, publish_after_commit
from restaurant_api.kitchen.models import KitchenTicket

# The status of a kitchen alert event: the ticket went late.
LATE = "late"


def ticket_changed(session: AsyncSession, ticket: KitchenTicket) -> None:
    """A kitchen ticket was created, changed (status, lines, dismissed) or deleted."""

    def build() -> Event:
        return Event(
            topic=Topic.KITCHEN_TICKET,
            id=flushed_id(ticket.id),
            order_id=ticket.order_id,
            station=ticket.station,
            status=str(ticket.status),
        )

    publish_after_commit(session, build)


def ticket_late(session: AsyncSession, ticket: KitchenTicket) -> None:
    """A kitchen ticket passed its due time while not ready (sent once per ticket)."""

    def build() -> Event:
        return Event(
            topic=Topic.KITCHEN_ALERT,
            id=flushed_id(ticket.id),
            order_id=ticket.order_id,
            station=ticket.station,
            status=LATE,
        )

    publish_after_commit(session, build)
