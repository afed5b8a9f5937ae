"""The tables domain's change events: a table or one of its seats changed."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.events import Event, Topic, flushed_id, publish_after_commit
from restaurant_api.tables.models import DiningTable


def table_changed(session: AsyncSession, table: DiningTable | int) -> None:
    """A table (status, order, capacity, merge) or one of its seats changed, or was deleted."""

    def build() -> Event:
        table_id = table if isinstance(table, int) else flushed_id(table.id)
        return Event(topic=Topic.TABLE, id=table_id)

    publish_after_commit(session, build)
