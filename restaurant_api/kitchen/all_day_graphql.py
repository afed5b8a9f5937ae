"""GraphQL of all-day counts: what each station still has to make, item by item."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from restaurant_api.api.feeds import read_apart
from restaurant_api.api.graphql import Context, signed_in
from restaurant_api.kitchen import all_day, stations

StationArgument = Annotated[
    str | None,
    strawberry.argument(
        description="Only this station (its name, case ignored); an unknown name is a "
        "VALIDATION_ERROR. Null: every station."
    ),
]


@strawberry.type(
    name="AllDayCount", description="How many of one item a station still has to make."
)
class AllDayCountType:
    station: str = strawberry.field(description="The station's name.")
    name: str = strawberry.field(description="The item's name as fired.")
    options: list[str] = strawberry.field(
        description="Kitchen names of its modifier options (lines differing in options are "
        "counted apart)."
    )
    quantity: int = strawberry.field(
        description="Sum of the quantities of its live lines not bumped ready, on fired "
        "tickets pending or preparing (not dismissed)."
    )


@strawberry.type(name="AllDayCounts", description="All-day counts of one station, or of all.")
class AllDayCountsType:
    station: str | None = strawberry.field(description="The station asked for (null: all).")
    counts: list[AllDayCountType] = strawberry.field(
        description="By station (display order), then most to make first, then name."
    )
    truncated: bool = strawberry.field(
        description=f"True when more than {all_day.MAX_ALL_DAY_ROWS} rows exist: only the "
        "first are listed."
    )

    @classmethod
    def from_counts(cls, counts: all_day.AllDayCounts) -> AllDayCountsType:
        return cls(
            station=counts.station,
            counts=[
                AllDayCountType(
                    station=c.station, name=c.name, options=list(c.options), quantity=c.quantity
                )
                for c in counts.counts
            ],
            truncated=counts.truncated,
        )


async def read_counts(
    context: Context, station_id: int | None, *, reads: Context | None = None
) -> all_day.AllDayCounts:
    """The counts for `context`'s user, read through `reads` (a live update's own short
    session: a long-lived subscription never reads through its connection's session)."""
    async with (reads or context).use_session() as session:
        return await all_day.all_day_counts(session, actor=context.user, station_id=station_id)


async def station_of(context: Context, station: str | None) -> tuple[int | None, str | None]:
    """The id and name of the station asked for ((None, None): every station)."""
    if station is None:
        return None, None
    found = await read_apart(context, lambda session: stations.resolve_station(session, station))
    return found.id, found.name


@strawberry.type
class Query:
    @signed_in(
        "All-day counts: per station, each item (with its options) and how many "
        "are still to make on fired tickets."
    )
    async def all_day_counts(
        self, info: Info[Context, None], station: StationArgument = None
    ) -> AllDayCountsType | None:
        station_id, _ = await station_of(info.context, station)
        return AllDayCountsType.from_counts(await read_counts(info.context, station_id))
