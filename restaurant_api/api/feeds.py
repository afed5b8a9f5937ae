"""Live feeds: the loop every subscription field runs (snapshot, then batches of changes).

Subscribe to the bus first, then send a snapshot of the current state, then one message
per batch of changes. A changed row is re-read once per event for every subscriber of this
process, through a fresh `EventContext` whose DataLoaders then serve the nested fields of
every subscriber's selection; never through the connection's session, so a screen always
shows committed state. The websocket and HTTP transport is `api.live`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Hashable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from typing import Any, Generic, Protocol, TypeVar

import strawberry
from graphql import GraphQLError
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from restaurant_api.api.context import Context, EventContext
from restaurant_api.api.fanout import share_update
from restaurant_api.api.graphql import IsAuthenticated
from restaurant_api.api.live import close_revoked, still_authorized
from restaurant_api.api.node import to_global_id
from restaurant_api.events import Delivery, Event, EventBus, SubscriberTooSlow, Topic

logger = logging.getLogger("restaurant_api.live")

M = TypeVar("M")
T = TypeVar("T")
L = TypeVar("L", bound="LiveUpdate[Any]")
Row_contra = TypeVar("Row_contra", contravariant=True)

# Close code for a subscriber that fell behind: 1013 "Try Again Later" is retried by
# graphql-ws clients, which reconnect and get a fresh snapshot.
SLOW_SUBSCRIBER_CLOSE_CODE = 1013
SLOW_SUBSCRIBER_REASON = "Subscriber too slow: too many undelivered events"


@strawberry.enum(name="UpdateKind", description="What a live update message carries.")
class LiveUpdateKind(Enum):
    SNAPSHOT = strawberry.enum_value(
        "snapshot", description="The complete current state: replace what you show."
    )
    CHANGES = strawberry.enum_value(
        "changes", description="Rows that changed since the previous message; merge them in."
    )


# The base of what `live_update_type` builds: how mypy sees a built `<Rows>Update` (the
# plugin in tools/mypy_plugin.py aliases it to `LiveUpdate[<row type>]`), and its
# constructor. Strawberry reads the built subclass's fields, named for its rows.
@dataclass
class LiveUpdate(Generic[T]):
    kind: LiveUpdateKind
    rows: list[T]
    removed_ids: list[strawberry.ID]


def live_update_type(
    row_type: type[T],
    type_name: str,
    *,
    description: str,
    kind: str,
    rows: tuple[str, str],
    removed: tuple[str, str] | None = None,
) -> type[LiveUpdate[T]]:
    """A subscription's message type: `kind`, then the rows, then the global ids of rows
    that left. `kind` is the kind field's description; `rows` and `removed` are (GraphQL
    name, description) of the rows field and of the removed ids field, `removed` None for
    a feed whose rows never leave (its messages drop the ids).
    """
    shown = list[strawberry.ID] if removed else strawberry.Private[list[strawberry.ID]]
    namespace: dict[str, Any] = {
        "__annotations__": {"kind": LiveUpdateKind, "rows": list[row_type], "removed_ids": shown},  # type: ignore[valid-type]
        "kind": strawberry.field(description=kind),
        "rows": strawberry.field(name=rows[0], description=rows[1]),
    }
    if removed:
        namespace["removed_ids"] = strawberry.field(name=removed[0], description=removed[1])
    return strawberry.type(type(type_name, (LiveUpdate,), namespace), description=description)


def live_subscription(description: str) -> Any:
    """A subscription field any signed-in role may open (`live_feed` checks the token again
    before every message). Used as `@live_subscription("...")`."""
    return strawberry.subscription(description=description, permission_classes=[IsAuthenticated])


@dataclass
class LiveBatch(Generic[M]):
    """One message of a feed: a snapshot, or the rows that changed and the ids that left.

    Each row comes with the context its nested fields must load through.
    """

    kind: LiveUpdateKind
    rows: list[tuple[M, Context]] = field(default_factory=list)
    removed_ids: list[int] = field(default_factory=list)
    # What this batch carries, for executing it once per group of subscribers (api.fanout):
    # each row with the delivery it was re-read for, and the removed ids. None: a snapshot.
    share_key: Hashable | None = None


@dataclass
class Feed(Generic[M]):
    """How one subscription field reads its rows (models; the field builds the types).

    - `snapshot(context)`: every row the subscriber should see now.
    - `load(context, event)`: the row an event is about (None when it was deleted); through
      the context's DataLoaders, so nested fields of the same row hit their cache.
    - `visible(row)`: whether the row belongs on this subscriber's screen.
    - `relevant(event)`: a cheap pre-filter; events it rejects are only re-read when the row
      is currently shown (it may have left the screen).
    - `read_key`: names the load, so subscribers with the same `load` share one re-read.
    - `order_by`: the order rows are listed in, within a message.
    """

    topic: Topic
    read_key: Hashable
    snapshot: Callable[[Context], Awaitable[Sequence[M]]]
    load: Callable[[Context, Event], Awaitable[M | None]]
    row_id: Callable[[M], int]
    order_by: Callable[[M], Any]
    visible: Callable[[M], bool] = lambda _row: True
    relevant: Callable[[Event], bool] = lambda _event: True


async def read_apart(context: Context, read: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """`read` in a short read session of its own. A subscription resolver reads this way
    (e.g. to check its arguments): its socket's session would hold a pool connection for
    as long as the socket lives, one per subscriber."""
    async with context.db.session(read_only=True) as session:
        return await read(session)


def reread(
    read: Callable[[AsyncSession, Sequence[int]], Awaitable[Mapping[int, M]]],
    loader: Callable[[Context], DataLoader[int, M | None]],
) -> Callable[[Context, Event], Awaitable[M | None]]:
    """A feed's `load`: `read` the event's row by id, priming `loader` with it."""

    async def load(context: Context, event: Event) -> M | None:
        # Read at once (a DataLoader would wait a loop turn) and prime the loader for
        # nested fields that ask for this row again.
        async with context.use_session() as session:
            row = (await read(session, [event.id])).get(event.id)
        loader(context).prime(event.id, row)
        return row

    return load


def bus_from(info: Info[Context, None]) -> EventBus:
    bus = info.context.events
    if bus is None:
        raise RuntimeError("subscriptions need the app's event bus in the GraphQL context")
    return bus


async def live_feed(info: Info[Context, None], feed: Feed[M]) -> AsyncGenerator[LiveBatch[M], None]:
    """Snapshot, then batches of changes, until the client stops or falls behind."""
    context = info.context
    bus = bus_from(info)
    subscriber = await bus.subscribe(frozenset({feed.topic}))
    shown: set[int] = set()
    try:
        snapshot = await _snapshot(context, feed, shown)
        await ensure_authorized(context)
        yield snapshot
        while True:
            first = await subscriber.get()
            deliveries = [first, *subscriber.drain()]
            if any(delivery.event.topic is Topic.RESYNC for delivery in deliveries):
                snapshot = await _snapshot(context, feed, shown)
                await ensure_authorized(context)
                yield snapshot
                continue
            batch = await _changes(context, bus, feed, shown, deliveries)
            if batch.rows or batch.removed_ids:
                # Re-checked before every message: nothing reaches a user whose access ended.
                await ensure_authorized(context, shared_as=deliveries[-1].seq)
                yield batch
    except SubscriberTooSlow:
        await close_slow_subscriber(context)
    finally:
        subscriber.close()


class Presented(Protocol[Row_contra]):
    """A row's GraphQL type (`OrderType`, ...): how a subscription message shows the row."""

    @classmethod
    def from_model(cls, row: Row_contra, event_context: Context | None = None) -> Any: ...


def live_updates(
    info: Info[Context, None],
    feed: Feed[M],
    row_type: type[Presented[M]],
    update_type: type[L],
) -> AsyncGenerator[L, None]:
    """A subscription field's messages: `live_feed`'s batches as `update_type` (built by
    `live_update_type`).

    Rows come in the feed's `order_by` order, each as `row_type` built once per change: the
    object is kept in the change's shared context, so every subscriber it reaches gets the
    same one. Messages are marked so that subscribers of the same selection share one
    execution (`api.fanout`). Removed rows are listed by global id.
    """
    type_name = row_type.__strawberry_definition__.name  # type: ignore[attr-defined]

    async def messages() -> AsyncGenerator[L, None]:
        async with aclosing(live_feed(info, feed)) as batches:
            async for batch in batches:
                rows = sorted(batch.rows, key=lambda row: feed.order_by(row[0]))
                presented = [
                    reads.loader(
                        f"{type_name}:{feed.row_id(row)}",
                        partial(row_type.from_model, row, reads),
                    )
                    for row, reads in rows
                ]
                removed = [to_global_id(type_name, row_id) for row_id in batch.removed_ids]
                update = update_type(kind=batch.kind, rows=presented, removed_ids=removed)
                yield share_update(update, batch.share_key)

    return messages()


async def ensure_authorized(context: Context, *, shared_as: Hashable | None = None) -> None:
    if context.token_version is not None and not await still_authorized(
        context, shared_as=shared_as
    ):
        await close_revoked(context)


def event_context(context: Context) -> EventContext:
    return EventContext(db=context.db, settings=context.settings)


async def _snapshot(context: Context, feed: Feed[M], shown: set[int]) -> LiveBatch[M]:
    # A snapshot is one subscriber's: its own fresh context (its loaders batch its rows).
    reads = event_context(context)
    rows = [row for row in await feed.snapshot(reads) if feed.visible(row)]
    limit = context.settings.subscription_snapshot_max
    if len(rows) > limit:
        # The cost check counted at most `limit` rows: more is an error, never a flood.
        raise GraphQLError(
            f"The snapshot would hold {len(rows)} rows, more than the limit of {limit}: "
            "narrow the subscription (e.g. by station, status or order).",
            extensions={"code": "SNAPSHOT_TOO_LARGE"},
        )
    shown.clear()
    shown.update(feed.row_id(row) for row in rows)
    return LiveBatch(LiveUpdateKind.SNAPSHOT, rows=[(row, reads) for row in rows])


async def _changes(
    context: Context,
    bus: EventBus,
    feed: Feed[M],
    shown: set[int],
    deliveries: list[Delivery],
) -> LiveBatch[M]:
    # The latest delivery per row is enough: the row is re-read as it is now.
    latest: dict[int, Delivery] = {}
    for delivery in deliveries:
        if delivery.event.id in shown or feed.relevant(delivery.event):
            latest[delivery.event.id] = delivery
    batch: LiveBatch[M] = LiveBatch(LiveUpdateKind.CHANGES)
    carried: list[tuple[int, int]] = []
    for row_id, delivery in latest.items():
        row, reads = await bus.shared_read(
            (feed.read_key, delivery.seq), partial(_load, context, feed, delivery)
        )
        if row is not None and feed.visible(row):
            shown.add(row_id)
            batch.rows.append((row, reads))
            carried.append((row_id, delivery.seq))
        elif row_id in shown:
            shown.discard(row_id)
            batch.removed_ids.append(row_id)
    # Same rows from the same deliveries (the same shared objects) and the same removals.
    batch.share_key = (feed.read_key, tuple(carried), tuple(batch.removed_ids))
    return batch


async def _load(
    context: Context, feed: Feed[M], delivery: Delivery
) -> tuple[M | None, EventContext]:
    reads = event_context(context)
    return await feed.load(reads, delivery.event), reads


async def close_slow_subscriber(context: Context) -> None:
    websocket = context.request
    if not isinstance(websocket, WebSocket):
        raise SubscriberTooSlow(SLOW_SUBSCRIBER_REASON)
    logger.warning("closing a websocket whose subscriber fell behind")
    with contextlib.suppress(Exception):
        await websocket.close(code=SLOW_SUBSCRIBER_CLOSE_CODE, reason=SLOW_SUBSCRIBER_REASON)
    # The handler notices the closed socket and cancels this operation.
    await asyncio.Event().wait()
