"""Live kitchen screen: the active tickets of a station, then each ticket that changes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from datetime import datetime
from typing import Annotated

import strawberry
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from restaurant_api.api.graphql import Context, IsAuthenticated
from restaurant_api.api.live import Feed, LiveUpdateKind, live_feed
from restaurant_api.events import Event, Topic
from restaurant_api.kitchen.graphql import TicketStatusType
from restaurant_api.kitchen.models import KitchenTicket, KitchenTicketLine, TicketStatus

# What a kitchen screen shows unless asked otherwise: tickets still being worked on.
ACTIVE_STATUSES = frozenset({TicketStatus.PENDING, TicketStatus.PREPARING, TicketStatus.READY})


@strawberry.type(description="One line of a kitchen ticket as fired.")
class LiveTicketLine:
    name: str = strawberry.field(description="Dish name as ordered.")
    quantity: int = strawberry.field(description="How many.")
    modifiers: list[str] = strawberry.field(description="Modifiers, e.g. 'no onions'.")
    seat_number: int | None = strawberry.field(description="Seat the dish goes to, if given.")
    note: str | None = strawberry.field(description="Note for the cook.")
    voided: bool = strawberry.field(description="True when the line was removed after firing.")


@strawberry.type(description="A kitchen ticket as a kitchen screen shows it.")
class LiveKitchenTicket:
    id: int = strawberry.field(description="Unique id.")
    order_id: int = strawberry.field(description="The order the ticket belongs to.")
    station: str = strawberry.field(description="The station that prepares it.")
    status: TicketStatusType = strawberry.field(  # type: ignore[valid-type]
        description="Pending, preparing, ready or served."
    )
    fire_number: int = strawberry.field(
        description="1 for lines fired with the order, 2 for the next lines added, ..."
    )
    dismissed: bool = strawberry.field(description="True once taken off the kitchen display.")
    created_at: datetime = strawberry.field(description="When it was fired (UTC).")
    updated_at: datetime = strawberry.field(description="Last change (UTC).")
    lines: list[LiveTicketLine] = strawberry.field(description="What to prepare.")

    @classmethod
    def build(cls, ticket: KitchenTicket, lines: Sequence[KitchenTicketLine]) -> LiveKitchenTicket:
        return cls(
            id=ticket.id,  # type: ignore[arg-type]
            order_id=ticket.order_id,
            station=ticket.station,
            status=TicketStatus(ticket.status),
            fire_number=ticket.fire_number,
            dismissed=ticket.dismissed_at is not None,
            created_at=ticket.created_at,
            updated_at=ticket.updated_at,
            lines=[
                LiveTicketLine(
                    name=line.name,
                    quantity=line.quantity,
                    modifiers=list(line.modifiers),
                    seat_number=line.seat_number,
                    note=line.note,
                    voided=line.voided_at is not None,
                )
                for line in lines
            ],
        )


@strawberry.type(
    description="A kitchen screen message: the matching tickets first, then the changes."
)
class KitchenTicketsUpdate:
    kind: LiveUpdateKind = strawberry.field(
        description="SNAPSHOT: these are all matching tickets. CHANGES: these tickets changed."
    )
    tickets: list[LiveKitchenTicket] = strawberry.field(
        description="Tickets that match the filter, oldest first."
    )
    removed_ticket_ids: list[int] = strawberry.field(
        description="Tickets that left the screen (status moved on, dismissed or deleted)."
    )


async def _tickets(
    session: AsyncSession,
    *,
    ticket_ids: Sequence[int] | None,
    station: str | None = None,
    statuses: frozenset[TicketStatus] = ACTIVE_STATUSES,
) -> list[LiveKitchenTicket]:
    query = select(KitchenTicket).order_by(col(KitchenTicket.created_at), col(KitchenTicket.id))
    if ticket_ids is not None:
        query = query.where(col(KitchenTicket.id).in_(ticket_ids))
    else:
        # Served tickets pile up all day: only read what the screen can show.
        query = query.where(
            col(KitchenTicket.dismissed_at).is_(None),
            col(KitchenTicket.status).in_([status.value for status in statuses]),
        )
        if station is not None:
            query = query.where(KitchenTicket.station == station)
    tickets = (await session.exec(query)).all()
    if not tickets:
        return []
    lines: dict[int, list[KitchenTicketLine]] = defaultdict(list)
    rows = await session.exec(
        select(KitchenTicketLine)
        .where(col(KitchenTicketLine.ticket_id).in_([ticket.id for ticket in tickets]))
        .order_by(col(KitchenTicketLine.ticket_id), col(KitchenTicketLine.id))
    )
    for line in rows.all():
        lines[line.ticket_id].append(line)
    return [LiveKitchenTicket.build(ticket, lines[ticket.id]) for ticket in tickets]  # type: ignore[index]


async def _one_ticket(session: AsyncSession, event: Event) -> LiveKitchenTicket | None:
    found = await _tickets(session, ticket_ids=[event.id])
    return found[0] if found else None


def tickets_feed(station: str | None, statuses: frozenset[TicketStatus]) -> Feed[LiveKitchenTicket]:
    def visible(ticket: LiveKitchenTicket) -> bool:
        return (
            not ticket.dismissed
            and ticket.status in statuses
            and (station is None or ticket.station == station)
        )

    def relevant(event: Event) -> bool:
        # Other stations' tickets never reach this screen: skip their re-reads.
        return station is None or event.station in (None, station)

    async def snapshot(session: AsyncSession) -> list[LiveKitchenTicket]:
        return await _tickets(session, ticket_ids=None, station=station, statuses=statuses)

    return Feed(
        topic=Topic.KITCHEN_TICKET,
        read_key="kitchen.ticket",
        snapshot=snapshot,
        load=_one_ticket,
        row_id=lambda ticket: ticket.id,
        visible=visible,
        relevant=relevant,
    )


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description=(
            "The live kitchen screen: first the matching tickets (SNAPSHOT), then every "
            "ticket that changes (CHANGES). A ticket that stops matching (served, dismissed, "
            "deleted) is listed in `removedTicketIds`."
        ),
        permission_classes=[IsAuthenticated],
    )
    async def kitchen_tickets(
        self,
        info: Info[Context, None],
        station: Annotated[
            str | None, strawberry.argument(description="Only this station's tickets.")
        ] = None,
        status: Annotated[
            list[TicketStatusType] | None,  # type: ignore[valid-type]
            strawberry.argument(
                description="Only tickets in these statuses (default: pending, preparing, ready)."
            ),
        ] = None,
    ) -> AsyncGenerator[KitchenTicketsUpdate, None]:
        statuses = frozenset(TicketStatus(value) for value in status) if status else ACTIVE_STATUSES
        async with aclosing(live_feed(info, tickets_feed(station, statuses))) as feed:
            async for batch in feed:
                yield KitchenTicketsUpdate(
                    kind=batch.kind,
                    tickets=sorted(batch.rows, key=lambda ticket: (ticket.created_at, ticket.id)),
                    removed_ticket_ids=batch.removed_ids,
                )
