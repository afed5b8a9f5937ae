"""The menu's change events: response caches drop the menu when an item changes."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.events import Event, Topic, flushed_id, publish_after_commit


def menu_changed(session: AsyncSession, item_id: int | None) -> None:
    """A menu item was created, changed or deleted (pass its id once flushed)."""
    publish_after_commit(session, lambda: Event(topic=Topic.MENU, id=flushed_id(item_id)))
