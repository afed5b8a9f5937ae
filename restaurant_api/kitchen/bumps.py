"""Item-level bumps: a station marks one ticket line ready (or takes the bump back).

The ticket follows its lines: the first bump of a pending ticket starts it (preparing),
the bump of its last live (non-void) line makes it ready, and taking a bump back from a
ready ticket recalls it to preparing. Each ticket move is a TicketEvent. The ticket row is
locked first, so two cooks bumping the last two lines at once make it ready exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import is_valid_id, utcnow
from restaurant_api.errors import Conflict, NotFound
from restaurant_api.kitchen.events import ticket_changed
from restaurant_api.kitchen.models import KitchenTicket, KitchenTicketLine, TicketStatus
from restaurant_api.kitchen.service import lock_tickets, move_ticket
from restaurant_api.users.service import ALL_STAFF, User, require_role


class TicketLineNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Ticket line not found")


class LineNotBumpable(Conflict):
    """The line's ticket is held, served or dismissed, or the line was voided."""


@dataclass(frozen=True)
class Bump:
    """A bumped (or un-bumped) line and its ticket as they are now."""

    line: KitchenTicketLine
    ticket: KitchenTicket


async def _locked(session: AsyncSession, line_id: int) -> tuple[KitchenTicket, KitchenTicketLine]:
    """The line's ticket, locked (not dismissed), then the line read again after the lock."""
    if not is_valid_id(line_id):
        raise TicketLineNotFound()
    ticket_id = (
        await session.exec(
            select(KitchenTicketLine.ticket_id).where(KitchenTicketLine.id == line_id)
        )
    ).first()
    if ticket_id is None:
        raise TicketLineNotFound()
    tickets = await lock_tickets(session, col(KitchenTicket.id) == ticket_id)
    if not tickets:
        raise LineNotBumpable("The ticket was taken off the kitchen display")
    line = (
        await session.exec(
            select(KitchenTicketLine)
            .where(KitchenTicketLine.id == line_id)
            .execution_options(populate_existing=True)
        )
    ).one()
    return tickets[0], line


def _check_bumpable(ticket: KitchenTicket, line: KitchenTicketLine) -> None:
    if ticket.status == TicketStatus.HELD:
        raise LineNotBumpable("The line's course is held: fire it before bumping its lines")
    if ticket.status == TicketStatus.SERVED:
        raise LineNotBumpable("The ticket was served")
    if line.voided_at is not None:
        raise LineNotBumpable("The line was voided")


async def _live_lines_left(session: AsyncSession, ticket_id: int) -> int:
    rows = await session.exec(
        select(KitchenTicketLine.id).where(
            KitchenTicketLine.ticket_id == ticket_id,
            col(KitchenTicketLine.voided_at).is_(None),
            col(KitchenTicketLine.ready_at).is_(None),
        )
    )
    return len(rows.all())


async def bump_line(
    session: AsyncSession, *, actor: User | None, line_id: int, now: datetime | None = None
) -> Bump:
    """Mark one line ready; a line already ready changes nothing (idempotent)."""
    user = require_role(actor, ALL_STAFF)
    ticket, line = await _locked(session, line_id)
    _check_bumpable(ticket, line)
    if line.ready_at is not None:
        return Bump(line=line, ticket=ticket)
    now = now or utcnow()
    line.ready_at = now
    session.add(line)
    await session.flush()
    moved = False
    if ticket.status == TicketStatus.PENDING:
        await move_ticket(session, ticket, TicketStatus.PREPARING, actor_id=user.id, now=now)
        moved = True
    if ticket.status == TicketStatus.PREPARING and await _live_lines_left(session, ticket.id) == 0:
        await move_ticket(session, ticket, TicketStatus.READY, actor_id=user.id, now=now)
        moved = True
    if not moved:
        ticket.updated_at = now
        session.add(ticket)
        ticket_changed(session, ticket)
    await session.flush()
    return Bump(line=line, ticket=ticket)


async def undo_bump(
    session: AsyncSession, *, actor: User | None, line_id: int, now: datetime | None = None
) -> Bump:
    """Take a line's bump back; a ready ticket is recalled to preparing (only this line
    goes back). A line not bumped changes nothing."""
    user = require_role(actor, ALL_STAFF)
    ticket, line = await _locked(session, line_id)
    _check_bumpable(ticket, line)
    if line.ready_at is None:
        return Bump(line=line, ticket=ticket)
    now = now or utcnow()
    line.ready_at = None
    session.add(line)
    if ticket.status == TicketStatus.READY:
        await move_ticket(
            session, ticket, TicketStatus.PREPARING, actor_id=user.id, now=now, recall_lines=False
        )
    else:
        ticket.updated_at = now
        session.add(ticket)
        ticket_changed(session, ticket)
    await session.flush()
    return Bump(line=line, ticket=ticket)
