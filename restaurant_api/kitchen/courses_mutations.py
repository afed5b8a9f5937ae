"""GraphQL mutation to fire a held course of an order."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from restaurant_api import limits
from restaurant_api.api.graphql import Context, result_union
from restaurant_api.api.mutations import domain_mutation
from restaurant_api.api.node import decode_id
from restaurant_api.kitchen import courses
from restaurant_api.kitchen.courses_graphql import OrderCourseType
from restaurant_api.kitchen.graphql import KitchenTicketType, OrderId


@strawberry.type(description="A course after fireCourse.")
class FireCoursePayload:
    tickets: list[KitchenTicketType] = strawberry.field(
        description="The tickets this call fired to their stations (empty when the course "
        "was already fired)."
    )
    already_fired: bool = strawberry.field(
        description="True when nothing was held: the course had been fired before (by "
        "another server, the kitchen or the clock); nothing changed."
    )
    course: OrderCourseType = strawberry.field(description="The course as it is now.")


FireCourseResult = result_union(
    "FireCourseResult", FireCoursePayload, "The fired course, or why not."
)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Fire a held course of an order to its stations (any staff: a server "
        "or the kitchen). Firing a course already fired changes nothing (alreadyFired). "
        "An earlier course still held is a CONFLICT (fire it first); a course the order "
        "does not have is NOT_FOUND."
    )
    @domain_mutation
    async def fire_course(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        order_id: OrderId,
        course: Annotated[
            int,
            strawberry.argument(
                description=f"The course to fire, 1 to {limits.MAX_COURSE} (1 starters, "
                "2 mains, 3 desserts, ...)."
            ),
        ],
    ) -> FireCourseResult:
        firing = await courses.fire_course(
            session,
            actor=info.context.user,
            order_id=decode_id(order_id, "Order", field="orderId"),
            course=course,
        )
        return FireCoursePayload(
            tickets=[KitchenTicketType.from_model(ticket) for ticket in firing.tickets],
            already_fired=firing.already_fired,
            course=OrderCourseType.from_summary(firing.course),
        )
