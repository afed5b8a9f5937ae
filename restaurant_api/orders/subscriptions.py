"""Live orders: one order, or every open order, then each change."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from strawberry.types import Info

from restaurant_api.api.feeds import (
    Feed,
    live_subscription,
    live_update_type,
    live_updates,
    reread,
)
from restaurant_api.api.graphql import Context
from restaurant_api.api.node import decode_optional_id
from restaurant_api.events import Event, Topic
from restaurant_api.orders import loaders, service
from restaurant_api.orders.graphql import OrderType
from restaurant_api.orders.models import Order, OrderStatus

OrdersUpdate = live_update_type(
    OrderType,
    "OrdersUpdate",
    description="An orders message: the matching orders first, then the changes.",
    kind="SNAPSHOT: these are all matching orders. CHANGES: these orders changed.",
    rows=("orders", "Orders, oldest first: the same `Order` as queries return, every field."),
    removed=(
        "removedOrderIds",
        "Global ids of orders that stopped matching (no longer open, or deleted).",
    ),
)


def orders_feed(order_id: int | None) -> Feed[Order]:
    async def snapshot(context: Context) -> list[Order]:
        if order_id is not None:
            order = await loaders.order_by_id(context).load(order_id)
            return [order] if order else []
        async with context.use_session() as session:
            return await service.open_orders(session)

    def visible(order: Order) -> bool:
        if order_id is not None:
            return order.id == order_id
        return order.status == OrderStatus.OPEN

    def relevant(event: Event) -> bool:
        if order_id is not None:
            return event.id == order_id
        return event.status in (None, OrderStatus.OPEN.value)

    return Feed(
        topic=Topic.ORDER,
        read_key="orders.order",
        snapshot=snapshot,
        # Primes the loader for nested fields that ask for this order again (a ticket's `order`).
        load=reread(service.orders_by_id, loaders.order_by_id),
        row_id=lambda order: order.id,
        order_by=lambda order: (order.created_at, order.id),
        visible=visible,
        relevant=relevant,
    )


@strawberry.type
class Subscription:
    @live_subscription(
        "Live orders: with `orderId`, that order (whatever its status); without, every "
        "open order. First the matching orders (SNAPSHOT), then each change (CHANGES)."
    )
    async def order_updates(
        self,
        info: Info[Context, None],
        order_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Follow this order only (its global id); omit for all open orders."
            ),
        ] = None,
    ) -> AsyncGenerator[OrdersUpdate, None]:
        wanted = decode_optional_id(order_id, "Order", field="orderId")
        return live_updates(
            info,
            orders_feed(wanted),
            OrderType,
            OrdersUpdate,
        )
