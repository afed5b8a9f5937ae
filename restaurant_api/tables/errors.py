"""Errors of the tables domain (re-exported by `tables.service`)."""

from __future__ import annotations

from collections.abc import Sequence

from restaurant_api.errors import Conflict, DomainError, ErrorCode, NotFound


class TableNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Table not found")


class TableOccupied(Conflict):
    code = ErrorCode.TABLE_OCCUPIED
    http_status = 400

    def __init__(self) -> None:
        super().__init__("Table is already occupied")


class TableMerged(Conflict):
    code = ErrorCode.TABLE_MERGED

    def __init__(self, merged_into: int) -> None:
        super().__init__(f"Table is merged into table {merged_into}")


class TableHostsMerge(Conflict):
    code = ErrorCode.TABLE_MERGED

    def __init__(self) -> None:
        super().__init__("Table has another table merged into it; unmerge it first")


class TableNotMerged(Conflict):
    code = ErrorCode.CONFLICT

    def __init__(self) -> None:
        super().__init__("Table is not merged")


class TablesNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("One or both tables not found")


class MergeWithItself(DomainError):
    code = ErrorCode.VALIDATION_ERROR
    http_status = 400

    def __init__(self) -> None:
        super().__init__("Cannot merge a table with itself")


class TableNumberTaken(Conflict):
    code = ErrorCode.DUPLICATE
    http_status = 400

    def __init__(self) -> None:
        super().__init__("Table number already exists", field="table_number")


class TableInUse(Conflict):
    code = ErrorCode.TABLE_OCCUPIED
    http_status = 400

    def __init__(self) -> None:
        super().__init__("Cannot delete an occupied table")


class OccupiedSeatsRemoved(Conflict):
    code = ErrorCode.SEAT_OCCUPIED

    def __init__(self, seat_numbers: Sequence[int]) -> None:
        listed = ", ".join(str(number) for number in seat_numbers)
        super().__init__(f"Cannot remove occupied seats: {listed}", field="capacity")


class SeatNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Seat not found")


class SeatTaken(Conflict):
    code = ErrorCode.SEAT_TAKEN

    def __init__(self, seat_number: int) -> None:
        super().__init__(f"Seat {seat_number} is already occupied")


class NoOrderToSplit(DomainError):
    code = ErrorCode.VALIDATION_ERROR
    http_status = 400

    def __init__(self) -> None:
        super().__init__("Table has no order to split")


class TableChanged(Conflict):
    """Another request changed the table between our look and our lock: try again."""

    code = ErrorCode.VERSION_CONFLICT

    def __init__(self) -> None:
        super().__init__("The table changed meanwhile; try again")
