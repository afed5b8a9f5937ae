"""GraphQL types and queries for kitchen stations and their routing rules."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from restaurant_api.api.graphql import Context, IsAuthenticated, from_row, signed_in
from restaurant_api.api.node import (
    Node,
    decode_id,
    loaded_as,
    optional_global_id,
    register_node,
)
from restaurant_api.kitchen import loaders, stations
from restaurant_api.kitchen.models import KitchenRoute, KitchenStation


@strawberry.type(
    name="KitchenStation",
    description="A place in the kitchen with its own screen (grill, fry, cold, bar, expo).",
)
class KitchenStationType(Node):
    database_id: int = strawberry.field(description="The integer id of the station.")
    name: str = strawberry.field(
        description="Its name, unique ignoring case; tickets and screen filters use it."
    )
    display_order: int = strawberry.field(description="Position on screens, smallest first.")
    is_expo: bool = strawberry.field(
        description="The expo: sees every ticket of an order and calls it ready for pickup; "
        "nothing is routed to it."
    )
    is_default: bool = strawberry.field(
        description="Where a line goes when no routing rule matches (one station at a time)."
    )
    default_prep_minutes: int | None = strawberry.field(
        description="Prep-time target of a line whose menu item has none (null: none)."
    )
    retired_at: datetime | None = strawberry.field(
        description="When it was taken out of service (UTC); its rules are skipped meanwhile."
    )
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="Last change (UTC).")

    @strawberry.field(description="True once taken out of service.")
    def is_retired(self) -> bool:
        return self.retired_at is not None

    @classmethod
    def from_model(cls, station: KitchenStation) -> KitchenStationType:
        return from_row(cls, station)


@strawberry.type(
    name="KitchenRoute",
    description="A routing rule: a menu category, one menu item or one modifier option goes "
    "to a station. The most specific wins: option, then item, then category, then the "
    "default station.",
)
class KitchenRouteType(Node):
    database_id: int = strawberry.field(description="The integer id of the rule.")
    category: str | None = strawberry.field(
        description="The menu category it routes (lower-cased), or null."
    )
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    station_db_id: strawberry.Private[int]
    menu_item_db_id: strawberry.Private[int | None]
    modifier_option_db_id: strawberry.Private[int | None]

    @strawberry.field(description="Global id of the menu item it routes, or null.")
    def menu_item_id(self) -> strawberry.ID | None:
        db_id = self.menu_item_db_id
        return optional_global_id("MenuItem", db_id)

    @strawberry.field(
        description="Global id of the modifier option it routes (the option prints on the "
        "station's ticket, 'With <item>'), or null."
    )
    def modifier_option_id(self) -> strawberry.ID | None:
        db_id = self.modifier_option_db_id
        return optional_global_id("ModifierOption", db_id)

    @strawberry.field(description="The station the lines go to.")
    async def station(self, info: Info[Context, None]) -> KitchenStationType | None:
        station = await loaders.station_by_id(self.context(info)).load(self.station_db_id)
        return None if station is None else KitchenStationType.from_model(station)

    @classmethod
    def from_model(cls, route: KitchenRoute) -> KitchenRouteType:
        return from_row(cls, route, category=route.category_key)


_load_stations = loaded_as(loaders.station_by_id, KitchenStationType.from_model)
_load_routes = loaded_as(loaders.route_by_id, KitchenRouteType.from_model)
register_node("KitchenStation", _load_stations, permission_classes=[IsAuthenticated])
register_node("KitchenRoute", _load_routes, permission_classes=[IsAuthenticated])


def station_id_of(value: str, field: str = "stationId") -> int:
    return decode_id(value, "KitchenStation", field=field)


@strawberry.type
class Query:
    @signed_in(
        "The kitchen's stations in display order (every signed-in role: screens "
        "pick theirs from it)."
    )
    async def kitchen_stations(
        self,
        info: Info[Context, None],
        include_retired: Annotated[
            bool,
            strawberry.argument(description="Also retired stations, after the others."),
        ] = False,
    ) -> list[KitchenStationType]:
        async with info.context.use_session() as session:
            rows = await stations.list_stations(
                session, actor=info.context.user, include_retired=include_retired
            )
        return [KitchenStationType.from_model(station) for station in rows]

    @signed_in("Routing rules: category rules first, then item rules, then option rules.")
    async def kitchen_routes(
        self,
        info: Info[Context, None],
        station_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only the rules of this station (global id)."),
        ] = None,
    ) -> list[KitchenRouteType]:
        db_id = None if station_id is None else station_id_of(station_id)
        async with info.context.use_session() as session:
            rows = await stations.list_routes(session, actor=info.context.user, station_id=db_id)
        return [KitchenRouteType.from_model(route) for route in rows]
