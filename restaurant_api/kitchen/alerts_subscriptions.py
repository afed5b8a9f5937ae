"""Kitchen alerts: a ticket went late (its due time passed while it was worked on).

The watch of one process stamps the ticket and announces it once (`kitchen.lateness`);
every process delivers the announcement to its subscribers, so a screen gets each late
ticket once however many servers run.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from functools import partial
from typing import Annotated

import strawberry
from strawberry.types import Info

from restaurant_api.api.feeds import Feed, live_subscription, live_update_type, live_updates
from restaurant_api.api.graphql import Context
from restaurant_api.db import utcnow
from restaurant_api.events import Topic
from restaurant_api.kitchen import lateness, loaders
from restaurant_api.kitchen.graphql import KitchenTicketType, TicketLineType
from restaurant_api.kitchen.models import KitchenStation, KitchenTicket
from restaurant_api.kitchen.subscriptions import screen_station, station_tickets_feed


@strawberry.type(
    name="KitchenAlert", description="A ticket that went late: not ready by its due time."
)
class KitchenAlertType:
    ticket: KitchenTicketType = strawberry.field(description="The late ticket, as it is now.")
    station: str = strawberry.field(description="The station making it.")
    due_at: datetime | None = strawberry.field(description="When it was due (UTC).")
    late_at: datetime | None = strawberry.field(
        description="When the server found it late and announced it (UTC)."
    )
    row: strawberry.Private[KitchenTicket]
    event_context: strawberry.Private[Context | None] = None

    def context(self, info: Info[Context, None]) -> Context:
        return self.event_context or info.context

    async def _reason(self, info: Info[Context, None]) -> lateness.LateReason | None:
        lines = await loaders.lines_by_ticket(self.context(info)).load(self.row.id)
        return lateness.late_reason(self.row, lines, utcnow())

    @strawberry.field(
        description="Why it is late, e.g. 'not ready 3 min after due: 2x Ribeye (25 min "
        "target)': the line with the longest prep-time target set the due time."
    )
    async def reason(self, info: Info[Context, None]) -> str:
        reason = await self._reason(info)
        return reason.text() if reason else "due time passed"

    @strawberry.field(description="Seconds past its due time, now (or when it became ready).")
    async def late_by_seconds(self, info: Info[Context, None]) -> int:
        reason = await self._reason(info)
        return max(reason.late_seconds, 0) if reason else 0

    @strawberry.field(description="The line whose prep-time target set the due time.")
    async def target_line(self, info: Info[Context, None]) -> TicketLineType | None:
        lines = await loaders.lines_by_ticket(self.context(info)).load(self.row.id)
        line = lateness.target_line(lines)
        return TicketLineType.from_model(line, self.event_context) if line else None

    @classmethod
    def from_model(
        cls, ticket: KitchenTicket, event_context: Context | None = None
    ) -> KitchenAlertType:
        return cls(
            ticket=KitchenTicketType.from_model(ticket, event_context),
            station=ticket.station,
            due_at=ticket.due_at,
            late_at=ticket.late_at,
            row=ticket,
            event_context=event_context,
        )


KitchenAlertsUpdate = live_update_type(
    KitchenAlertType,
    "KitchenAlertsUpdate",
    description="A kitchen alerts message: the tickets late now first, then each new one.",
    kind="SNAPSHOT: every ticket late and still worked on now. CHANGES: tickets that just "
    "went late (each announced once).",
    rows=("alerts", "The late tickets, oldest first."),
)


def alerts_feed(station: KitchenStation | None, limit: int) -> Feed[KitchenTicket]:
    return station_tickets_feed(
        topic=Topic.KITCHEN_ALERT,
        read_key="kitchen.alert",
        station=station,
        shows=lambda ticket: (
            ticket.late_at is not None and ticket.status in lateness.WORKING_STATUSES
        ),
        read=partial(lateness.late_tickets, limit=limit),
        order_by=lambda ticket: (ticket.due_at is None, ticket.due_at, ticket.id),
    )


@strawberry.type
class Subscription:
    @live_subscription(
        "Kitchen alerts: first the tickets late now (SNAPSHOT), then every ticket that "
        "goes late (CHANGES), once each: its due time passed while pending or preparing."
    )
    async def kitchen_alerts(
        self,
        info: Info[Context, None],
        station: Annotated[
            str | None,
            strawberry.argument(
                description="Only this station's alerts; an unknown station is a VALIDATION_ERROR."
            ),
        ] = None,
    ) -> AsyncGenerator[KitchenAlertsUpdate, None]:
        known = await screen_station(info.context, station)
        limit = info.context.settings.subscription_snapshot_max
        return live_updates(
            info,
            alerts_feed(known, limit),
            KitchenAlertType,
            KitchenAlertsUpdate,
        )
