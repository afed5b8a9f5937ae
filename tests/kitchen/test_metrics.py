"""Kitchen metrics: exact median/p90 on known data, hours on the restaurant's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from restaurant_api.db import Database
from restaurant_api.errors import PermissionDenied
from restaurant_api.kitchen import metrics
from restaurant_api.kitchen.models import KitchenTicket, TicketStatus
from restaurant_api.payments.service import BusinessCalendar
from restaurant_api.users.models import Role
from tests.conftest import gid
from tests.kitchen.test_lateness import make_fired_ticket

NEW_YORK = ZoneInfo("America/New_York")
CALENDAR = BusinessCalendar("America/New_York", 4)
DAY = datetime(2026, 3, 14).date()  # EDT (UTC-4) since 8 March


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


async def ready(
    db: Database, fired_at: datetime, seconds: int, *, station: str = "kitchen", prep: int = 25
) -> KitchenTicket:
    return await make_fired_ticket(
        db,
        station=station,
        status=TicketStatus.SERVED,
        fired_at=fired_at,
        ready_at=fired_at + timedelta(seconds=seconds),
        lines=(("Ribeye", prep),),
    )


async def test_median_p90_and_late_per_station_and_local_hour(backend, db, make_staff):
    boss = await make_staff(Role.MANAGER)
    # Local 18:00 hour at the kitchen: 300, 600, 900, 1200 s; the 1200 s one (15 min
    # target) was ready 5 min after due.
    for seconds in (600, 300, 900):
        await ready(db, local(14, 18, 10), seconds)
    late_ready = await ready(db, local(14, 18, 40), 1200, prep=15)
    # Local 19:00: one ready in 100 s, one still open and overdue at `now`.
    await ready(db, local(14, 19, 5), 100)
    still_open = await make_fired_ticket(db, fired_at=local(14, 19, 30))
    # The bar at 01:30 the next morning: still business day 14 (cut-off 04:00).
    await ready(db, local(15, 1, 30), 60, station="bar")
    # Outside the business day: 03:00 on the 14th (day 13) and 04:00 on the 15th (day 15).
    await ready(db, local(14, 3, 0), 5000)
    await ready(db, local(15, 4, 0), 5000)
    # Held (never fired) tickets do not count.
    await make_fired_ticket(db, status=TicketStatus.HELD, fired_at=local(14, 18, 5))
    now = local(14, 21, 0)

    async with db.session(read_only=True) as session:
        report = await metrics.kitchen_metrics(
            session, actor=boss.user, calendar=CALENDAR, day=DAY, station=None, now=now
        )
    assert (report.start, report.end) == (local(14, 4), local(15, 4))
    assert report.total.tickets_fired == 7
    assert report.total.ready_count == 6
    assert report.total.late_count == 2
    kitchen, bar = report.stations[1], report.stations[0]
    assert (bar.station, kitchen.station) == ("bar", "kitchen")
    # 100, 300, 600, 900, 1200: median 600; p90 = the 5th of 5 (ceil(0.9 * 5)).
    assert kitchen.median_seconds == 600
    assert kitchen.p90_seconds == 1200
    assert kitchen.late_count == 2
    assert [(h.local_hour, h.tickets_fired, h.ready_count) for h in kitchen.hours] == [
        (18, 4, 4),
        (19, 2, 1),
    ]
    eighteen, nineteen = kitchen.hours
    assert eighteen.hour_start == local(14, 18)
    assert eighteen.median_seconds == 750  # (600 + 900) / 2
    assert eighteen.p90_seconds == 1200  # ceil(0.9 * 4) = 4th
    assert (eighteen.late_count, nineteen.late_count) == (1, 1)
    assert (nineteen.median_seconds, nineteen.p90_seconds) == (100, 100)
    assert [(h.local_hour, h.hour_start) for h in bar.hours] == [(1, local(15, 1))]
    assert bar.median_seconds == bar.p90_seconds == 60
    # Late tickets, worst first: the open one is 1h05 past due at `now` (due 19:55).
    assert [
        (row.ticket.id, row.reason.late_seconds, row.reason.ready) for row in report.late_tickets
    ] == [
        (still_open.id, 3900, False),
        (late_ready.id, 300, True),
    ]
    assert report.late_tickets[0].line is not None
    assert report.late_tickets[0].line.name == "Ribeye"
    assert report.late_tickets[1].reason.text() == (
        "ready 5 min after due: 2x Ribeye (15 min target)"
    )

    async with db.session(read_only=True) as session:
        bar_only = await metrics.kitchen_metrics(
            session, actor=boss.user, calendar=CALENDAR, day=DAY, station="bar", now=now
        )
    assert [s.station for s in bar_only.stations] == ["bar"]
    assert bar_only.late_tickets == []


def test_percentiles_exact():
    assert metrics.percentile([], 90) is None
    assert metrics.percentile([7.0], 90) == 7.0
    values = [float(v) for v in range(1, 11)]  # 1..10
    assert metrics.percentile(values, 90) == 9.0
    assert metrics.percentile(values, 50) == 5.0
    assert metrics.percentile([*values, 11.0], 90) == 10.0  # ceil(9.9) = 10th


async def test_only_managers(backend, db, make_staff):
    cook = await make_staff(Role.KITCHEN)
    async with db.session(read_only=True) as session:
        with pytest.raises(PermissionDenied):
            await metrics.kitchen_metrics(
                session,
                actor=cook.user,
                calendar=CALENDAR,
                day=DAY,
                station=None,
                now=local(14, 20),
            )


METRICS = """
query($day: String!, $station: String) {
  kitchenMetrics(businessDate: $day, station: $station) {
    businessDate ticketsFired readyCount medianReadySeconds p90ReadySeconds lateCount
    stations { station ticketsFired hours { localHour hourStart ticketsFired medianReadySeconds } }
    lateTickets {
      station orderId firedAt dueAt readyAt stillOpen lateBySeconds reason
      targetLine { name prepMinutes } ticket { id isLate }
    }
  }
}"""


async def test_graphql_in_restaurant_time(backend, db, gql, manager, kitchen):
    # The app's restaurant runs on UTC with a 04:00 cut-off.
    fired = datetime(2026, 3, 14, 12, 10, tzinfo=UTC)
    late = await ready(db, fired, 1800)
    await ready(db, fired, 600)
    body = await gql(METRICS, {"day": "2026-03-14"}, staff=manager)
    data = body["data"]["kitchenMetrics"]
    assert data["businessDate"] == "2026-03-14"
    assert (data["ticketsFired"], data["readyCount"], data["lateCount"]) == (2, 2, 1)
    assert (data["medianReadySeconds"], data["p90ReadySeconds"]) == (1200, 1800)
    assert data["stations"] == [
        {
            "station": "kitchen",
            "ticketsFired": 2,
            "hours": [
                {
                    "localHour": 12,
                    "hourStart": "2026-03-14T12:00:00+00:00",
                    "ticketsFired": 2,
                    "medianReadySeconds": 1200,
                }
            ],
        }
    ]
    [row] = data["lateTickets"]
    assert row["ticket"] == {"id": gid("KitchenTicket", late.id), "isLate": True}
    assert (row["stillOpen"], row["lateBySeconds"]) == (False, 300)
    assert row["targetLine"] == {"name": "Ribeye", "prepMinutes": 25}
    assert row["reason"] == "ready 5 min after due: 2x Ribeye (25 min target)"
    assert row["orderId"] == gid("Order", late.order_id)

    denied = await gql(METRICS, {"day": "2026-03-14"}, staff=kitchen)
    assert denied["data"] is None
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    bad_date = await gql(METRICS, {"day": "14/03/2026"}, staff=manager)
    assert bad_date["errors"][0]["extensions"] == {
        "code": "VALIDATION_ERROR",
        "field": "businessDate",
    }
    bad_station = await gql(METRICS, {"day": "2026-03-14", "station": "moon"}, staff=manager)
    assert bad_station["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"
