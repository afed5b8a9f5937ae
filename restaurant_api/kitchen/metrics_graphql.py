"""GraphQL: kitchen metrics of a business day (managers)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from restaurant_api.api.graphql import Context, signed_in
from restaurant_api.api.node import to_global_id
from restaurant_api.db import utcnow
from restaurant_api.kitchen import metrics, stations
from restaurant_api.kitchen.graphql import KitchenTicketType, TicketLineType
from restaurant_api.payments import service as payments_service


@strawberry.type(description="Tickets fired and how fast they became ready.")
class KitchenTimingStats:
    tickets_fired: int = strawberry.field(description="Tickets fired (held ones not counted).")
    ready_count: int = strawberry.field(
        description="Of those, tickets that became ready (the ones the times are over)."
    )
    median_ready_seconds: float | None = strawberry.field(
        description="Median fired-to-ready time in seconds (null: none ready)."
    )
    p90_ready_seconds: float | None = strawberry.field(
        description="90th percentile (nearest rank) of fired-to-ready seconds: 90% of the "
        "ready tickets took at most this long (null: none ready)."
    )
    late_count: int = strawberry.field(
        description="Tickets that went late (not ready by their due time)."
    )

    @staticmethod
    def values(stats: metrics.TimingStats) -> dict[str, Any]:
        return {
            "tickets_fired": stats.tickets_fired,
            "ready_count": stats.ready_count,
            "median_ready_seconds": stats.median_seconds,
            "p90_ready_seconds": stats.p90_seconds,
            "late_count": stats.late_count,
        }


@strawberry.type(description="One hour of a station's day, on the restaurant's clock.")
class KitchenHourMetrics(KitchenTimingStats):
    hour_start: datetime = strawberry.field(description="When the hour starts (UTC).")
    local_hour: int = strawberry.field(
        description="The hour on the restaurant's wall clock, 0 to 23 (tickets fired then)."
    )


@strawberry.type(description="A station's day: its totals and its hours with tickets.")
class KitchenStationMetrics(KitchenTimingStats):
    station: str = strawberry.field(description="The station's name.")
    hours: list[KitchenHourMetrics] = strawberry.field(
        description="Hours in which it fired tickets, in order (hours without are left out)."
    )


@strawberry.type(description="A ticket that went late, and why.")
class KitchenLateTicket:
    ticket: KitchenTicketType = strawberry.field(description="The ticket.")
    station: str = strawberry.field(description="Its station.")
    fired_at: datetime | None = strawberry.field(description="When it was fired (UTC).")
    due_at: datetime = strawberry.field(description="When it was due (UTC).")
    ready_at: datetime | None = strawberry.field(
        description="When it became ready (UTC); null while still open."
    )
    still_open: bool = strawberry.field(description="True while still pending or preparing.")
    late_by_seconds: int = strawberry.field(
        description="Seconds past due: until ready, or until now while still open."
    )
    reason: str = strawberry.field(description="Why, in words (the line behind the target).")
    target_line: TicketLineType | None = strawberry.field(
        description="The line with the longest prep-time target: it set the due time."
    )
    order_db_id: strawberry.Private[int]

    @strawberry.field(description="Global id of its order.")
    def order_id(self) -> strawberry.ID:
        return to_global_id("Order", self.order_db_id)

    @classmethod
    def from_row(cls, row: metrics.LateTicket) -> KitchenLateTicket:
        ticket, reason = row.ticket, row.reason
        return cls(
            ticket=KitchenTicketType.from_model(ticket),
            station=ticket.station,
            fired_at=ticket.fired_at,
            due_at=reason.due_at,
            ready_at=ticket.ready_at if reason.ready else None,
            still_open=not reason.ready,
            late_by_seconds=max(reason.late_seconds, 0),
            reason=reason.text(),
            target_line=TicketLineType.from_model(row.line) if row.line else None,
            order_db_id=ticket.order_id,
        )


@strawberry.type(description="How the kitchen did on a business day.")
class KitchenMetrics(KitchenTimingStats):
    business_date: str = strawberry.field(description="The business date, YYYY-MM-DD.")
    starts_at: datetime = strawberry.field(description="When the business day starts (UTC).")
    ends_at: datetime = strawberry.field(description="When it ends (UTC, exclusive).")
    stations: list[KitchenStationMetrics] = strawberry.field(
        description="Each station that fired tickets, by name."
    )
    late_tickets: list[KitchenLateTicket] = strawberry.field(
        description=f"The late tickets, latest first (at most {metrics.MAX_LATE_LISTED}; "
        "`lateCount` counts them all)."
    )

    @classmethod
    def from_report(cls, report: metrics.KitchenMetrics) -> KitchenMetrics:
        return cls(
            **KitchenTimingStats.values(report.total),
            business_date=report.business_date.isoformat(),
            starts_at=report.start,
            ends_at=report.end,
            stations=[
                KitchenStationMetrics(
                    **KitchenTimingStats.values(station),
                    station=station.station,
                    hours=[
                        KitchenHourMetrics(
                            **KitchenTimingStats.values(hour),
                            hour_start=hour.hour_start,
                            local_hour=hour.local_hour,
                        )
                        for hour in station.hours
                    ],
                )
                for station in report.stations
            ],
            late_tickets=[KitchenLateTicket.from_row(row) for row in report.late_tickets],
        )


@strawberry.type
class Query:
    @signed_in(
        "Kitchen speed and lateness of a business day, per station and hour "
        "(restaurant time): tickets fired, median and 90th percentile fired-to-ready "
        "seconds, late tickets and why (managers and admins)."
    )
    async def kitchen_metrics(
        self,
        info: Info[Context, None],
        business_date: Annotated[
            str, strawberry.argument(description="The business date, YYYY-MM-DD.")
        ],
        station: Annotated[
            str | None,
            strawberry.argument(
                description="Only this station; an unknown one is a VALIDATION_ERROR."
            ),
        ] = None,
    ) -> KitchenMetrics:
        day = payments_service.parse_business_date(business_date, "businessDate")
        async with info.context.use_session() as session:
            known = await stations.resolve_optional(session, station)
            report = await metrics.kitchen_metrics(
                session,
                actor=info.context.user,
                calendar=payments_service.calendar_for(info.context.settings),
                day=day,
                station=known.name if known else None,
                now=utcnow(),
            )
        return KitchenMetrics.from_report(report)
