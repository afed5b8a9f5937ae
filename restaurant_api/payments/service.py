"""The payments domain's public interface: the ledger, tips and refunds, business days and
their reports. Adapters and other domains import from here."""

from __future__ import annotations

from restaurant_api.payments.day_close import (
    BusinessDayAlreadyClosed,
    BusinessDayNotClosed,
    OpenChecksRemain,
    close_business_day,
    x_report,
    z_report,
)
from restaurant_api.payments.days import (
    BusinessCalendar,
    BusinessDayClosed,
    business_date,
    calendar_for,
    ensure_day_open,
    is_day_closed,
    parse_business_date,
)
from restaurant_api.payments.report_model import DayReport
from restaurant_api.payments.reports import day_report
from restaurant_api.payments.reports_csv import report_csv

__all__ = [
    "BusinessCalendar",
    "BusinessDayAlreadyClosed",
    "BusinessDayClosed",
    "BusinessDayNotClosed",
    "DayReport",
    "OpenChecksRemain",
    "business_date",
    "calendar_for",
    "close_business_day",
    "day_report",
    "ensure_day_open",
    "is_day_closed",
    "parse_business_date",
    "report_csv",
    "x_report",
    "z_report",
]
