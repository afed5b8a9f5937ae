"""Live floor plan: every table's state, then each table that changes."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing

import strawberry
from strawberry.types import Info

from restaurant_api.api.fanout import share_update
from restaurant_api.api.feeds import Feed, LiveUpdateKind, live_feed
from restaurant_api.api.graphql import Context, IsAuthenticated
from restaurant_api.api.node import to_global_id
from restaurant_api.events import Event, Topic
from restaurant_api.tables import loaders, service
from restaurant_api.tables.graphql import TableType
from restaurant_api.tables.models import DiningTable


@strawberry.type(description="A floor plan message: every table first, then the changed ones.")
class TablesUpdate:
    kind: LiveUpdateKind = strawberry.field(
        description="SNAPSHOT: these are all the tables. CHANGES: these tables changed."
    )
    tables: list[TableType] = strawberry.field(
        description="Tables by number: the same `Table` as queries return, seats included."
    )
    removed_table_ids: list[strawberry.ID] = strawberry.field(
        description="Global ids of tables that were deleted since the previous message."
    )


async def _all_tables(context: Context) -> list[DiningTable]:
    async with context.use_session() as session:
        return await service.all_tables(session)


async def _one_table(context: Context, event: Event) -> DiningTable | None:
    # Read at once (a DataLoader would wait a loop turn) and prime the loader for nested
    # fields that ask for this table again.
    async with context.use_session() as session:
        table = (await service.tables_by_id(session, [event.id])).get(event.id)
    loaders.table_by_id(context).prime(event.id, table)
    return table


TABLES_FEED: Feed[DiningTable] = Feed(
    topic=Topic.TABLE,
    read_key="tables.table",
    snapshot=_all_tables,
    load=_one_table,
    row_id=lambda table: table.id,  # type: ignore[arg-type,return-value]
)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description=(
            "The live floor plan: first every table (SNAPSHOT), then each table whose "
            "status, order, seats or capacity changes (CHANGES)."
        ),
        permission_classes=[IsAuthenticated],
    )
    async def tables(self, info: Info[Context, None]) -> AsyncGenerator[TablesUpdate, None]:
        async with aclosing(live_feed(info, TABLES_FEED)) as feed:
            async for batch in feed:
                rows = sorted(batch.rows, key=lambda row: row[0].table_number)
                # Marked: subscribers of the same selection share one execution.
                update = TablesUpdate(
                    kind=batch.kind,
                    tables=[
                        # Built once per change, shared by every subscriber it reaches.
                        reads.loader(
                            f"Table:{table.id}", lambda t=table, r=reads: TableType.from_model(t, r)
                        )
                        for table, reads in rows
                    ],
                    removed_table_ids=[to_global_id("Table", i) for i in batch.removed_ids],
                )
                yield share_update(update, batch.share_key)
