"""Closing a business day: refused while its checks are open; then its Z report is stored
and nothing of its ledger changes (every ledger change calls `days.ensure_day_open`)."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import utcnow
from restaurant_api.errors import Conflict, NotFound
from restaurant_api.payments.days import BusinessCalendar, is_day_closed, lock_day
from restaurant_api.payments.models import BusinessDay, BusinessDayStatus
from restaurant_api.payments.report_model import DayReport
from restaurant_api.payments.reports import day_report, open_checks_of_day
from restaurant_api.users.service import MANAGERS, User, require_role

# At most this many open check ids are listed in the error (the count is always given).
LISTED_OPEN_CHECKS = 50


class OpenChecksRemain(Conflict):
    def __init__(self, day: date, order_ids: list[int]) -> None:
        listed = ", ".join(str(order_id) for order_id in order_ids[:LISTED_OPEN_CHECKS])
        more = len(order_ids) - LISTED_OPEN_CHECKS
        suffix = f" and {more} more" if more > 0 else ""
        super().__init__(
            f"Business day {day.isoformat()} has {len(order_ids)} open check(s): "
            f"{listed}{suffix}; settle or cancel them first",
            field="business_date",
        )
        self.order_ids = order_ids


class BusinessDayAlreadyClosed(Conflict):
    def __init__(self, day: date) -> None:
        super().__init__(f"Business day {day.isoformat()} is already closed", field="business_date")


class BusinessDayNotClosed(NotFound):
    def __init__(self, day: date) -> None:
        super().__init__(
            f"Business day {day.isoformat()} is not closed: no Z report yet (an X report "
            "gives the day so far)",
            field="business_date",
        )


async def close_business_day(
    session: AsyncSession,
    *,
    actor: User | None,
    calendar: BusinessCalendar,
    day: date,
    now: datetime | None = None,
) -> DayReport:
    """Close `day` (managers): store its Z report and lock its ledger. The date's exclusive
    lock waits for ledger changes in flight and keeps new ones out until the commit."""
    require_role(actor, MANAGERS)
    await lock_day(session, day, exclusive=True)
    if await is_day_closed(session, day):
        raise BusinessDayAlreadyClosed(day)
    open_checks = await open_checks_of_day(session, calendar, day)
    if open_checks:
        raise OpenChecksRemain(day, open_checks)
    moment = now or utcnow()
    report = await day_report(session, day, calendar=calendar, closed=True, now=moment)
    row = await session.get(BusinessDay, day)
    if row is None:
        row = BusinessDay(business_date=day, status=BusinessDayStatus.CLOSED)
    row.status = BusinessDayStatus.CLOSED
    row.closed_at = moment
    row.closed_by_id = actor.id if actor else None
    row.z_report = report.to_json()
    session.add(row)
    await session.flush()
    return report


async def x_report(
    session: AsyncSession,
    *,
    actor: User | None,
    calendar: BusinessCalendar,
    day: date,
    now: datetime | None = None,
) -> DayReport:
    """The day so far (managers), any time; a closed day's X equals its Z figures."""
    require_role(actor, MANAGERS)
    return await day_report(session, day, calendar=calendar, now=now)


async def z_report(session: AsyncSession, *, actor: User | None, day: date) -> DayReport:
    """The report stored when the day closed (managers); BusinessDayNotClosed before."""
    require_role(actor, MANAGERS)
    row = await session.get(BusinessDay, day)
    if row is None or row.status != BusinessDayStatus.CLOSED or row.z_report is None:
        raise BusinessDayNotClosed(day)
    return DayReport.from_json(row.z_report)
