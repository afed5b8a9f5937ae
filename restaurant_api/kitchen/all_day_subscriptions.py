"""Live all-day counts: the counts first, then again whenever a ticket change alters them."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from restaurant_api.api.feeds import (
    bus_from,
    close_slow_subscriber,
    ensure_authorized,
    event_context,
    live_subscription,
)
from restaurant_api.api.graphql import Context
from restaurant_api.events import SubscriberTooSlow, Topic
from restaurant_api.kitchen import all_day
from restaurant_api.kitchen.all_day_graphql import (
    AllDayCountsType,
    StationArgument,
    read_counts,
    station_of,
)


async def _counts_feed(
    info: Info[Context, None], station_id: int | None
) -> AsyncGenerator[AllDayCountsType, None]:
    context = info.context
    bus = bus_from(info)
    subscriber = await bus.subscribe(frozenset({Topic.KITCHEN_TICKET}))
    try:
        last = await read_counts(context, station_id, reads=event_context(context))
        await ensure_authorized(context)
        yield AllDayCountsType.from_counts(last)
        while True:
            deliveries = [await subscriber.get(), *subscriber.drain()]
            if station_id is not None and not any(
                d.event.topic is Topic.RESYNC or d.event.station_id in (None, station_id)
                for d in deliveries
            ):
                continue  # only other stations' tickets changed
            # Every subscriber of this station and process shares one read per change.
            counts: all_day.AllDayCounts = await bus.shared_read(
                ("kitchen.all_day", station_id, deliveries[-1].seq),
                lambda: read_counts(context, station_id, reads=event_context(context)),
            )
            if counts == last:
                continue
            await ensure_authorized(context, shared_as=deliveries[-1].seq)
            last = counts
            yield AllDayCountsType.from_counts(counts)
    except SubscriberTooSlow:
        await close_slow_subscriber(context)
    finally:
        subscriber.close()


@strawberry.type
class Subscription:
    @live_subscription(
        "Live all-day counts: the counts now, then the new counts each time a "
        "committed kitchen ticket change alters them."
    )
    async def all_day_counts(
        self, info: Info[Context, None], station: StationArgument = None
    ) -> AsyncGenerator[AllDayCountsType, None]:
        station_id, _ = await station_of(event_context(info.context), station)
        return _counts_feed(info, station_id)
