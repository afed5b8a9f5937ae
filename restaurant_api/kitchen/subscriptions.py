"""Live kitchen screen: the active tickets of a station, then each ticket that changes."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from functools import partial
from typing import Annotated, Any, Protocol

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from restaurant_api.api.feeds import (
    Feed,
    live_subscription,
    live_update_type,
    live_updates,
    read_apart,
    reread,
)
from restaurant_api.api.graphql import Context
from restaurant_api.events import Event, Topic
from restaurant_api.kitchen import loaders, service, stations
from restaurant_api.kitchen.graphql import KitchenTicketType, TicketStatusType
from restaurant_api.kitchen.models import KitchenStation, KitchenTicket, TicketStatus

# What a kitchen screen shows unless asked otherwise: tickets still being worked on, and
# the held courses cooks plan for.
ACTIVE_STATUSES = frozenset(
    {TicketStatus.HELD, TicketStatus.PENDING, TicketStatus.PREPARING, TicketStatus.READY}
)


KitchenTicketsUpdate = live_update_type(
    KitchenTicketType,
    "KitchenTicketsUpdate",
    description="A kitchen screen message: the matching tickets first, then the changes.",
    kind="SNAPSHOT: these are all matching tickets. CHANGES: these tickets changed.",
    rows=(
        "tickets",
        "Tickets that match the filter, oldest first: the same `KitchenTicket` as queries "
        "return, every field.",
    ),
    removed=(
        "removedTicketIds",
        "Global ids of tickets that left the screen (status moved on, dismissed or deleted).",
    ),
)


async def screen_station(context: Context, name: str | None) -> KitchenStation | None:
    """The station a screen follows (None: every station), by name; an unknown name is a
    validation error. Read apart: a subscription holds no session."""
    return await read_apart(context, lambda session: stations.resolve_optional(session, name))


class TicketsRead(Protocol):
    """A screen's snapshot read: the tickets of one station (None: every station)."""

    def __call__(
        self, session: AsyncSession, *, station_id: int | None
    ) -> Awaitable[list[KitchenTicket]]: ...


def station_tickets_feed(
    *,
    topic: Topic,
    read_key: str,
    station: KitchenStation | None,
    shows: Callable[[KitchenTicket], bool],
    read: TicketsRead,
    order_by: Callable[[KitchenTicket], Any],
) -> Feed[KitchenTicket]:
    """A live list of the tickets on display that `shows` keeps, of one station (or all):
    `read(session, station_id=...)` is its snapshot."""
    station_id = None if station is None else station.id

    def visible(ticket: KitchenTicket) -> bool:
        return (
            ticket.dismissed_at is None
            and shows(ticket)
            and (station_id is None or ticket.station_id == station_id)
        )

    def relevant(event: Event) -> bool:
        # Other stations' tickets never reach this screen: skip their re-reads.
        return station_id is None or event.station_id in (None, station_id)

    async def snapshot(context: Context) -> list[KitchenTicket]:
        async with context.use_session() as session:
            return await read(session, station_id=station_id)

    return Feed(
        topic=topic,
        read_key=read_key,
        snapshot=snapshot,
        load=reread(service.tickets_by_id, loaders.ticket_by_id),
        row_id=lambda ticket: ticket.id,
        order_by=order_by,
        visible=visible,
        relevant=relevant,
    )


def tickets_feed(
    station: KitchenStation | None, statuses: frozenset[TicketStatus]
) -> Feed[KitchenTicket]:
    return station_tickets_feed(
        topic=Topic.KITCHEN_TICKET,
        read_key="kitchen.ticket",
        station=station,
        shows=lambda ticket: ticket.status in statuses,
        read=partial(service.screen_tickets, statuses=statuses),
        order_by=lambda ticket: (ticket.created_at, ticket.id),
    )


@strawberry.type
class Subscription:
    @live_subscription(
        "The live kitchen screen: first the matching tickets (SNAPSHOT), then every "
        "ticket that changes (CHANGES). A ticket that stops matching (served, dismissed, "
        "deleted) is listed in `removedTicketIds`."
    )
    async def kitchen_tickets(
        self,
        info: Info[Context, None],
        station: Annotated[
            str | None,
            strawberry.argument(
                description="Only this station's tickets (a name of `kitchenStations`, case "
                "ignored); another name is a VALIDATION_ERROR on field station."
            ),
        ] = None,
        status: Annotated[
            list[TicketStatusType] | None,
            strawberry.argument(
                description="Only tickets in these statuses (default: held, pending, "
                "preparing, ready)."
            ),
        ] = None,
    ) -> AsyncGenerator[KitchenTicketsUpdate, None]:
        known = await screen_station(info.context, station)
        statuses = frozenset(TicketStatus(value) for value in status) if status else ACTIVE_STATUSES
        return live_updates(
            info,
            tickets_feed(known, statuses),
            KitchenTicketType,
            KitchenTicketsUpdate,
        )
