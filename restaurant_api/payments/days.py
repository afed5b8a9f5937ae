"""Business dates: a restaurant's day often ends after midnight."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


def business_date(moment: datetime, *, timezone: str, cutoff_hour: int) -> date:
    """The business date of an aware instant: its local date, or the day before when it is
    before the cut-off hour (a 01:30 payment with a 04:00 cut-off belongs to yesterday)."""
    local = moment.astimezone(ZoneInfo(timezone))
    return (local - timedelta(hours=cutoff_hour)).date()
