"""Live floor plan: every table's state, then each table that changes."""

from __future__ import annotations

from collections.abc import AsyncGenerator

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
from restaurant_api.events import Topic
from restaurant_api.tables import loaders, service
from restaurant_api.tables.graphql import TableType
from restaurant_api.tables.models import DiningTable

TablesUpdate = live_update_type(
    TableType,
    "TablesUpdate",
    description="A floor plan message: every table first, then the changed ones.",
    kind="SNAPSHOT: these are all the tables. CHANGES: these tables changed.",
    rows=("tables", "Tables by number: the same `Table` as queries return, seats included."),
    removed=(
        "removedTableIds",
        "Global ids of tables that were deleted since the previous message.",
    ),
)


async def _all_tables(context: Context) -> list[DiningTable]:
    async with context.use_session() as session:
        return await service.all_tables(session)


TABLES_FEED: Feed[DiningTable] = Feed(
    topic=Topic.TABLE,
    read_key="tables.table",
    snapshot=_all_tables,
    load=reread(service.tables_by_id, loaders.table_by_id),
    row_id=lambda table: table.id,
    order_by=lambda table: table.table_number,
)


@strawberry.type
class Subscription:
    @live_subscription(
        "The live floor plan: first every table (SNAPSHOT), then each table whose "
        "status, order, seats or capacity changes (CHANGES)."
    )
    async def tables(self, info: Info[Context, None]) -> AsyncGenerator[TablesUpdate, None]:
        return live_updates(
            info,
            TABLES_FEED,
            TableType,
            TablesUpdate,
        )
