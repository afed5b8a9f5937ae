"""Business dates: a restaurant's day often ends after midnight.

A payment, a tip adjustment or a refund belongs to the business date of the moment it is
recorded; once that date is closed (`BusinessDay` row with status closed) nothing of it
changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import utcnow
from restaurant_api.errors import Conflict
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


class BusinessDayClosed(Conflict):
    def __init__(self, day: date) -> None:
        super().__init__(
            f"Business day {day.isoformat()} is closed: its payments, tips and refunds "
            "cannot change",
            field="business_date",
        )


async def is_day_closed(session: AsyncSession, day: date) -> bool:
    row = await session.get(BusinessDay, day)
    return row is not None and row.status == BusinessDayStatus.CLOSED


async def ensure_day_open(session: AsyncSession, day: date) -> None:
    """BusinessDayClosed unless `day` is still open. Callers hold the lock of what they
    change (the order row); closing a day takes the same order locks (days/reports)."""
    if await is_day_closed(session, day):
        raise BusinessDayClosed(day)
