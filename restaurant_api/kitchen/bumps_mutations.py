"""GraphQL mutations of item-level bumps: a line ready, or its bump taken back."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from restaurant_api.api.graphql import Context, result_union
from restaurant_api.api.mutations import domain_mutation
from restaurant_api.api.node import decode_id
from restaurant_api.kitchen import bumps
from restaurant_api.kitchen.graphql import KitchenTicketType, TicketLineType


@strawberry.type(description="A ticket line after a bump (or its undo), and its ticket.")
class TicketLineBumpPayload:
    line: TicketLineType = strawberry.field(description="The line as it is now.")
    ticket: KitchenTicketType = strawberry.field(
        description="Its ticket as it is now (preparing after a first bump, ready after the "
        "last live line's)."
    )

    @classmethod
    def of(cls, bump: bumps.Bump) -> TicketLineBumpPayload:
        return cls(
            line=TicketLineType.from_model(bump.line),
            ticket=KitchenTicketType.from_model(bump.ticket),
        )


TicketLineBumpResult = result_union(
    "TicketLineBumpResult", TicketLineBumpPayload, "The bumped line and its ticket, or why not."
)

LineId = Annotated[strawberry.ID, strawberry.argument(description="The ticket line's global id.")]


def _line_id(value: str) -> int:
    return decode_id(value, "TicketLine", field="lineId")


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Bump one ticket line ready at its station. The first bump starts a "
        "pending ticket (preparing); the last live line's makes the ticket ready. A line "
        "already ready changes nothing; lines of a held course, a served ticket or a void "
        "line are a CONFLICT."
    )
    @domain_mutation
    async def bump_ticket_line(
        self, info: Info[Context, None], session: AsyncSession, line_id: LineId
    ) -> TicketLineBumpResult:
        bump = await bumps.bump_line(session, actor=info.context.user, line_id=_line_id(line_id))
        return TicketLineBumpPayload.of(bump)

    @strawberry.mutation(
        description="Take a line's bump back (bumped by mistake): a ready ticket is recalled "
        "to preparing. A line not bumped changes nothing."
    )
    @domain_mutation
    async def undo_ticket_line_bump(
        self, info: Info[Context, None], session: AsyncSession, line_id: LineId
    ) -> TicketLineBumpResult:
        bump = await bumps.undo_bump(session, actor=info.context.user, line_id=_line_id(line_id))
        return TicketLineBumpPayload.of(bump)
