"""Business dates: a restaurant's day often ends after midnight.

A payment, a tip adjustment or a refund belongs to the business date of the moment it is
recorded; once that date is closed (`BusinessDay` row with status closed) nothing of it
changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.config import Settings
from restaurant_api.db import utcnow
from restaurant_api.errors import Conflict, InvalidInput
from restaurant_api.payments.models import BusinessDay, BusinessDayStatus


def business_date(moment: datetime, *, timezone: str, cutoff_hour: int) -> date:
    """The business date of an aware instant: its local date, or the day before when it is
    before the cut-off hour (a 01:30 payment with a 04:00 cut-off belongs to yesterday)."""
    local = moment.astimezone(ZoneInfo(timezone))
    return (local - timedelta(hours=cutoff_hour)).date()


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """The restaurant's time zone and cut-off hour (settings `RESTAURANT_TIMEZONE`,
    `BUSINESS_DAY_CUTOFF_HOUR`); adapters build it from the settings, tests pass a clock."""

    timezone: str = "UTC"
    cutoff_hour: int = 4

    def date_of(self, moment: datetime) -> date:
        return business_date(moment, timezone=self.timezone, cutoff_hour=self.cutoff_hour)

    def today(self, now: datetime | None = None) -> date:
        return self.date_of(now or utcnow())

    def bounds(self, day: date) -> tuple[datetime, datetime]:
        """The UTC instants [start, end) of a business date: cut-off to cut-off, local time
        (a day across a daylight-saving change is 23 or 25 hours long)."""
        zone = ZoneInfo(self.timezone)
        start = datetime.combine(day, time(self.cutoff_hour), tzinfo=zone)
        end = datetime.combine(day + timedelta(days=1), time(self.cutoff_hour), tzinfo=zone)
        return start.astimezone(UTC), end.astimezone(UTC)


def calendar_for(settings: Settings) -> BusinessCalendar:
    """The restaurant's calendar from its settings (what adapters pass to the services)."""
    return BusinessCalendar(settings.restaurant_timezone, settings.business_day_cutoff_hour)


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_business_date(value: str, field: str = "business_date") -> date:
    """A business date written YYYY-MM-DD, strictly (no time, no week dates)."""
    if not isinstance(value, str) or _DATE.fullmatch(value) is None:
        raise InvalidInput(f"{field} must be a date written YYYY-MM-DD", field=field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value} is not a date", field=field) from None


class BusinessDayClosed(Conflict):
    def __init__(self, day: date) -> None:
        super().__init__(
            f"Business day {day.isoformat()} is closed: its payments, tips and refunds "
            "cannot change",
            field="business_date",
        )


async def is_day_closed(session: AsyncSession, day: date) -> bool:
    row = await session.get(BusinessDay, day, populate_existing=True)
    return row is not None and row.status == BusinessDayStatus.CLOSED


# Advisory lock class of business dates (PostgreSQL): (DAY_LOCK_CLASS, date ordinal).
DAY_LOCK_CLASS = 14_001


async def lock_day(session: AsyncSession, day: date, *, exclusive: bool) -> None:
    """On PostgreSQL, a transaction advisory lock on the date: ledger changes take it shared,
    closing the day exclusive, so a change either commits before the close reads the ledger
    or waits and then sees the day closed. SQLite serializes writers already."""
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        return
    lock = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
    await session.exec(select(lock(DAY_LOCK_CLASS, day.toordinal())))


async def ensure_day_open(session: AsyncSession, day: date) -> None:
    """BusinessDayClosed unless `day` is still open; holds the date's shared lock until the
    transaction ends, so the day cannot close under the change (`lock_day`)."""
    await lock_day(session, day, exclusive=False)
    if await is_day_closed(session, day):
        raise BusinessDayClosed(day)
