"""Live orders: one order, or every open order, then each change."""

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

from restaurant_api.api.graphql import Context, IsAuthenticated, Money
from restaurant_api.api.live import Feed, LiveUpdateKind, live_feed
from restaurant_api.events import Event, Topic
from restaurant_api.orders.graphql import OrderStatusType
from restaurant_api.orders.models import Order, OrderLine, OrderStatus
from restaurant_api.orders.pricing import line_total_cents, order_total_cents


@strawberry.type(description="One line of an order.")
class LiveOrderLine:
    name: str = strawberry.field(description="Dish name as ordered.")
    quantity: int = strawberry.field(description="How many.")
    modifiers: list[str] = strawberry.field(description="Modifiers, e.g. 'no onions'.")
    seat_number: int | None = strawberry.field(description="Seat the dish goes to, if given.")
    note: str | None = strawberry.field(description="Note for the kitchen.")
    total: Money = strawberry.field(description="Unit price times quantity.")


@strawberry.type(description="An order as a live screen shows it.")
class LiveOrder:
    id: int = strawberry.field(description="Unique id.")
    status: OrderStatusType = strawberry.field(  # type: ignore[valid-type]
        description="Open, closed, cancelled or split."
    )
    table_id: int | None = strawberry.field(description="The table it is served at, if any.")
    customer_count: int = strawberry.field(description="Number of guests.")
    special_requests: str | None = strawberry.field(description="Requests for the whole order.")
    version: int = strawberry.field(description="Increments on every change.")
    total: Money = strawberry.field(description="Sum of the line totals.")
    lines: list[LiveOrderLine] = strawberry.field(description="The order's lines, in order.")
    created_at: datetime = strawberry.field(description="When it was placed (UTC).")
    updated_at: datetime = strawberry.field(description="Last change (UTC).")

    @classmethod
    def build(cls, order: Order, lines: Sequence[OrderLine], currency: str) -> LiveOrder:
        return cls(
            id=order.id,  # type: ignore[arg-type]
            status=OrderStatus(order.status),
            table_id=order.table_id,
            customer_count=order.customer_count,
            special_requests=order.special_requests,
            version=order.version,
            total=Money.from_cents(order_total_cents(lines), currency),
            lines=[
                LiveOrderLine(
                    name=line.name,
                    quantity=line.quantity,
                    modifiers=list(line.modifiers),
                    seat_number=line.seat_number,
                    note=line.note,
                    total=Money.from_cents(line_total_cents(line), currency),
                )
                for line in lines
            ],
            created_at=order.created_at,
            updated_at=order.updated_at,
        )


@strawberry.type(description="An orders message: the matching orders first, then the changes.")
class OrdersUpdate:
    kind: LiveUpdateKind = strawberry.field(
        description="SNAPSHOT: these are all matching orders. CHANGES: these orders changed."
    )
    orders: list[LiveOrder] = strawberry.field(description="Orders, oldest first.")
    removed_order_ids: list[int] = strawberry.field(
        description="Orders that stopped matching (no longer open, or deleted)."
    )


async def _orders(
    session: AsyncSession, *, order_ids: Sequence[int] | None, currency: str
) -> list[LiveOrder]:
    query = select(Order).order_by(col(Order.created_at), col(Order.id))
    if order_ids is not None:
        query = query.where(col(Order.id).in_(order_ids))
    else:
        query = query.where(Order.status == OrderStatus.OPEN)
    orders = (await session.exec(query)).all()
    if not orders:
        return []
    lines: dict[int, list[OrderLine]] = defaultdict(list)
    rows = await session.exec(
        select(OrderLine)
        .where(col(OrderLine.order_id).in_([order.id for order in orders]))
        .order_by(col(OrderLine.order_id), col(OrderLine.position), col(OrderLine.id))
    )
    for line in rows.all():
        lines[line.order_id].append(line)
    return [LiveOrder.build(order, lines[order.id], currency) for order in orders]  # type: ignore[index]


def orders_feed(order_id: int | None, currency: str) -> Feed[LiveOrder]:
    async def snapshot(session: AsyncSession) -> list[LiveOrder]:
        ids = [order_id] if order_id is not None else None
        return await _orders(session, order_ids=ids, currency=currency)

    async def load(session: AsyncSession, event: Event) -> LiveOrder | None:
        found = await _orders(session, order_ids=[event.id], currency=currency)
        return found[0] if found else None

    def visible(order: LiveOrder) -> bool:
        if order_id is not None:
            return order.id == order_id
        return order.status == OrderStatus.OPEN

    def relevant(event: Event) -> bool:
        if order_id is not None:
            return event.id == order_id
        return event.status in (None, OrderStatus.OPEN.value)

    return Feed(
        topic=Topic.ORDER,
        read_key=("orders.order", currency),
        snapshot=snapshot,
        load=load,
        row_id=lambda order: order.id,
        visible=visible,
        relevant=relevant,
    )


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description=(
            "Live orders: with `orderId`, that order (whatever its status); without, every "
            "open order. First the matching orders (SNAPSHOT), then each change (CHANGES)."
        ),
        permission_classes=[IsAuthenticated],
    )
    async def order_updates(
        self,
        info: Info[Context, None],
        order_id: Annotated[
            int | None,
            strawberry.argument(description="Follow this order only; omit for all open orders."),
        ] = None,
    ) -> AsyncGenerator[OrdersUpdate, None]:
        currency = info.context.settings.currency
        async with aclosing(live_feed(info, orders_feed(order_id, currency))) as feed:
            async for batch in feed:
                yield OrdersUpdate(
                    kind=batch.kind,
                    orders=sorted(batch.rows, key=lambda order: (order.created_at, order.id)),
                    removed_order_ids=batch.removed_ids,
                )
