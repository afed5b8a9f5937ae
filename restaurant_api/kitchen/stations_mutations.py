"""GraphQL mutations configuring kitchen stations and routing rules (managers)."""

from __future__ import annotations

from typing import Annotated, TypeVar

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from restaurant_api.api.graphql import Context, result_union
from restaurant_api.api.mutations import domain_mutation
from restaurant_api.api.node import decode_id, to_global_id
from restaurant_api.inputs import UNSET, Unset
from restaurant_api.kitchen import stations
from restaurant_api.kitchen.stations_graphql import (
    KitchenRouteType,
    KitchenStationType,
    station_id_of,
)


@strawberry.input(description="A new kitchen station.")
class CreateKitchenStationInput:
    name: str = strawberry.field(description="Unique name ignoring case, 1 to 40 characters.")
    display_order: int | None = strawberry.field(
        default=None, description="Position on screens, 0 to 10000 (default: last)."
    )
    is_expo: bool = strawberry.field(
        default=False, description="The expo: sees whole orders, nothing is routed to it."
    )
    is_default: bool = strawberry.field(
        default=False,
        description="Make it the default station (the previous default stops being it).",
    )
    default_prep_minutes: int | None = strawberry.field(
        default=None, description="Prep-time target of lines whose item has none, 0 to 1440."
    )


@strawberry.input(description="Changes to a station; omitted fields stay as they are.")
class UpdateKitchenStationInput:
    name: str | None = strawberry.field(
        default=None, description="New name: its tickets show it from now on."
    )
    display_order: int | None = strawberry.field(
        default=None, description="New position on screens, 0 to 10000."
    )
    is_expo: bool | None = strawberry.field(
        default=None, description="Flag or unflag the expo (not the default station)."
    )
    is_default: bool | None = strawberry.field(
        default=None,
        description="true: make it the default station. false is refused: make another one "
        "the default instead.",
    )
    default_prep_minutes: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="New prep-time target, 0 to 1440; null clears it.",
    )


@strawberry.input(
    description="Route one of: a menu category, a menu item, a modifier option (exactly one)."
)
class SetKitchenRouteInput:
    station_id: strawberry.ID = strawberry.field(description="The station's global id.")
    category: str | None = strawberry.field(
        default=None, description="A menu category name (case ignored), up to 60 characters."
    )
    menu_item_id: strawberry.ID | None = strawberry.field(
        default=None, description="A menu item's global id: overrides its category's rule."
    )
    modifier_option_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A modifier option's global id: when chosen, the option prints on this "
        "station's ticket ('With <item>') instead of with its item.",
    )


@strawberry.type(description="A station after a change.")
class KitchenStationPayload:
    station: KitchenStationType = strawberry.field(description="The station as it is now.")


@strawberry.type(description="Every station after a reorder.")
class KitchenStationsPayload:
    stations: list[KitchenStationType] = strawberry.field(
        description="All stations (retired ones last) in their new order."
    )


@strawberry.type(description="A routing rule after a change.")
class KitchenRoutePayload:
    route: KitchenRouteType = strawberry.field(description="The rule as it is now.")


@strawberry.type(description="A removed routing rule.")
class RemoveKitchenRoutePayload:
    id: strawberry.ID = strawberry.field(description="Global id the removed rule had.")


KitchenStationResult = result_union(
    "KitchenStationResult", KitchenStationPayload, "The changed station, or why not."
)
KitchenStationsResult = result_union(
    "KitchenStationsResult", KitchenStationsPayload, "The reordered stations, or why not."
)
KitchenRouteResult = result_union(
    "KitchenRouteResult", KitchenRoutePayload, "The routing rule, or why not."
)
RemoveKitchenRouteResult = result_union(
    "RemoveKitchenRouteResult", RemoveKitchenRoutePayload, "The removed rule, or why not."
)

T = TypeVar("T")
StationId = Annotated[strawberry.ID, strawberry.argument(description="The station's global id.")]


def _given(value: T | None) -> T | Unset:
    return UNSET if value is None else value


def _station(station: stations.KitchenStation) -> KitchenStationPayload:
    return KitchenStationPayload(station=KitchenStationType.from_model(station))


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create a kitchen station (managers).")
    @domain_mutation
    async def create_kitchen_station(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        input: Annotated[
            CreateKitchenStationInput, strawberry.argument(description="The new station.")
        ],
    ) -> KitchenStationResult:
        station = await stations.create_station(
            session,
            actor=info.context.user,
            draft=stations.StationDraft(
                name=input.name,
                display_order=input.display_order,
                is_expo=input.is_expo,
                is_default=input.is_default,
                default_prep_minutes=input.default_prep_minutes,
            ),
        )
        return _station(station)

    @strawberry.mutation(
        description="Rename, reorder, flag expo or default, or set the default prep time of "
        "a station (managers). A rename shows on its tickets at once."
    )
    @domain_mutation
    async def update_kitchen_station(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        id: StationId,
        input: Annotated[
            UpdateKitchenStationInput, strawberry.argument(description="What changes.")
        ],
    ) -> KitchenStationResult:
        prep = input.default_prep_minutes
        changes = stations.StationChanges(
            name=_given(input.name),
            display_order=_given(input.display_order),
            is_expo=_given(input.is_expo),
            is_default=_given(input.is_default),
            default_prep_minutes=UNSET if prep is strawberry.UNSET else prep,
        )
        station = await stations.update_station(
            session, actor=info.context.user, station_id=station_id_of(id, "id"), changes=changes
        )
        return _station(station)

    @strawberry.mutation(
        description="Put these stations first in this order; the others follow (managers)."
    )
    @domain_mutation
    async def reorder_kitchen_stations(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        station_ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(description="Global ids of stations, at most 50."),
        ],
    ) -> KitchenStationsResult:
        ids = [station_id_of(value, f"stationIds.{i}") for i, value in enumerate(station_ids)]
        rows = await stations.reorder_stations(session, actor=info.context.user, station_ids=ids)
        return KitchenStationsPayload(stations=[KitchenStationType.from_model(s) for s in rows])

    @strawberry.mutation(
        description="Take a station out of service (managers): its rules are skipped, its "
        "tickets stay. The last food station cannot be retired; a retired default passes the "
        "flag to the first food station left."
    )
    @domain_mutation
    async def retire_kitchen_station(
        self, info: Info[Context, None], session: AsyncSession, id: StationId
    ) -> KitchenStationResult:
        station = await stations.retire_station(
            session, actor=info.context.user, station_id=station_id_of(id, "id")
        )
        return _station(station)

    @strawberry.mutation(description="Put a retired station back in service (managers).")
    @domain_mutation
    async def restore_kitchen_station(
        self, info: Info[Context, None], session: AsyncSession, id: StationId
    ) -> KitchenStationResult:
        station = await stations.restore_station(
            session, actor=info.context.user, station_id=station_id_of(id, "id")
        )
        return _station(station)

    @strawberry.mutation(
        description="Route a category, menu item or modifier option to a station, replacing "
        "the rule it had (managers)."
    )
    @domain_mutation
    async def set_kitchen_route(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        input: Annotated[SetKitchenRouteInput, strawberry.argument(description="The rule.")],
    ) -> KitchenRouteResult:
        target = stations.RouteTarget(
            category=input.category,
            menu_item_id=None
            if input.menu_item_id is None
            else decode_id(input.menu_item_id, "MenuItem", field="menuItemId"),
            modifier_option_id=None
            if input.modifier_option_id is None
            else decode_id(input.modifier_option_id, "ModifierOption", field="modifierOptionId"),
        )
        route = await stations.set_route(
            session,
            actor=info.context.user,
            station_id=station_id_of(input.station_id),
            target=target,
        )
        return KitchenRoutePayload(route=KitchenRouteType.from_model(route))

    @strawberry.mutation(
        description="Remove a routing rule (managers): its lines fall back to the next rule."
    )
    @domain_mutation
    async def remove_kitchen_route(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        id: Annotated[strawberry.ID, strawberry.argument(description="The rule's global id.")],
    ) -> RemoveKitchenRouteResult:
        route_id = decode_id(id, "KitchenRoute", field="id")
        await stations.remove_route(session, actor=info.context.user, route_id=route_id)
        return RemoveKitchenRoutePayload(id=to_global_id("KitchenRoute", route_id))
