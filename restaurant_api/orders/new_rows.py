"""A new order and its lines in one statement (PostgreSQL): the order's row, then its
lines with the order's id, written together by data-modifying CTEs; their ids come back.

The ORM's unit of work would send one INSERT for the order (to learn its id) and one for
the lines, with its per-instance bookkeeping: about a sixth of placing an order's CPU.
The instances are built by the models as before (their defaults stay in one place);
their values travel as JSON records that `json_populate_record` reads with the tables' own
column types, and the instances, given their ids, become persistent as a flush leaves
them. SQLite, which has no data-modifying CTEs, keeps the ORM's way.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import table_of
from restaurant_api.db_rows import (
    RawWrite,
    json_records,
    new_row_values,
    persist_written,
    transaction_write,
)
from restaurant_api.orders.models import Order, OrderLine

_ORDER_COLUMNS = [column.name for column in table_of(Order).c if column.name != "id"]
_LINE_COLUMNS = [column.name for column in table_of(OrderLine).c if column.name != "id"]
_LINE_VALUES = ", ".join(
    "new_order.id" if name == "order_id" else f"l.{name}" for name in _LINE_COLUMNS
)

# Line ids are given in position order (ORDER BY ordinality), as the ORM's insert does.
_INSERT_ORDER_AND_LINES = RawWrite(
    f"""
WITH new_order AS (
    INSERT INTO orders ({", ".join(_ORDER_COLUMNS)})
    SELECT {", ".join(_ORDER_COLUMNS)}
    FROM json_populate_record(NULL::orders, %(order)s::json)
    RETURNING id
), new_lines AS (
    INSERT INTO order_lines ({", ".join(_LINE_COLUMNS)})
    SELECT {_LINE_VALUES}
    FROM new_order,
        ROWS FROM (json_populate_recordset(NULL::order_lines, %(lines)s::json))
        WITH ORDINALITY AS l
    ORDER BY l.ordinality
    RETURNING id, position
)
SELECT new_order.id, new_lines.id FROM new_order, new_lines ORDER BY new_lines.position
""",
    frozenset({"orders", "order_lines"}),
)


async def insert_order_and_lines(
    session: AsyncSession, order: Order, lines: Sequence[OrderLine]
) -> None:
    """Write the new `order` and its `lines` (at least one, positioned in this order), and
    make them persistent with their ids, as a flush of them would."""
    for position, line in enumerate(lines):
        line.position = position
    rows = await transaction_write(
        session,
        _INSERT_ORDER_AND_LINES,
        {
            "order": json_records(new_row_values(order)),
            "lines": json_records(
                [new_row_values(line, without=("id", "order_id")) for line in lines]
            ),
        },
    )
    order.id = rows[0][0]
    for line, (_, line_id) in zip(lines, rows, strict=True):
        line.id = line_id
        line.order_id = order.id
    persist_written(session, [order, *lines])
