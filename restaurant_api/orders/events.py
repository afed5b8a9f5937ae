"""The orders domain's change events: an order was created, changed or deleted."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.events import Event, Topic, flushed_id, publish_after_commit
from restaurant_api.orders.models import Order


def order_changed(session: AsyncSession, order: Order) -> None:
    """An order was created, changed (lines, table, status, payment) or deleted."""

    def build() -> Event:
        return Event(topic=Topic.ORDER, id=flushed_id(order.id), status=str(order.status))

    publish_after_commit(session, build)
