"""GraphQL of the expo: orders with fired tickets, and calling an order ready for pickup."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from restaurant_api.api.cost import Page
from restaurant_api.api.graphql import Context, result_union, signed_in
from restaurant_api.api.mutations import domain_mutation
from restaurant_api.api.node import decode_id, to_global_id
from restaurant_api.kitchen import expo
from restaurant_api.kitchen.graphql import KitchenTicketType, OrderId
from restaurant_api.orders import loaders as orders_loaders

if TYPE_CHECKING:
    from restaurant_api.orders.graphql import OrderType

EXPO_PAGE = Page(default=50, maximum=100)
OrdersFirst = Annotated[int | None, EXPO_PAGE.argument("orders")]


@strawberry.type(name="ExpoOrder", description="One order on the expo screen.")
class ExpoOrderType:
    tickets: list[KitchenTicketType] = strawberry.field(
        description="Its tickets not dismissed, by course then firing: held ones too, so the "
        "expo sees what comes next."
    )
    stations_working: list[str] = strawberry.field(
        description="Stations with a fired ticket still pending or preparing."
    )
    all_stations_done: bool = strawberry.field(
        description="True when every fired live ticket is ready or served."
    )
    pickup_ready_at: datetime | None = strawberry.field(
        description="When the expo called the fired food ready for pickup (UTC); null "
        "while not called (or a course fired since)."
    )
    order_db_id: strawberry.Private[int]

    @strawberry.field(description="Global id of the order.")
    def order_id(self) -> strawberry.ID:
        return to_global_id("Order", self.order_db_id)

    @strawberry.field(description="The order.")
    async def order(
        self, info: Info[Context, None]
    ) -> Annotated[OrderType, strawberry.lazy("restaurant_api.orders.graphql")] | None:
        from restaurant_api.orders.graphql import OrderType

        order = await orders_loaders.order_by_id(info.context).load(self.order_db_id)
        return OrderType.from_model(order) if order else None

    @classmethod
    def from_model(cls, order: expo.ExpoOrder) -> ExpoOrderType:
        return cls(
            order_db_id=order.order_id,
            tickets=[KitchenTicketType.from_model(ticket) for ticket in order.tickets],
            stations_working=order.stations_working,
            all_stations_done=order.all_stations_done,
            pickup_ready_at=order.pickup_ready_at,
        )


@strawberry.type(description="An order on the expo after it was called ready for pickup.")
class ExpoOrderPayload:
    expo_order: ExpoOrderType = strawberry.field(description="The order as the expo sees it.")


ExpoOrderResult = result_union(
    "ExpoOrderResult", ExpoOrderPayload, "The order called ready for pickup, or why not."
)


@strawberry.type
class Query:
    @signed_in(
        "The expo screen: orders with a fired ticket not served yet (not "
        "dismissed), first fired first, at most `first`."
    )
    async def expo_orders(
        self,
        info: Info[Context, None],
        first: OrdersFirst = EXPO_PAGE.default,
    ) -> list[ExpoOrderType] | None:
        limit = EXPO_PAGE.size(first)
        async with info.context.use_session() as session:
            orders = await expo.expo_orders(session, actor=info.context.user, limit=limit)
        return [ExpoOrderType.from_model(order) for order in orders]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Call an order's fired food ready for pickup. A CONFLICT naming the "
        "stations still working unless every fired live ticket is ready or served; calling "
        "again changes nothing."
    )
    @domain_mutation
    async def mark_order_ready_for_pickup(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        order_id: OrderId,
    ) -> ExpoOrderResult:
        order = await expo.mark_ready_for_pickup(
            session,
            actor=info.context.user,
            order_id=decode_id(order_id, "Order", field="orderId"),
        )
        return ExpoOrderPayload(expo_order=ExpoOrderType.from_model(order))
