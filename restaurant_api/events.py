"""Change events for live screens: sent with the commit, fanned out to local subscribers.

The bus knows no domain: each domain builds its own events (`kitchen/events.py`,
`orders/events.py`, `tables/events.py`, `menu/events.py`, `users/events.py`) and announces
what changed with one call inside its unit of work, e.g.
`ticket_changed(session, ticket)`, which hands an `Event` to `publish_after_commit`.

The events of a transaction are built just before it commits (`db.before_commit`: ids of
new rows exist by then), duplicates dropped, and handed to the bus with the transaction's
own connection. A rolled-back change (or a GraphQL mutation whose savepoint rolled back)
publishes nothing. Events carry ids and a status, never state: subscribers re-read the
rows, so a duplicate or reordered event is harmless.

Two backends behind one interface:
- `InProcessBus` (SQLite, one process): the events go to local subscribers after commit.
- `PostgresBus`: one `SELECT pg_notify(...)` inside the transaction carries all its events
  (PostgreSQL delivers a NOTIFY on commit and drops it on rollback, so an event is never
  lost between commit and publish); a dedicated connection LISTENs on one channel and fans
  every notification out to this process's subscribers, so every worker process (and every
  host) sees every event, this one included, after the commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

import psycopg
from sqlalchemy.engine import make_url
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import Database, after_commit, before_commit, send_with_commit

logger = logging.getLogger("restaurant_api.events")

T = TypeVar("T")

CHANNEL = "restaurant_api_events"
# PostgreSQL refuses NOTIFY payloads of 8000 bytes or more.
MAX_PAYLOAD_BYTES = 7999
DEFAULT_QUEUE_SIZE = 100
# How long a subscriber waits for the LISTEN connection before giving up.
LISTEN_READY_TIMEOUT = 10.0
# How often an idle LISTEN connection is checked, and the pause before reconnecting.
LISTEN_HEALTH_CHECK_SECONDS = 30.0
RECONNECT_DELAY_SECONDS = 1.0
# A publish outside a transaction (`publish`) must not hang on a dead server.
PUBLISH_TIMEOUT_SECONDS = 5.0
SESSION_BUS_KEY = "event_bus"


class Topic(StrEnum):
    KITCHEN_TICKET = "kitchen_ticket"
    # A kitchen ticket went late: announced once, by the one process that found it.
    KITCHEN_ALERT = "kitchen_alert"
    TABLE = "table"
    ORDER = "order"
    # The menu (an item created, changed or deleted): response caches drop the menu.
    MENU = "menu"
    # A user's access changed (token version, role, deactivation): their sockets re-check.
    USER = "user"
    # Local only: the bus may have missed events (LISTEN connection lost); re-send snapshots.
    RESYNC = "resync"


@dataclass(frozen=True, slots=True)
class Event:
    """What changed: a topic and ids, plus the fields subscribers filter on."""

    topic: Topic
    id: int  # the changed row: ticket id, table id or order id
    order_id: int | None = None
    station: str | None = None
    # The station's id: screens filter on it (a name changes with a rename).
    station_id: int | None = None
    status: str | None = None

    def to_json(self) -> str:
        # Built by hand: dataclasses.asdict deep-copies, and this runs for every event.
        data: dict[str, Any] = {"topic": self.topic.value, "id": self.id}
        if self.order_id is not None:
            data["order_id"] = self.order_id
        if self.station is not None:
            data["station"] = self.station
        if self.station_id is not None:
            data["station_id"] = self.station_id
        if self.status is not None:
            data["status"] = self.status
        payload = json.dumps(data, separators=(",", ":"))
        if len(payload.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"event payload over {MAX_PAYLOAD_BYTES} bytes: {payload[:80]}...")
        return payload

    @classmethod
    def from_json(cls, payload: str) -> Event:
        return cls.from_dict(json.loads(payload))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        return cls(
            topic=Topic(data["topic"]),
            id=int(data["id"]),
            order_id=data.get("order_id"),
            station=data.get("station"),
            station_id=data.get("station_id"),
            status=data.get("status"),
        )


RESYNC_EVENT = Event(topic=Topic.RESYNC, id=0)


@dataclass(frozen=True, slots=True)
class Delivery:
    """An event as this process received it; `seq` is unique per bus (shared re-reads)."""

    seq: int
    event: Event


class SubscriberTooSlow(Exception):
    """The subscriber's queue overflowed: it missed events and must start over."""


class EventBusUnavailable(Exception):
    """The bus could not start listening (the database is unreachable)."""


class Subscriber:
    """A bounded queue of deliveries for one subscription.

    Offering never blocks: when the queue is full the subscriber is marked overflowed and
    dropped, and its next `get()` raises `SubscriberTooSlow`.
    """

    def __init__(self, bus: EventBus, topics: frozenset[Topic], maxsize: int) -> None:
        self.bus = bus
        self.topics = topics
        self.maxsize = maxsize
        self.overflowed = False
        self._pending: deque[Delivery] = deque()
        self._wakeup = asyncio.Event()

    def offer(self, delivery: Delivery) -> None:
        if self.overflowed:
            return
        if len(self._pending) >= self.maxsize:
            self.overflowed = True
            self._pending.clear()
            self.bus.unsubscribe(self)
        else:
            self._pending.append(delivery)
        self._wakeup.set()

    async def get(self) -> Delivery:
        while not self._pending:
            if self.overflowed:
                raise SubscriberTooSlow(f"more than {self.maxsize} events were waiting")
            self._wakeup.clear()
            await self._wakeup.wait()
        return self._pending.popleft()

    def drain(self) -> list[Delivery]:
        """Everything queued right now, without waiting."""
        if self.overflowed:
            raise SubscriberTooSlow(f"more than {self.maxsize} events were waiting")
        drained = list(self._pending)
        self._pending.clear()
        return drained

    def close(self) -> None:
        self.bus.unsubscribe(self)


class EventBus:
    """Local fan-out shared by both backends; subclasses decide how events travel."""

    def __init__(self, *, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self.queue_size = queue_size
        self._subscribers: set[Subscriber] = set()
        self._seq = 0
        # Re-reads shared by every subscriber handling the same delivery (one query, not 200).
        self._reads: OrderedDict[tuple[Any, ...], asyncio.Future[Any]] = OrderedDict()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def subscribers_of(self, topic: Topic) -> int:
        """Subscribers of one topic (each live socket also watches Topic.USER)."""
        return sum(1 for subscriber in self._subscribers if topic in subscriber.topics)

    async def start(self, *, wait: bool = True) -> None:
        """Get ready to deliver; idempotent. Subscribing calls it too.

        `wait=False` returns at once (app startup must not hang on a database that is down).
        """

    async def stop(self) -> None:
        """Release connections and tasks; the bus starts again on next use."""
        self._reads.clear()

    async def publish(self, event: Event) -> None:
        raise NotImplementedError

    async def send_in_transaction(self, session: AsyncSession, batch: list[Event]) -> None:
        """Called inside the writer's transaction, just before it commits."""

    def committed(self, batch: list[Event]) -> None:
        """Called once the writer's transaction has committed (never on rollback)."""

    async def subscribe(
        self, topics: frozenset[Topic], *, maxsize: int | None = None
    ) -> Subscriber:
        """Register a subscriber; events published from now on reach it."""
        await self.start()
        subscriber = Subscriber(self, topics | {Topic.RESYNC}, maxsize or self.queue_size)
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def dispatch(self, event: Event) -> None:
        """Hand one event to every local subscriber of its topic (never blocks)."""
        self._seq += 1
        delivery = Delivery(self._seq, event)
        for subscriber in list(self._subscribers):
            if event.topic in subscriber.topics:
                subscriber.offer(delivery)

    async def shared_read(self, key: tuple[Any, ...], load: Callable[[], Awaitable[T]]) -> T:
        """Run `load` once per key however many subscribers ask at the same moment."""
        future = self._reads.get(key)
        if future is not None and future.done():
            # Most of a fan-out's subscribers come after the load finished: no shield (a
            # future and callbacks each) for them.
            return future.result()
        if future is None:
            future = asyncio.ensure_future(load())
            self._reads[key] = future
            while len(self._reads) > 1024:
                self._reads.popitem(last=False)
        return await asyncio.shield(future)


class InProcessBus(EventBus):
    """One process (SQLite): published events go straight to local subscribers."""

    async def publish(self, event: Event) -> None:
        event.to_json()  # the same size limit as PostgreSQL, so nothing works only here
        self.dispatch(event)

    def committed(self, batch: list[Event]) -> None:
        for event in batch:
            self.dispatch(event)


class PostgresBus(EventBus):
    """LISTEN/NOTIFY on one channel: every process delivers every event."""

    def __init__(
        self, conninfo: str, *, channel: str = CHANNEL, queue_size: int = DEFAULT_QUEUE_SIZE
    ) -> None:
        super().__init__(queue_size=queue_size)
        self.conninfo = conninfo
        self.channel = channel
        self._listener: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._start_lock = asyncio.Lock()
        self._publisher: psycopg.AsyncConnection[Any] | None = None
        self._publish_lock = asyncio.Lock()

    @classmethod
    def for_database_url(cls, url: str, **kwargs: Any) -> PostgresBus:
        conninfo = make_url(url).set(drivername="postgresql").render_as_string(False)
        return cls(conninfo, **kwargs)

    async def start(self, *, wait: bool = True) -> None:
        async with self._start_lock:
            if self._listener is None or self._listener.done():
                self._listening.clear()
                self._listener = asyncio.create_task(self._listen(), name="event-bus-listen")
        if not wait:
            return
        try:
            await asyncio.wait_for(self._listening.wait(), LISTEN_READY_TIMEOUT)
        except TimeoutError as error:
            raise EventBusUnavailable("cannot LISTEN for events: database unreachable") from error

    async def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
        self._listening.clear()
        async with self._publish_lock:
            publisher, self._publisher = self._publisher, None
            if publisher is not None:
                await publisher.close()
        await super().stop()

    async def publish(self, event: Event) -> None:
        payload = event.to_json()
        async with self._publish_lock:
            for attempt in (1, 2):
                try:
                    async with asyncio.timeout(PUBLISH_TIMEOUT_SECONDS):
                        if self._publisher is None or self._publisher.closed:
                            self._publisher = await psycopg.AsyncConnection.connect(
                                self.conninfo, autocommit=True
                            )
                        await self._publisher.execute(
                            "SELECT pg_notify(%s, %s)", (self.channel, payload)
                        )
                    return
                except (psycopg.OperationalError, TimeoutError):
                    # A pooled-out or restarted server: reconnect once, then give up.
                    if self._publisher is not None:
                        await self._publisher.close()
                    self._publisher = None
                    if attempt == 2:
                        raise

    async def send_in_transaction(self, session: AsyncSession, batch: list[Event]) -> None:
        # Delivered by PostgreSQL on commit (to this process's listener too), dropped on
        # rollback: one statement for the whole transaction, sent with its COMMIT.
        payloads = pack_payloads(batch)
        if len(payloads) == 1:
            send_with_commit(session, "SELECT pg_notify(%s, %s)", (self.channel, payloads[0]))
        elif payloads:
            send_with_commit(
                session,
                "SELECT pg_notify(%s, payload) FROM unnest(%s::text[]) AS payload",
                (self.channel, payloads),
            )

    async def _listen(self) -> None:
        connected_before = False
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.conninfo, autocommit=True, connect_timeout=10
                ) as connection:
                    await connection.execute(f'LISTEN "{self.channel}"')
                    if connected_before:
                        # Events committed while we were away are lost: screens re-snapshot.
                        self.dispatch(RESYNC_EVENT)
                    connected_before = True
                    self._listening.set()
                    while True:
                        async for notify in connection.notifies(
                            timeout=LISTEN_HEALTH_CHECK_SECONDS
                        ):
                            self._receive(notify.payload)
                        # Quiet for a while: make sure the connection is still alive.
                        await connection.execute("SELECT 1")
            except asyncio.CancelledError:
                raise
            except Exception:
                self._listening.clear()
                logger.warning("event listener lost its connection; reconnecting", exc_info=True)
                await asyncio.sleep(RECONNECT_DELAY_SECONDS)

    def _receive(self, payload: str) -> None:
        try:
            batch = events_from_payload(payload)
        except (ValueError, KeyError, TypeError):
            logger.warning("ignoring malformed event payload %r", payload[:200])
            return
        for event in batch:
            self.dispatch(event)


def pack_payloads(batch: list[Event]) -> list[str]:
    """NOTIFY payloads for `batch`: one event as an object, several as arrays of objects,
    each payload under PostgreSQL's size limit."""
    if len(batch) == 1:
        return [batch[0].to_json()]
    payloads: list[str] = []
    current: list[str] = []
    size = 1  # the opening bracket
    for event in batch:
        encoded = event.to_json()
        if current and size + 1 + len(encoded.encode()) > MAX_PAYLOAD_BYTES:
            payloads.append("[" + ",".join(current) + "]")
            current, size = [], 1
        current.append(encoded)
        size += len(encoded.encode()) + 1  # the comma or the closing bracket
    if current:
        payloads.append("[" + ",".join(current) + "]")
    return payloads


def events_from_payload(payload: str) -> list[Event]:
    """The events of one notification: an object (one event) or an array of them."""
    if payload.startswith("["):
        return [Event.from_dict(item) for item in json.loads(payload)]
    return [Event.from_json(payload)]


def create_bus(database_url: str, *, queue_size: int = DEFAULT_QUEUE_SIZE) -> EventBus:
    if database_url.startswith("sqlite"):
        return InProcessBus(queue_size=queue_size)
    return PostgresBus.for_database_url(database_url, queue_size=queue_size)


def attach(db: Database, bus: EventBus) -> None:
    """Make `bus` the one that sessions of `db` publish to (see `publish_after_commit`)."""
    for factory in (db.sessionmaker, db.read_sessionmaker):
        factory.configure(info={**(factory.kw.get("info") or {}), SESSION_BUS_KEY: bus})


def bus_of(session: AsyncSession) -> EventBus | None:
    return session.info.get(SESSION_BUS_KEY)


# ---------------------------------------------------------------------------------------
# The publishing API for services.
# ---------------------------------------------------------------------------------------


def publish_after_commit(session: AsyncSession, event: Event | Callable[[], Event]) -> None:
    """Publish `event` with the session's transaction: delivered on commit, never on rollback.

    Pass a callable to build the event just before commit (ids of new rows exist by then).
    An event that cannot be built is logged, never raised: it must not undo the change.
    """
    if bus_of(session) is None:
        return  # a session outside the app (CLI, seeding): nobody here is listening
    before_commit(session, _send_events, event)


async def _send_events(session: AsyncSession, pending: list[Event | Callable[[], Event]]) -> None:
    bus = bus_of(session)
    if bus is None:
        return
    batch: list[Event] = []
    for item in pending:
        try:
            event = item() if callable(item) else item
            event.to_json()  # over the size limit: refused here, not by PostgreSQL
        except Exception:
            logger.exception("could not build a change event")
            continue
        batch.append(event)
    if not batch:
        return
    batch = list(dict.fromkeys(batch))  # the same change announced twice goes out once
    await bus.send_in_transaction(session, batch)
    after_commit(session, lambda: _after_commit(bus, batch))


async def _after_commit(bus: EventBus, batch: list[Event]) -> None:
    """This process's share of a committed transaction's events."""
    bus.committed(batch)


def flushed_id(value: int | None) -> int:
    """The id of a row an event is about; refuses a row that was never flushed."""
    if value is None:
        raise ValueError("publish an event for a row that was flushed (it has no id)")
    return value
