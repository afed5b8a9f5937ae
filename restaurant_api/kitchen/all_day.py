"""All-day counts: how many of each item (with its options) a station still has to make.

Counted: live (not voided) lines not bumped ready, on fired tickets still being worked on
(pending or preparing) and not dismissed. Held courses are not counted: nobody starts them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.kitchen.models import (
    KitchenStation,
    KitchenTicket,
    KitchenTicketLine,
    TicketStatus,
)
from restaurant_api.users.service import ALL_STAFF, User, require_role

# The most rows one answer holds (a busy kitchen has a few dozen); beyond: `truncated`.
MAX_ALL_DAY_ROWS = 200
COUNTED = (TicketStatus.PENDING, TicketStatus.PREPARING)


@dataclass(frozen=True)
class AllDayCount:
    station: str
    name: str
    options: tuple[str, ...]
    quantity: int


@dataclass(frozen=True)
class AllDayCounts:
    station: str | None
    counts: tuple[AllDayCount, ...]
    truncated: bool


async def all_day_counts(
    session: AsyncSession, *, actor: User | None, station_id: int | None = None
) -> AllDayCounts:
    """Per station, each item name and options, the quantity still to make (most first)."""
    require_role(actor, ALL_STAFF)
    query = (
        select(
            col(KitchenTicket.station_id),
            col(KitchenTicketLine.name),
            col(KitchenTicketLine.options),
            col(KitchenTicketLine.quantity),
        )
        .join(KitchenTicket, col(KitchenTicket.id) == col(KitchenTicketLine.ticket_id))
        .where(
            col(KitchenTicket.status).in_([status.value for status in COUNTED]),
            col(KitchenTicket.dismissed_at).is_(None),
            col(KitchenTicketLine.voided_at).is_(None),
            col(KitchenTicketLine.ready_at).is_(None),
        )
    )
    if station_id is not None:
        query = query.where(KitchenTicket.station_id == station_id)
    # Options are a JSON list: grouped here, portable across databases.
    totals: dict[tuple[int, str, tuple[str, ...]], int] = defaultdict(int)
    for line_station, name, options, quantity in (await session.exec(query)).all():
        totals[(line_station, name, tuple(options or ()))] += quantity
    wanted = {key[0] for key in totals} | ({station_id} if station_id is not None else set())
    stations = {
        station.id: station
        for station in (
            await session.exec(select(KitchenStation).where(col(KitchenStation.id).in_(wanted)))
        ).all()
    }

    def position(key: tuple[int, str, tuple[str, ...]]) -> tuple[int, str]:
        station = stations[key[0]]
        return station.display_order, station.name

    rows = sorted(
        totals.items(), key=lambda kv: (*position(kv[0]), -kv[1], kv[0][1].lower(), kv[0][2])
    )
    counts = tuple(
        AllDayCount(station=stations[sid].name, name=name, options=options, quantity=quantity)
        for (sid, name, options), quantity in rows[:MAX_ALL_DAY_ROWS]
    )
    named = stations[station_id].name if station_id in stations else None
    return AllDayCounts(station=named, counts=counts, truncated=len(rows) > MAX_ALL_DAY_ROWS)
