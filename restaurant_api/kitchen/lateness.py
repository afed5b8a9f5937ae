"""Late tickets: a fired ticket not ready by its due time is late, announced once.

A ticket is due at `fired_at` + the longest prep-time target of its lines
(`kitchen.firing.due_at`). The watch of every process (`kitchen.watch`) runs
`detect_late_tickets` every few seconds; one atomic UPDATE stamps `late_at` and returns
the tickets it stamped, so of several processes sweeping at once exactly one gets each
ticket, and only that one announces it (an alert event and a ticket change, sent with its
commit). A ticket is late only while it is being worked on (pending or preparing) and on
the kitchen display: a ready, served, held or dismissed ticket never goes late.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.kitchen.events import ticket_changed, ticket_late
from restaurant_api.kitchen.models import KitchenTicket, KitchenTicketLine, TicketStatus

# Statuses in which a ticket can go late: fired and not ready yet.
WORKING_STATUSES = (TicketStatus.PENDING, TicketStatus.PREPARING)
# At most this many tickets stamped per sweep (the next sweep takes the rest).
MAX_LATE_PER_SWEEP = 500


async def detect_late_tickets(
    session: AsyncSession, *, now: datetime, limit: int = MAX_LATE_PER_SWEEP
) -> list[KitchenTicket]:
    """Stamp `late_at = now` on every working ticket whose due time has passed and that
    was not announced yet; announce each (alert + change events, sent on commit).

    One UPDATE ... RETURNING stamps the candidates: a ticket is stamped by exactly one of
    several concurrent sweeps (PostgreSQL re-checks `late_at IS NULL` after waiting for a
    concurrent stamp; SQLite has one writer at a time). Returns the tickets stamped, oldest
    due first.
    """
    due = (
        col(KitchenTicket.due_at).is_not(None),
        col(KitchenTicket.due_at) <= now,
        col(KitchenTicket.late_at).is_(None),
        col(KitchenTicket.status).in_([status.value for status in WORKING_STATUSES]),
        col(KitchenTicket.dismissed_at).is_(None),
    )
    # Candidates first (a plain read on the due_at index): a sweep that finds nothing due
    # writes nothing, so it does not touch the kitchen's cache generation every few seconds.
    candidates = await session.exec(
        select(col(KitchenTicket.id))
        .where(*due)
        .order_by(col(KitchenTicket.due_at), col(KitchenTicket.id))
        .limit(limit)
    )
    ids = list(candidates.all())
    if not ids:
        return []
    # The conditions again: a concurrent sweep that stamped a candidate first wins it.
    stamped = await session.exec(
        update(KitchenTicket)
        .where(col(KitchenTicket.id).in_(ids), *due)
        .values(late_at=now)
        .returning(KitchenTicket)
        .execution_options(populate_existing=True, synchronize_session=False)
    )
    tickets = sorted(stamped.scalars().all(), key=lambda t: (_utc(t.due_at), t.id))
    for ticket in tickets:
        ticket_late(session, ticket)
        ticket_changed(session, ticket)
    return tickets


class TimedTicket(Protocol):
    """What lateness needs of a ticket (a model row, or its GraphQL object)."""

    @property
    def status(self) -> TicketStatus: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def late_at(self) -> datetime | None: ...
    @property
    def ready_at(self) -> datetime | None: ...
    @property
    def dismissed_at(self) -> datetime | None: ...


async def late_tickets(
    session: AsyncSession, *, station_id: int | None, limit: int
) -> list[KitchenTicket]:
    """Tickets announced late and still worked on (on the display), oldest due first."""
    query = select(KitchenTicket).where(
        col(KitchenTicket.late_at).is_not(None),
        col(KitchenTicket.status).in_([status.value for status in WORKING_STATUSES]),
        col(KitchenTicket.dismissed_at).is_(None),
    )
    if station_id is not None:
        query = query.where(KitchenTicket.station_id == station_id)
    query = query.order_by(col(KitchenTicket.due_at), col(KitchenTicket.id)).limit(limit)
    return list((await session.exec(query)).all())


def is_late(ticket: TimedTicket, now: datetime) -> bool:
    """Late: announced late once, or its due time has passed while it is worked on (the
    watch has not swept yet), or it became ready after its due time."""
    if ticket.late_at is not None:
        return True
    if ticket.due_at is None:
        return False
    due = _utc(ticket.due_at)
    if ticket.status in WORKING_STATUSES:
        return ticket.dismissed_at is None and due <= _utc(now)
    return ticket.ready_at is not None and _utc(ticket.ready_at) > due


def target_line(lines: Sequence[KitchenTicketLine]) -> KitchenTicketLine | None:
    """The live line with the longest prep-time target: the one that set the due time
    (the first such line on a tie)."""
    best: KitchenTicketLine | None = None
    for line in lines:
        if line.voided_at is not None or line.prep_minutes is None:
            continue
        if best is None or line.prep_minutes > (best.prep_minutes or 0):
            best = line
    return best


@dataclass(frozen=True, slots=True)
class LateReason:
    """Why a ticket is late: its due time, how late, and the line that set the target."""

    due_at: datetime
    late_seconds: int
    line_name: str | None
    line_quantity: int | None
    prep_minutes: int | None
    ready: bool

    def text(self) -> str:
        minutes = max(self.late_seconds, 0) // 60
        state = "ready" if self.ready else "not ready"
        head = f"{state} {minutes} min after due"
        if self.line_name is None:
            return head
        return f"{head}: {self.line_quantity}x {self.line_name} ({self.prep_minutes} min target)"


def late_reason(
    ticket: TimedTicket, lines: Sequence[KitchenTicketLine], now: datetime
) -> LateReason | None:
    """Why `ticket` is (or was) late at `now`; None when it is not late.

    Late by: until ready for a ticket that became ready, else until `now`.
    """
    if not is_late(ticket, now) or ticket.due_at is None:
        return None
    due = _utc(ticket.due_at)
    ready = ticket.ready_at is not None and ticket.status not in WORKING_STATUSES
    until = _utc(ticket.ready_at) if ready and ticket.ready_at is not None else _utc(now)
    line = target_line(lines)
    return LateReason(
        due_at=due,
        late_seconds=int((until - due).total_seconds()),
        line_name=line.name if line else None,
        line_quantity=line.quantity if line else None,
        prep_minutes=line.prep_minutes if line else None,
        ready=ready,
    )


def _utc(value: datetime | None) -> datetime:
    if value is None:
        return datetime.max.replace(tzinfo=UTC)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
