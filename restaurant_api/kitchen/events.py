"""The kitchen's change events: a ticket was created, changed or deleted; a ticket went late."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.events import Event, Topic, flushed_id, publish_after_commit
from restaurant_api.kitchen.models import KitchenTicket

# The status of a kitchen alert event: the ticket went late.
LATE = "late"


def ticket_changed(session: AsyncSession, ticket: KitchenTicket) -> None:
    """A kitchen ticket was created, changed (status, lines, dismissed) or deleted."""
    _publish(session, ticket, Topic.KITCHEN_TICKET, None)


def ticket_late(session: AsyncSession, ticket: KitchenTicket) -> None:
    """A kitchen ticket passed its due time while not ready (sent once per ticket)."""
    _publish(session, ticket, Topic.KITCHEN_ALERT, LATE)


def _publish(
    session: AsyncSession, ticket: KitchenTicket, topic: Topic, status: str | None
) -> None:
    def build() -> Event:
        return Event(
            topic=topic,
            id=flushed_id(ticket.id),
            order_id=ticket.order_id,
            station=ticket.station,
            station_id=ticket.station_id,
            # A change carries the ticket's status (read when the event is built, at commit).
            status=str(ticket.status) if status is None else status,
        )

    publish_after_commit(session, build)
