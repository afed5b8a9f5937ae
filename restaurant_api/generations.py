"""Generations: a counter per topic that every committed write to the topic's tables bumps.

The response cache (restaurant_api.api.response_cache) stamps each entry with the
generations it read *before* reading its data, and serves the entry only while a check that
started after the request arrived still reads the same generations.

Which topics a transaction changed is seen by the session itself, not by the services: a
listener records the table of every flushed row and of every ORM INSERT/UPDATE/DELETE
statement (`TABLE_TOPICS`), so a write that publishes no live event (a seed, a test's
direct insert, a cascade) still invalidates. After the commit, and before the request that
wrote sends its response (the after-commit hooks of `db.session` and `Context.finish` run
before the answer is returned), the generations of those topics are bumped.

Why that is exact (PostgreSQL, several processes):
- A writer W commits at c, bumps the topic's sequence at b > c, then acknowledges at a > b.
- A reader R in another process receives a request at r > a (it was sent after the
  acknowledgement), and reads the generations at s >= r (only a check that *started* after
  the request arrived is used, see PostgresGenerations.read). Sequences are monotonic and
  `nextval` is visible to every session as soon as it returns, so what R reads includes W's
  bump: it is strictly greater than any value read before b.
- An entry E was stamped with generations read at e1, then its data read at e2 > e1. If E's
  stamp equals what R read, E's stamp includes W's bump, so e1 > b > c, so e2 > c: every
  statement E's data came from took its snapshot after W's commit and saw W's change. If the
  stamp does not include the bump, it differs from what R read and E is not served.
A write that commits but has not bumped yet is not acknowledged: serving either state is
correct. A notification (LISTEN) cannot give this guarantee (it arrives asynchronously); it
only frees entries early.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Iterable
from typing import Any

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlalchemy.sql.dml import UpdateBase

from restaurant_api.db import AFTER_COMMIT_KEY, Database
from restaurant_api.db_rows import RAW_WRITE_LISTENERS
from restaurant_api.events import Topic

logger = logging.getLogger("restaurant_api.generations")

# The topics that have a generation, in a fixed order (a stamp is a tuple in this order).
# alembic/versions/0004 creates one PostgreSQL sequence for each.
TOPICS: tuple[Topic, ...] = (Topic.MENU, Topic.ORDER, Topic.KITCHEN_TICKET, Topic.TABLE, Topic.USER)
TOPIC_INDEX = {topic: index for index, topic in enumerate(TOPICS)}
Stamp = tuple[int, ...]

# What each table's rows are part of. Tables absent here (login attempts, refresh tokens,
# invitations, idempotency records) are read by no cached answer.
TABLE_TOPICS: dict[str, Topic] = {
    "menu_items": Topic.MENU,
    "modifier_groups": Topic.MENU,
    "modifier_options": Topic.MENU,
    "menu_item_modifier_groups": Topic.MENU,
    "orders": Topic.ORDER,
    "order_lines": Topic.ORDER,
    "order_discounts": Topic.ORDER,
    "order_service_charges": Topic.ORDER,
    "order_audit_entries": Topic.ORDER,
    "kitchen_tickets": Topic.KITCHEN_TICKET,
    "kitchen_ticket_lines": Topic.KITCHEN_TICKET,
    "kitchen_ticket_events": Topic.KITCHEN_TICKET,
    "dining_tables": Topic.TABLE,
    "seats": Topic.TABLE,
    "users": Topic.USER,
}

GENERATIONS_KEY = "generations"
_TOUCHED_KEY = "generations_touched"
_HOOK_KEY = "generations_hook"
# A bump runs after the commit, inside the request: a dead server must not hang it.
BUMP_TIMEOUT_SECONDS = 5.0


def sequence_name(topic: Topic) -> str:
    return f"cache_generation_{topic.value}"


class Generations:
    """Per-topic counters: `read()` all of them, `bump()` some after a commit."""

    async def read(self) -> Stamp:
        raise NotImplementedError

    async def bump(self, topics: Collection[Topic]) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        """Release connections; they reopen on next use."""


class LocalGenerations(Generations):
    """One process (SQLite): counters in memory, exact without any I/O."""

    def __init__(self) -> None:
        self._counts = [0] * len(TOPICS)

    async def read(self) -> Stamp:
        return tuple(self._counts)

    async def bump(self, topics: Collection[Topic]) -> None:
        for topic in topics:
            self._counts[TOPIC_INDEX[topic]] += 1


class PostgresGenerations(Generations):
    """Sequences shared by every process on the database.

    Reads are coalesced: one statement answers every request that arrived before it started
    (`read` joins the next check, never one already running, which could have read the
    sequences before a bump the caller's client was already told about).
    """

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        columns = ", ".join(
            # A fresh sequence reads last_value 1, is_called false; after nextval 1, true.
            f"(SELECT last_value + is_called::int FROM {sequence_name(topic)})"
            for topic in TOPICS
        )
        self._read_sql = f"SELECT {columns}"
        self._reader: psycopg.AsyncConnection[Any] | None = None
        self._writer: psycopg.AsyncConnection[Any] | None = None
        self._write_lock = asyncio.Lock()
        self._next: asyncio.Future[Stamp] | None = None
        self._checking = False

    @classmethod
    def for_database_url(cls, url: str) -> PostgresGenerations:
        return cls(make_url(url).set(drivername="postgresql").render_as_string(False))

    async def read(self) -> Stamp:
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            if not self._checking:
                self._checking = True
                asyncio.create_task(self._check())  # noqa: RUF006 (ends when nobody waits)
        # Shielded: one waiter giving up must not cancel the check the others share.
        return await asyncio.shield(self._next)

    async def _check(self) -> None:
        try:
            while self._next is not None:
                waiting, self._next = self._next, None
                try:
                    stamp = await self._query()
                except Exception as error:
                    waiting.set_exception(error)
                    # Retrieved by the waiters; mark it so an abandoned one logs nothing.
                    waiting.exception()
                else:
                    waiting.set_result(stamp)
        finally:
            self._checking = False

    async def _query(self) -> Stamp:
        try:
            if self._reader is None or self._reader.closed:
                self._reader = await psycopg.AsyncConnection.connect(
                    self.conninfo, autocommit=True, connect_timeout=5
                )
            async with asyncio.timeout(BUMP_TIMEOUT_SECONDS):
                cursor = await self._reader.execute(self._read_sql)
                row = await cursor.fetchone()
        except BaseException:
            if self._reader is not None:
                await self._reader.close()
            self._reader = None
            raise
        assert row is not None
        return tuple(int(value) for value in row)

    async def bump(self, topics: Collection[Topic]) -> None:
        if not topics:
            return
        calls = ", ".join(f"nextval('{sequence_name(topic)}')" for topic in sorted(topics))
        async with self._write_lock:
            for attempt in (1, 2):
                try:
                    async with asyncio.timeout(BUMP_TIMEOUT_SECONDS):
                        if self._writer is None or self._writer.closed:
                            self._writer = await psycopg.AsyncConnection.connect(
                                self.conninfo, autocommit=True, connect_timeout=5
                            )
                        await self._writer.execute(f"SELECT {calls}")
                    return
                except (psycopg.OperationalError, TimeoutError):
                    # A restarted server or a dropped connection: reconnect once.
                    if self._writer is not None:
                        await self._writer.close()
                    self._writer = None
                    if attempt == 2:
                        raise

    async def close(self) -> None:
        async with self._write_lock:
            for connection in (self._reader, self._writer):
                if connection is not None:
                    await connection.close()
            self._reader = self._writer = None


def create_generations(database_url: str) -> Generations:
    if database_url.startswith("sqlite"):
        return LocalGenerations()
    return PostgresGenerations.for_database_url(database_url)


def attach(db: Database, generations: Generations) -> None:
    """Bump `generations` after every committed write through sessions of `db`."""
    for factory in (db.sessionmaker, db.read_sessionmaker):
        info = dict(factory.kw.get("info") or {})
        info[GENERATIONS_KEY] = generations
        factory.configure(info=info)


# ---------------------------------------------------------------------------------------
# Which topics a session wrote: recorded on flush and on ORM DML statements.
# ---------------------------------------------------------------------------------------


def _touched(session: Session, topics: Iterable[Topic]) -> None:
    info = session.info
    generations: Generations | None = info.get(GENERATIONS_KEY)
    touched: set[Topic] = info.setdefault(_TOUCHED_KEY, set())
    touched.update(topics)
    if generations is None or not touched:
        return
    hook: Callable[[], Any] | None = info.get(_HOOK_KEY)
    if hook is None:

        async def hook() -> None:
            # Once per commit: the first hook to run takes every topic recorded so far.
            # Topics of a rolled-back savepoint may be bumped too, which is only wasteful.
            # (Unregistered as it runs: `info` holds the hook, which holds `info`.)
            info.pop(_HOOK_KEY, None)
            pending: set[Topic] = info.pop(_TOUCHED_KEY, set())
            if pending:
                try:
                    await generations.bump(pending)
                except Exception:
                    # Committed but not invalidated: other processes could serve a stale
                    # answer after this success, so the writer must not report one.
                    logger.exception("could not bump cache generations after commit")
                    raise

        info[_HOOK_KEY] = hook
    hooks: list[Any] = info.setdefault(AFTER_COMMIT_KEY, [])
    # A savepoint that rolled back removed its hooks (run_mutation): register again.
    if hook not in hooks:
        hooks.append(hook)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    topics = set()
    for instance in (*session.new, *session.dirty, *session.deleted):
        table = getattr(instance, "__tablename__", None)
        topic = TABLE_TOPICS.get(table) if isinstance(table, str) else None
        if topic is not None:
            topics.add(topic)
    if topics:
        _touched(session, topics)


def _raw_write(session: Session, tables: frozenset[str]) -> None:
    topics = {TABLE_TOPICS[table] for table in tables if table in TABLE_TOPICS}
    if topics:
        _touched(session, topics)


RAW_WRITE_LISTENERS.append(_raw_write)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    statement = state.statement
    if isinstance(statement, UpdateBase):
        table = getattr(statement, "table", None)
        topic = TABLE_TOPICS.get(getattr(table, "name", ""))
        if topic is not None:
            _touched(state.session, [topic])
