"""REST adapters for the kitchen display (/api/kitchen/orders).

A "kitchen order" of the documented clients is one ticket; `{order_id}` in the paths
addresses all active tickets of that order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.api.order_presenter import LineItemPublic
from restaurant_api.api.rest import (
    CurrentUser,
    Message,
    MoneyNumber,
    ReadSessionDep,
    SessionDep,
    error_responses,
)
from restaurant_api.errors import InvalidInput
from restaurant_api.kitchen import service
from restaurant_api.kitchen.models import KitchenTicket, TicketStatus
from restaurant_api.money import from_cents

router = APIRouter(
    prefix="/api/kitchen", tags=["kitchen"], responses=error_responses(401, 403, 404, 409)
)


class KitchenItemPublic(LineItemPublic):
    note: str | None
    # Kitchen names of the modifier options chosen, as fired.
    options: list[str]


class VoidedItemPublic(BaseModel):
    name: str
    quantity: int
    modifiers: list[str]
    options: list[str]
    seat_number: int | None
    voided_at: datetime
    void_reason: str | None


class KitchenOrderPublic(BaseModel):
    id: int
    order_id: int
    status: TicketStatus
    created_at: datetime
    updated_at: datetime
    order_items: list[KitchenItemPublic]
    total: MoneyNumber
    # Beyond the contract:
    station: str
    fire_number: int
    voided_items: list[VoidedItemPublic]


class KitchenStatusPublic(BaseModel):
    id: int
    order_id: int
    status: TicketStatus
    created_at: datetime
    updated_at: datetime
    # Every active ticket of the order after the change.
    tickets: list[dict[str, Any]]


class StatusBody(BaseModel):
    # A str, not the enum: an unknown status is the service's 422 with a clear message.
    status: str


# The statuses REST clients know: held tickets (later courses not fired yet) are GraphQL's.
REST_STATUSES = tuple(status.value for status in TicketStatus if status != TicketStatus.HELD)


def rest_status(status: str) -> str:
    """`status` unless it is one REST does not know (422 naming the four it does)."""
    if status not in REST_STATUSES:
        raise InvalidInput(
            f"Unknown status {status[:40]!r}; use one of {', '.join(REST_STATUSES)}",
            field="status",
        )
    return status


async def present_tickets(
    session: AsyncSession, tickets: Sequence[KitchenTicket]
) -> list[KitchenOrderPublic]:
    """Tickets with their items; two queries whatever the number of tickets."""
    lines = await service.lines_for_tickets(session, [t.id for t in tickets])
    order_lines = await service.source_lines(
        session, [line for group in lines.values() for line in group]
    )
    result = []
    for ticket in tickets:
        items, voided, total = [], [], 0
        for line in lines.get(ticket.id, []):
            if line.voided_at is not None:
                voided.append(
                    VoidedItemPublic(
                        name=line.name,
                        quantity=line.quantity,
                        modifiers=list(line.modifiers),
                        options=list(line.options or ()),
                        seat_number=line.seat_number,
                        voided_at=line.voided_at,
                        void_reason=line.void_reason,
                    )
                )
                continue
            source = order_lines.get(line.order_line_id) if line.order_line_id else None
            cents = source.unit_price_cents if source else 0
            total += cents * line.quantity
            items.append(
                KitchenItemPublic(
                    name=line.name,
                    price=from_cents(cents),
                    category=source.category if source else "",
                    quantity=line.quantity,
                    modifiers=list(line.modifiers),
                    menu_item_id=source.menu_item_id if source else None,
                    seat_number=line.seat_number,
                    note=line.note,
                    options=list(line.options or ()),
                )
            )
        result.append(
            KitchenOrderPublic(
                id=ticket.id,
                order_id=ticket.order_id,
                status=ticket.status,
                created_at=ticket.created_at,
                updated_at=ticket.updated_at,
                order_items=items,
                total=from_cents(total),
                station=ticket.station,
                fire_number=ticket.fire_number,
                voided_items=voided,
            )
        )
    return result


@router.get("/orders", response_model=list[KitchenOrderPublic], summary="Active tickets")
@router.get("/orders/", response_model=list[KitchenOrderPublic], include_in_schema=False)
async def list_kitchen_orders(
    user: CurrentUser,
    session: ReadSessionDep,
    status: str | None = None,
    station: str | None = None,
) -> Any:
    tickets = await service.list_tickets(
        session,
        actor=user,
        status=None if status is None else rest_status(status),
        station=station,
        include_held=False,
    )
    return await present_tickets(session, tickets)


@router.put(
    "/orders/{order_id}", response_model=KitchenStatusPublic, summary="Move an order's tickets"
)
async def update_kitchen_order(
    order_id: int, body: StatusBody, user: CurrentUser, session: SessionDep
) -> Any:
    tickets = await service.set_order_tickets_status(
        session, actor=user, order_id=order_id, status=rest_status(body.status)
    )
    first = tickets[0]
    return KitchenStatusPublic(
        id=first.id,
        order_id=first.order_id,
        status=service.parse_status(body.status),
        created_at=first.created_at,
        updated_at=max(t.updated_at for t in tickets),
        tickets=[
            {"id": t.id, "station": t.station, "status": t.status, "fire_number": t.fire_number}
            for t in tickets
        ],
    )


@router.delete(
    "/orders/{order_id}", response_model=Message, summary="Take an order off the display"
)
async def remove_kitchen_order(order_id: int, user: CurrentUser, session: SessionDep) -> Any:
    await service.dismiss_order_tickets(session, actor=user, order_id=order_id)
    return Message(message="Order removed from kitchen display")
