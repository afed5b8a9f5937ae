"""The users domain's change events: a user's access changed, their sockets re-check."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.events import Event, Topic, publish_after_commit


def user_access_changed(session: AsyncSession, user_id: int) -> None:
    """A user's access tokens ended (logout, password, role, deactivation): close sockets."""
    publish_after_commit(session, Event(topic=Topic.USER, id=user_id))
