"""The tables domain's public interface: table and seat use cases. Occupancy follows the
orders placed on a table; order rows belong to the orders domain, which the use cases here
call to lock, merge and split orders.

- `occupancy`: which order holds a table (what the orders domain calls).
- `floor`: reading the floor plan and managing tables.
- `seating`: orders at tables, guests on seats, releasing a table.
- `merges`: merging tables and undoing it.
- `bills`: splitting a table's bill.
- `errors`, `rows`: the domain's errors; locks, fresh reads and recording a change.

Other domains and adapters import this module, never those: they and the orders service
import each other, which resolves when the import starts here or at `orders.service`.

Locking: a use case that locks several rows takes order rows first, then table rows, each
kind in ascending id order (the orders domain locks an order before its table too), so two
use cases never wait on each other in a cycle. Seats are guarded by their table's row lock.
On SQLite every writing transaction holds the database's write lock from its first
statement (BEGIN IMMEDIATE), so the same code is serialized there.
"""

from __future__ import annotations

from restaurant_api import limits
from restaurant_api.errors import DomainError
from restaurant_api.tables.bills import preview_split, split_bill
from restaurant_api.tables.errors import (
    MergeWithItself,
    NoOrderToSplit,
    OccupiedSeatsRemoved,
    SeatNotFound,
    SeatTaken,
    TableChanged,
    TableHostsMerge,
    TableInUse,
    TableMerged,
    TableNotFound,
    TableNotMerged,
    TableNumberTaken,
    TableOccupied,
    TablesNotFound,
)
from restaurant_api.tables.floor import (
    MAX_CAPACITY,
    MIN_CAPACITY,
    all_tables,
    available_tables,
    create_table,
    delete_table,
    get_table,
    list_tables,
    occupied_tables,
    seats_by_id,
    tables_by_id,
    update_table,
)
from restaurant_api.tables.merges import MergeResult, UnmergeResult, merge_tables, unmerge_table
from restaurant_api.tables.occupancy import (
    free_table,
    move_order_to_table,
    occupy_table_for_order,
    release_table_of_order,
)
from restaurant_api.tables.rows import lock_table, seats_by_table
from restaurant_api.tables.seating import (
    MAX_CUSTOMER_NAME,
    assign_seat,
    assign_table,
    release_seat,
    release_table,
    transfer_order,
)

# The bound of an even split, which `split_bill` and `preview_split` take.
MAX_SPLIT_WAYS = limits.MAX_SPLIT_WAYS

__all__ = [
    "MAX_CAPACITY",
    "MAX_CUSTOMER_NAME",
    "MAX_SPLIT_WAYS",
    "MIN_CAPACITY",
    "DomainError",
    "MergeResult",
    "MergeWithItself",
    "NoOrderToSplit",
    "OccupiedSeatsRemoved",
    "SeatNotFound",
    "SeatTaken",
    "TableChanged",
    "TableHostsMerge",
    "TableInUse",
    "TableMerged",
    "TableNotFound",
    "TableNotMerged",
    "TableNumberTaken",
    "TableOccupied",
    "TablesNotFound",
    "UnmergeResult",
    "all_tables",
    "assign_seat",
    "assign_table",
    "available_tables",
    "create_table",
    "delete_table",
    "free_table",
    "get_table",
    "list_tables",
    "lock_table",
    "merge_tables",
    "move_order_to_table",
    "occupied_tables",
    "occupy_table_for_order",
    "preview_split",
    "release_seat",
    "release_table",
    "release_table_of_order",
    "seats_by_id",
    "seats_by_table",
    "split_bill",
    "tables_by_id",
    "transfer_order",
    "unmerge_table",
    "update_table",
]
