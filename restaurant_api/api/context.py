"""The per-request GraphQL context: database session, caller, loaders, unit of work."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.fastapi import BaseContext

from restaurant_api.config import Settings
from restaurant_api.db import AFTER_COMMIT_KEY, Database, commit_session, run_before_commit
from restaurant_api.errors import DomainError
from restaurant_api.users import service as users_service
from restaurant_api.users.service import User

if TYPE_CHECKING:
    from restaurant_api.events import EventBus

T = TypeVar("T")


class Context(BaseContext):
    """Per-request state: one database session, the caller, and per-request loaders."""

    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        user: User | None,
        auth_error: DomainError | None = None,
        events: EventBus | None = None,
        bearer_token: str | None = None,
    ) -> None:
        super().__init__()
        self.db = db
        self.settings = settings
        self.user = user
        self.auth_error = auth_error
        # HTTP: the caller's token, read into `user` by `authenticate()` (once, and only
        # when needed: a cached public answer needs no user).
        self.bearer_token = bearer_token
        self._authenticated = bearer_token is None
        # The app's event bus (subscriptions), and when a websocket's access token expires.
        self.events = events
        self.connection_expires_at: datetime | None = None
        # A websocket's token version: its user's later logout or role change closes it.
        self.token_version: int | None = None
        self.read_only = False
        self.loaders: dict[str, Any] = {}
        # Sibling fields resolve concurrently; an AsyncSession allows one operation at a time.
        self.session_lock = asyncio.Lock()
        self._session: AsyncSession | None = None
        self._holds_write_turn = False

    def authenticated_as(self, user: User) -> None:
        """The caller of `bearer_token`, read moments ago by the response cache's lookup."""
        self.user, self._authenticated = user, True

    async def authenticate(self) -> None:
        """Read the user of `bearer_token` (a short read transaction of its own), once."""
        if self._authenticated or self.bearer_token is None:
            return
        self._authenticated = True
        try:
            self.user, _ = await users_service.caller_of_token(
                self.db, self.bearer_token, self.settings
            )
        except DomainError as error:
            self.auth_error = error

    async def begin(self, *, read_only: bool) -> None:
        """Called when the operation type is known: writers wait for their turn (SQLite)."""
        self.read_only = read_only
        if not read_only and not self._holds_write_turn:
            self._holds_write_turn = await self.db.acquire_write_turn()

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            factory = self.db.read_sessionmaker if self.read_only else self.db.sessionmaker
            self._session = factory()
        return self._session

    @asynccontextmanager
    async def use_session(self) -> AsyncIterator[AsyncSession]:
        """Exclusive use of the request's session. Never await a DataLoader inside."""
        async with self.session_lock:
            yield self.session

    def loader(self, name: str, factory: Callable[[], T]) -> T:
        """The per-request instance of a DataLoader, created on first use."""
        if name not in self.loaders:
            self.loaders[name] = factory()
        return self.loaders[name]

    async def finish(self, *, success: bool) -> None:
        """Commit or roll back the request's transaction, then run after-commit hooks."""
        session, self._session = self._session, None
        # The loaders' functions hold this context, which holds them: dropped with the
        # unit of work, the request's objects go without waiting for the cyclic collector.
        self.loaders.clear()
        callbacks: list[Callable[[], Awaitable[None]]] = []
        try:
            if session is not None:
                try:
                    if success:
                        await run_before_commit(session)
                        await commit_session(session)
                        callbacks = session.info.pop(AFTER_COMMIT_KEY, [])
                    else:
                        await session.rollback()
                finally:
                    await session.close()
        finally:
            if self._holds_write_turn:
                self._holds_write_turn = False
                self.db.release_write_turn()
        for callback in callbacks:
            await callback()


class EventContext(Context):
    """The context nested fields of one live update resolve through.

    Shared by every subscriber of this process that receives the same change, so their
    DataLoaders batch and cache one re-read. Each load opens its own short read session: no
    connection-long session, hence never a stale identity map.
    """

    def __init__(self, *, db: Database, settings: Settings) -> None:
        super().__init__(db=db, settings=settings, user=None)
        self.read_only = True

    @asynccontextmanager
    async def use_session(self) -> AsyncIterator[AsyncSession]:
        async with self.db.session(read_only=True) as session:
            yield session
