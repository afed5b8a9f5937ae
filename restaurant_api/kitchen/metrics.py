"""Kitchen metrics of a business day: speed and lateness per station and hour.

A ticket counts in the business day and the local hour (restaurant time zone) it was
fired in. Its time is fired-to-ready: `ready_at - fired_at`, for tickets that became ready
(a recalled ticket counts once it is ready again). The median is the middle value (the
mean of the two middle ones for an even count); the 90th percentile is the nearest-rank
value: the smallest time that at least 90% of the tickets met, a time one of them took.
A ticket is late when it was announced late or its due time passed while it was worked on.
Managers only.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.kitchen import service
from restaurant_api.kitchen.lateness import LateReason, is_late, late_reason, target_line
from restaurant_api.kitchen.models import KitchenTicket, KitchenTicketLine, TicketStatus
from restaurant_api.payments.service import BusinessCalendar
from restaurant_api.users.service import MANAGERS, User, require_role

# The late tickets listed (worst first); `late_count` counts them all.
MAX_LATE_LISTED = 100
# Hours of a business day (25 across the autumn daylight-saving change).
MAX_HOURS = 25
# Stations listed in one report (a kitchen has a handful; a bound for the query cost).
MAX_STATIONS = 50


@dataclass
class TimingStats:
    """Tickets fired, how fast they became ready, how many were late."""

    tickets_fired: int = 0
    late_count: int = 0
    ready_seconds: list[float] = field(default_factory=list)

    @property
    def ready_count(self) -> int:
        return len(self.ready_seconds)

    @property
    def median_seconds(self) -> float | None:
        return statistics.median(self.ready_seconds) if self.ready_seconds else None

    @property
    def p90_seconds(self) -> float | None:
        return percentile(self.ready_seconds, 90)

    def add(self, ticket: KitchenTicket, now: datetime) -> None:
        self.tickets_fired += 1
        if is_late(ticket, now):
            self.late_count += 1
        if ticket.ready_at is not None and ticket.fired_at is not None:
            self.ready_seconds.append(
                (_utc(ticket.ready_at) - _utc(ticket.fired_at)).total_seconds()
            )


@dataclass(kw_only=True)
class HourMetrics(TimingStats):
    """One local hour of a station's day."""

    hour_start: datetime  # the UTC instant the hour starts
    local_hour: int  # 0..23 on the restaurant's wall clock


@dataclass(kw_only=True)
class StationMetrics(TimingStats):
    station: str
    hours: list[HourMetrics] = field(default_factory=list)


@dataclass(frozen=True)
class LateTicket:
    ticket: KitchenTicket
    reason: LateReason
    line: KitchenTicketLine | None


@dataclass
class KitchenMetrics:
    business_date: date
    start: datetime
    end: datetime
    total: TimingStats
    stations: list[StationMetrics]
    late_tickets: list[LateTicket]


def percentile(values: Sequence[float], rank: int) -> float | None:
    """The nearest-rank percentile: the smallest value with `rank`% of values at or below."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(rank / 100 * len(ordered)), 1) - 1]


async def kitchen_metrics(
    session: AsyncSession,
    *,
    actor: User | None,
    calendar: BusinessCalendar,
    day: date,
    station: str | None,
    now: datetime,
) -> KitchenMetrics:
    """Per station and local hour of `day`: tickets fired, median and p90 fired-to-ready
    seconds, late count; and the late tickets, worst first."""
    require_role(actor, MANAGERS)
    start, end = calendar.bounds(day)
    query = select(KitchenTicket).where(
        col(KitchenTicket.fired_at) >= start,
        col(KitchenTicket.fired_at) < end,
        col(KitchenTicket.status) != TicketStatus.HELD.value,
    )
    if station is not None:
        query = query.where(KitchenTicket.station == station)
    tickets = list((await session.exec(query.order_by(col(KitchenTicket.fired_at)))).all())
    zone = ZoneInfo(calendar.timezone)
    total = TimingStats()
    stations: dict[str, StationMetrics] = {}
    hours: dict[tuple[str, datetime], HourMetrics] = {}
    late: list[KitchenTicket] = []
    for ticket in tickets:
        assert ticket.fired_at is not None  # filtered on
        local = _utc(ticket.fired_at).astimezone(zone).replace(minute=0, second=0, microsecond=0)
        hour_start = local.astimezone(UTC)
        per_station = stations.setdefault(ticket.station, StationMetrics(station=ticket.station))
        hour = hours.get((ticket.station, hour_start))
        if hour is None:
            hour = HourMetrics(hour_start=hour_start, local_hour=local.hour)
            hours[(ticket.station, hour_start)] = hour
            per_station.hours.append(hour)
        for stats in (total, per_station, hour):
            stats.add(ticket, now)
        if is_late(ticket, now):
            late.append(ticket)
    return KitchenMetrics(
        business_date=day,
        start=start,
        end=end,
        total=total,
        stations=sorted(stations.values(), key=lambda s: s.station)[:MAX_STATIONS],
        late_tickets=await _late_tickets(session, late, now),
    )


async def _late_tickets(
    session: AsyncSession, tickets: list[KitchenTicket], now: datetime
) -> list[LateTicket]:
    # Worst first, then only the listed ones' lines are read (for the line behind the target).
    by_lateness = [
        (-reason.late_seconds, ticket.id, ticket)
        for ticket in tickets
        if (reason := late_reason(ticket, [], now)) is not None
    ]
    by_lateness.sort(key=lambda row: (row[0], row[1]))
    listed = [ticket for _, _, ticket in by_lateness[:MAX_LATE_LISTED]]
    lines = await service.lines_for_tickets(session, [ticket.id for ticket in listed])
    rows: list[LateTicket] = []
    for ticket in listed:
        ticket_lines = lines.get(ticket.id, [])
        reason = late_reason(ticket, ticket_lines, now)
        if reason is not None:
            rows.append(LateTicket(ticket, reason, target_line(ticket_lines)))
    return rows


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
