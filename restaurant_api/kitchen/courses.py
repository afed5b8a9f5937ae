"""Courses: later courses wait, held, until a server (or the clock) fires them.

An order's lines carry a course (1 starters, 2 mains, 3 desserts, ...). Placing an order
fires its first course and holds the others (`kitchen.firing`); `fire_course` sends a held
course when the server calls it; `fire_due_courses` (a sweep of the kitchen watch) sends
an order's next held course by itself `after_minutes` after the previous course was served.

Lock order, as every order change: the order row first, then its tickets. Of two servers
(or processes) firing the same course, the second finds nothing held and fires nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import is_valid_id
from restaurant_api.enums import DescribedEnum
from restaurant_api.errors import Conflict, NotFound
from restaurant_api.kitchen.firing import fire_held_course
from restaurant_api.kitchen.models import KitchenTicket, TicketStatus
from restaurant_api.kitchen.service import live_line_counts
from restaurant_api.menu import service as menu_service
from restaurant_api.orders import service as orders_service
from restaurant_api.users.service import ALL_STAFF, User, require_role

COURSE_NAMES = {1: "Starters", 2: "Mains", 3: "Desserts"}

# An order that can no longer be served fires nothing.
_NOT_SERVED = (orders_service.OrderStatus.CANCELLED, orders_service.OrderStatus.SPLIT)


def course_name(number: int) -> str:
    """1 Starters, 2 Mains, 3 Desserts, else "Course N"."""
    return COURSE_NAMES.get(number, f"Course {number}")


class CourseStatus(DescribedEnum):
    HELD = "held", "Waiting: fire it (fireCourse) when the guests are ready for it."
    FIRED = "fired", "Fired: its stations are making it."
    READY = "ready", "Every ticket of the course is ready (or served)."
    SERVED = "served", "Every ticket of the course is served."


class CourseNotFound(NotFound):
    def __init__(self, course: int) -> None:
        super().__init__(
            f"The order has no {course_name(course)} (course {course})", field="course"
        )


class EarlierCourseHeld(Conflict):
    def __init__(self, earlier: int) -> None:
        super().__init__(
            f"Fire {course_name(earlier)} (course {earlier}) first: it is still held",
            field="course",
        )


@dataclass(frozen=True)
class CourseSummary:
    """One course of an order as its tickets say."""

    number: int
    status: CourseStatus
    # When its first ticket fired (None while held).
    fired_at: datetime | None
    ticket_count: int

    @property
    def name(self) -> str:
        return course_name(self.number)


def summarize_courses(tickets: Iterable[KitchenTicket]) -> list[CourseSummary]:
    """The courses of an order's tickets, in course order.

    Dismissed tickets count only when all of the course's tickets are dismissed (a ticket
    taken off the screen no longer holds its course back)."""
    by_course: dict[int, list[KitchenTicket]] = defaultdict(list)
    for ticket in tickets:
        by_course[ticket.course].append(ticket)
    summaries = []
    for number in sorted(by_course):
        group = by_course[number]
        shown = [t for t in group if t.dismissed_at is None] or group
        statuses = {TicketStatus(t.status) for t in shown}
        if TicketStatus.HELD in statuses:
            status = CourseStatus.HELD
        elif statuses == {TicketStatus.SERVED}:
            status = CourseStatus.SERVED
        elif statuses <= {TicketStatus.READY, TicketStatus.SERVED}:
            status = CourseStatus.READY
        else:
            status = CourseStatus.FIRED
        fired = [t.fired_at for t in group if t.fired_at is not None]
        summaries.append(
            CourseSummary(
                number=number,
                status=status,
                fired_at=min(fired) if fired else None,
                ticket_count=len(group),
            )
        )
    return summaries


@dataclass(frozen=True)
class CourseFiring:
    """What `fire_course` did: the tickets it fired (none when the course was already
    fired), and the course as it is now."""

    tickets: list[KitchenTicket]
    already_fired: bool
    course: CourseSummary


async def _order_tickets(session: AsyncSession, order_id: int) -> list[KitchenTicket]:
    rows = await session.exec(
        select(KitchenTicket)
        .where(KitchenTicket.order_id == order_id)
        .order_by(col(KitchenTicket.id))
        .execution_options(populate_existing=True)
    )
    return list(rows.all())


async def fire_course(
    session: AsyncSession,
    *,
    actor: User | None,
    order_id: int,
    course: int,
    now: datetime | None = None,
) -> CourseFiring:
    """Fire an order's held `course` to its stations (any staff: a server or the kitchen).

    Idempotent: a course already fired fires nothing (`already_fired`). An earlier course
    still held must be fired first (EarlierCourseHeld); a course without tickets is
    CourseNotFound; a cancelled or split order is OrderNotOpen.
    """
    user = require_role(actor, ALL_STAFF)
    menu_service.check_course(course, "course")
    order = await orders_service.lock_order(session, order_id) if is_valid_id(order_id) else None
    if order is None:
        raise orders_service.OrderNotFound()
    if order.status in _NOT_SERVED:
        raise orders_service.OrderNotOpen(order.status)
    tickets = await _order_tickets(session, order.id)
    if not any(t.course == course for t in tickets):
        raise CourseNotFound(course)
    earlier = sorted(
        {t.course for t in tickets if t.status == TicketStatus.HELD and t.course < course}
    )
    if earlier:
        raise EarlierCourseHeld(earlier[0])
    fired = await fire_held_course(
        session, order_id=order.id, course=course, actor_id=user.id, now=now
    )
    if fired:
        orders_service.order_changed(session, order)
    current = [t for t in await _order_tickets(session, order.id) if t.course == course]
    return CourseFiring(
        tickets=fired, already_fired=not fired, course=summarize_courses(current)[0]
    )


# --- the clock: courses that fire by themselves ----------------------------------------------


def _done_at(ticket: KitchenTicket, live_lines: int) -> datetime | None:
    """When a fired ticket stopped holding the next course back; None while it does."""
    if ticket.status == TicketStatus.SERVED:
        return ticket.served_at or ticket.updated_at
    if ticket.dismissed_at is not None:
        return ticket.dismissed_at
    if live_lines == 0:  # every line voided: nothing left to serve
        return ticket.updated_at
    return None


def next_due_course(
    tickets: Sequence[KitchenTicket],
    live_lines: dict[int, int],
    *,
    now: datetime,
    after_minutes: int,
) -> int | None:
    """The order's lowest held course when it is due: every fired ticket of the earlier
    courses is done (served, dismissed or wholly voided) and the last of them was done at
    least `after_minutes` ago. None when nothing is due."""
    held = [t.course for t in tickets if t.status == TicketStatus.HELD]
    if not held:
        return None
    course = min(held)
    last: datetime | None = None
    for ticket in tickets:
        if ticket.course >= course or ticket.status == TicketStatus.HELD:
            continue
        done = _done_at(ticket, live_lines.get(ticket.id, 0))
        if done is None:
            return None
        last = done if last is None else max(last, done)
    if last is not None and last + timedelta(minutes=after_minutes) > now:
        return None
    return course


async def _due_order_ids(session: AsyncSession, *, now: datetime, after_minutes: int) -> list[int]:
    """Orders that look due, read without locks (re-checked under the order's lock)."""
    with_held = select(KitchenTicket.order_id).where(KitchenTicket.status == TicketStatus.HELD)
    rows = await session.exec(
        select(KitchenTicket)
        .where(col(KitchenTicket.order_id).in_(with_held))
        .order_by(col(KitchenTicket.order_id), col(KitchenTicket.id))
        .execution_options(populate_existing=True)
    )
    by_order: dict[int, list[KitchenTicket]] = defaultdict(list)
    for ticket in rows.all():
        by_order[ticket.order_id].append(ticket)
    live = await live_line_counts(session, [t.id for ts in by_order.values() for t in ts])
    return [
        order_id
        for order_id, tickets in by_order.items()
        if next_due_course(tickets, live, now=now, after_minutes=after_minutes) is not None
    ]


async def fire_due_courses(
    session: AsyncSession, *, now: datetime, after_minutes: int
) -> list[KitchenTicket]:
    """Fire, on every open order, its next held course once the previous one is done and
    `after_minutes` passed (`settings.course_auto_fire_minutes`; a kitchen watch sweep).

    Race-safe: each order is locked and read again before firing, and held tickets are
    fired under their own lock, so two processes sweeping at once fire a course once.
    Returns the tickets fired.
    """
    fired: list[KitchenTicket] = []
    for order_id in await _due_order_ids(session, now=now, after_minutes=after_minutes):
        order = await orders_service.lock_order(session, order_id)
        if order is None or order.status != orders_service.OrderStatus.OPEN:
            continue
        tickets = await _order_tickets(session, order_id)
        live = await live_line_counts(session, [t.id for t in tickets])
        course = next_due_course(tickets, live, now=now, after_minutes=after_minutes)
        if course is None:
            continue
        tickets_fired = await fire_held_course(
            session, order_id=order_id, course=course, actor_id=None, now=now
        )
        if tickets_fired:
            orders_service.order_changed(session, order)
        fired.extend(tickets_fired)
    return fired
