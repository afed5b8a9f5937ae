"""REST adapters for tables and seats (/api/tables), as REST_CONTRACT.md documents them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api import limits
from restaurant_api.api.order_presenter import (
    CheckTaxPublic,
    OrderPublic,
    check_fields,
    present_orders,
)
from restaurant_api.api.rest import (
    CurrentUser,
    MessageResponse,
    MoneyNumber,
    ReadSessionDep,
    SessionDep,
    error_responses,
    require_roles,
)
from restaurant_api.db import MAX_ID
from restaurant_api.errors import InvalidInput
from restaurant_api.money import from_cents
from restaurant_api.orders.service import InvalidSplit, SplitMode, SplitRequest
from restaurant_api.pricing.service import Amounts
from restaurant_api.tables import service
from restaurant_api.tables.models import DiningTable, SeatStatus, TableStatus
from restaurant_api.users.models import Role, User

router = APIRouter(
    prefix="/api/tables", tags=["tables"], responses=error_responses(400, 401, 403, 404, 409)
)

Manager = Annotated[User, require_roles(Role.ADMIN, Role.MANAGER)]
FloorStaff = Annotated[User, require_roles(Role.ADMIN, Role.MANAGER, Role.SERVER)]
TableNumber = Annotated[int, Field(ge=1, le=MAX_ID)]
Capacity = Annotated[int, Field(ge=service.MIN_CAPACITY, le=service.MAX_CAPACITY)]


class SeatPublic(BaseModel):
    seat_number: int
    status: SeatStatus
    customer_name: str | None


class TablePublic(BaseModel):
    id: int
    table_number: int
    capacity: int
    is_occupied: bool
    current_order_id: int | None
    status: TableStatus
    seats: list[SeatPublic]
    merged_into: int | None
    version: int
    updated_at: datetime


class TableCreate(BaseModel):
    table_number: TableNumber
    capacity: Capacity


class TableUpdate(BaseModel):
    table_number: TableNumber | None = None
    capacity: Capacity | None = None
    status: TableStatus | None = None


class UnmergeResponse(BaseModel):
    table: TablePublic
    restored_table: TablePublic
    restored_order_id: int | None


async def present_tables(session: AsyncSession, tables: Sequence[DiningTable]) -> list[TablePublic]:
    """Tables with their seats, in one query for all the seats."""
    seats = await service.seats_by_table(session, [t.id for t in tables])
    return [
        TablePublic(
            id=table.id,
            table_number=table.table_number,
            capacity=table.capacity,
            is_occupied=table.status == TableStatus.OCCUPIED,
            current_order_id=table.current_order_id,
            status=table.status,
            seats=[
                SeatPublic(
                    seat_number=s.seat_number, status=s.status, customer_name=s.customer_name
                )
                for s in seats.get(table.id, [])
            ],
            merged_into=table.merged_into,
            version=table.version,
            updated_at=table.updated_at,
        )
        for table in tables
    ]


async def present_table(session: AsyncSession, table: DiningTable) -> TablePublic:
    return (await present_tables(session, [table]))[0]


@router.post("", response_model=TablePublic, summary="Create a table (manager)")
@router.post("/", response_model=TablePublic, include_in_schema=False)
async def create_table(body: TableCreate, user: Manager, session: SessionDep) -> Any:
    table = await service.create_table(
        session, actor=user, table_number=body.table_number, capacity=body.capacity
    )
    return await present_table(session, table)


@router.get("", response_model=list[TablePublic], summary="All tables")
@router.get("/", response_model=list[TablePublic], include_in_schema=False)
async def list_tables(
    user: CurrentUser, session: ReadSessionDep, status: TableStatus | None = None
) -> Any:
    tables = await service.list_tables(session, actor=user, status=status)
    return await present_tables(session, tables)


@router.get("/occupied/", response_model=list[TablePublic], summary="Occupied tables")
@router.get("/occupied", response_model=list[TablePublic], include_in_schema=False)
async def occupied_tables(user: CurrentUser, session: ReadSessionDep) -> Any:
    return await present_tables(session, await service.occupied_tables(session, actor=user))


@router.get("/available/", response_model=list[TablePublic], summary="Available tables")
@router.get("/available", response_model=list[TablePublic], include_in_schema=False)
async def available_tables(user: CurrentUser, session: ReadSessionDep) -> Any:
    return await present_tables(session, await service.available_tables(session, actor=user))


@router.get("/{table_id}", response_model=TablePublic, summary="One table")
async def get_table(table_id: int, user: CurrentUser, session: ReadSessionDep) -> Any:
    table = await service.get_table(session, actor=user, table_id=table_id)
    return await present_table(session, table)


@router.put("/{table_id}", response_model=TablePublic, summary="Renumber, resize, set status")
async def update_table(table_id: int, body: TableUpdate, user: Manager, session: SessionDep) -> Any:
    table = await service.update_table(
        session,
        actor=user,
        table_id=table_id,
        table_number=body.table_number,
        capacity=body.capacity,
        status=body.status,
    )
    return await present_table(session, table)


@router.delete("/{table_id}", response_model=MessageResponse, summary="Delete a table")
async def delete_table(table_id: int, user: Manager, session: SessionDep) -> Any:
    await service.delete_table(session, actor=user, table_id=table_id)
    return MessageResponse(message="Table deleted successfully")


@router.post("/{table_id}/assign/{order_id}", response_model=TablePublic, summary="Seat an order")
async def assign_table(table_id: int, order_id: int, user: FloorStaff, session: SessionDep) -> Any:
    table = await service.assign_table(session, actor=user, table_id=table_id, order_id=order_id)
    return await present_table(session, table)


@router.post("/{table_id}/release", response_model=TablePublic, summary="Free a table")
async def release_table(table_id: int, user: FloorStaff, session: SessionDep) -> Any:
    table = await service.release_table(session, actor=user, table_id=table_id)
    return await present_table(session, table)


async def _customer_name(request: Request, query_value: str | None) -> str | None:
    """`customer_name` from the query string, a form field, or a JSON body."""
    if query_value is not None:
        return query_value
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get("customer_name")
        return value if isinstance(value, str) else None
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        payload = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput("Body must be JSON or form fields") from exc
    value = payload.get("customer_name") if isinstance(payload, dict) else None
    if value is not None and not isinstance(value, str):
        raise InvalidInput("customer_name must be a string", field="customer_name")
    return value


_NAME_SCHEMA = {
    "type": "object",
    "properties": {"customer_name": {"type": "string", "maxLength": service.MAX_CUSTOMER_NAME}},
}
_CUSTOMER_NAME_BODY = {
    "requestBody": {
        "required": False,
        "content": {
            "application/x-www-form-urlencoded": {"schema": _NAME_SCHEMA},
            "multipart/form-data": {"schema": _NAME_SCHEMA},
            "application/json": {"schema": _NAME_SCHEMA},
        },
    }
}


@router.post(
    "/{table_id}/assign-seat/{seat_number}",
    response_model=MessageResponse,
    summary="Seat a guest (optional customer_name as query parameter or form field)",
    openapi_extra=_CUSTOMER_NAME_BODY,
)
async def assign_seat(
    table_id: int,
    seat_number: int,
    request: Request,
    user: FloorStaff,
    session: SessionDep,
    customer_name: str | None = None,
) -> Any:
    name = await _customer_name(request, customer_name)
    await service.assign_seat(
        session, actor=user, table_id=table_id, seat_number=seat_number, customer_name=name
    )
    return MessageResponse(message=f"Seat {seat_number} assigned successfully")


@router.post(
    "/{table_id}/release-seat/{seat_number}",
    response_model=MessageResponse,
    summary="Free a seat",
)
async def release_seat(
    table_id: int, seat_number: int, user: FloorStaff, session: SessionDep
) -> Any:
    await service.release_seat(session, actor=user, table_id=table_id, seat_number=seat_number)
    return MessageResponse(message=f"Seat {seat_number} released successfully")


@router.post(
    "/merge-tables/{table_id}/{other_table_id}",
    response_model=TablePublic,
    summary="Merge the second table into the first",
)
async def merge_tables(
    table_id: int, other_table_id: int, user: FloorStaff, session: SessionDep
) -> Any:
    result = await service.merge_tables(
        session, actor=user, table_id=table_id, other_table_id=other_table_id
    )
    return await present_table(session, result.table)


@router.post(
    "/{table_id}/unmerge",
    response_model=UnmergeResponse,
    summary="Undo the merge this table takes part in",
)
async def unmerge_table(table_id: int, user: FloorStaff, session: SessionDep) -> Any:
    result = await service.unmerge_table(session, actor=user, table_id=table_id)
    table, restored = await present_tables(session, [result.table, result.restored_table])
    order_id = result.restored_order.id if result.restored_order else None
    return UnmergeResponse(table=table, restored_table=restored, restored_order_id=order_id)


@router.post(
    "/transfer/{order_id}/{table_id}",
    response_model=TablePublic,
    summary="Move an open order to another table",
)
async def transfer_order(
    order_id: int, table_id: int, user: FloorStaff, session: SessionDep
) -> Any:
    _order, table = await service.transfer_order(
        session, actor=user, order_id=order_id, table_id=table_id
    )
    return await present_table(session, table)


# --- split bodies ----------------------------------------------------------------------------


def _indexes(value: Any, where: str) -> tuple[int, ...]:
    if isinstance(value, list) and len(value) > limits.MAX_SPLIT_INDEXES:
        raise InvalidSplit(f"A split lists at most {limits.MAX_SPLIT_INDEXES} item indexes")
    if not isinstance(value, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in value
    ):
        raise InvalidSplit(f"{where} must be a list of item indexes")
    return tuple(value)


def _seat_number(key: str) -> int:
    try:
        number = int(key)
    except ValueError:
        raise InvalidSplit(f"Seat {key!r} is not a seat number") from None
    return number


def split_request_from_body(body: Any) -> SplitRequest:
    """Every split body of the contract: `split_N` maps, or `method` items/seats/even."""
    if not isinstance(body, dict):
        raise InvalidSplit("The split must be a JSON object")
    if len(body) > limits.MAX_SPLIT_PARTS + 1:  # + "method"; bounded before any work
        raise InvalidSplit(f"A split has at most {limits.MAX_SPLIT_PARTS} parts")
    method = body.get("method")
    if method is None:
        groups = tuple(_indexes(value, name) for name, value in body.items())
        return SplitRequest(mode=SplitMode.ITEMS, groups=groups)
    if method == "items":
        splits = body.get("splits")
        if not isinstance(splits, list):
            raise InvalidSplit("splits must be a list of {items: [...]}")
        if len(splits) > limits.MAX_SPLIT_PARTS:
            raise InvalidSplit(f"A split has at most {limits.MAX_SPLIT_PARTS} parts")
        groups = tuple(
            _indexes(part.get("items") if isinstance(part, dict) else part, "items")
            for part in splits
        )
        return SplitRequest(mode=SplitMode.ITEMS, groups=groups)
    if method == "seats":
        assignments = body.get("seat_assignments")
        if assignments is None:
            return SplitRequest(mode=SplitMode.SEATS)
        if not isinstance(assignments, dict):
            raise InvalidSplit("seat_assignments must map seat numbers to item indexes")
        if len(assignments) > limits.MAX_SPLIT_PARTS:
            raise InvalidSplit(f"A split has at most {limits.MAX_SPLIT_PARTS} seats")
        return SplitRequest(
            mode=SplitMode.SEATS,
            seat_numbers=tuple(_seat_number(key) for key in assignments),
            groups=tuple(_indexes(value, f"Seat {key}") for key, value in assignments.items()),
        )
    if method == "even":
        ways = body.get("ways")
        if not isinstance(ways, int) or isinstance(ways, bool):
            raise InvalidSplit("ways must be a whole number")
        return SplitRequest(mode=SplitMode.EVEN, ways=ways)
    raise InvalidSplit("method must be items, seats or even")


SPLIT_EXAMPLES = {
    "split names": {"value": {"split_1": [0], "split_2": [1, 2]}},
    "items": {"value": {"method": "items", "splits": [{"items": [0, 1]}, {"items": [2]}]}},
    "seats": {"value": {"method": "seats"}},
    "seat assignments": {"value": {"method": "seats", "seat_assignments": {"1": [0, 1], "2": [2]}}},
    "even": {"value": {"method": "even", "ways": 3}},
}
SplitBody = Annotated[dict[str, Any], Body(openapi_examples=SPLIT_EXAMPLES)]


@router.post(
    "/split-bill/{table_id}",
    response_model=list[OrderPublic],
    summary="Split the table's bill into new orders",
)
async def split_bill(table_id: int, body: SplitBody, user: FloorStaff, session: SessionDep) -> Any:
    request = split_request_from_body(body)
    orders = await service.split_bill(session, actor=user, table_id=table_id, request=request)
    return await present_orders(session, orders)


class SplitAmountsPublic(BaseModel):
    """Every column of a share of the check (or of the whole check)."""

    subtotal: MoneyNumber = Field(description="Sum of the lines before any discount.")
    discount_total: MoneyNumber
    service_charge_total: MoneyNumber
    tax: MoneyNumber = Field(description="Exclusive taxes, added to the total.")
    inclusive_tax: MoneyNumber = Field(description="Inclusive taxes, already in the prices.")
    taxes: list[CheckTaxPublic] = Field(description="Tax per rate.")
    grand_total: MoneyNumber = Field(
        description="What is paid: subtotal - discounts + service charges + tax."
    )

    @staticmethod
    def columns(amounts: Amounts) -> dict[str, Any]:
        return check_fields(amounts)


class SplitSharePublic(SplitAmountsPublic):
    label: str
    items: list[int] = Field(description="Indexes of the order's items (empty for even).")
    seat_number: int | None
    total: MoneyNumber = Field(description="Sum of its items, as an order's total.")


class SplitPreviewPublic(SplitAmountsPublic):
    order_id: int
    total: MoneyNumber = Field(description="The order's total (sum of its items).")
    shares: list[SplitSharePublic]


@router.post(
    "/split-preview/{table_id}",
    response_model=SplitPreviewPublic,
    summary="The shares splitting the table's bill would give; changes nothing",
)
async def preview_split(
    table_id: int, body: SplitBody, user: FloorStaff, session: ReadSessionDep
) -> Any:
    request = split_request_from_body(body)
    order, shares = await service.preview_split(
        session, actor=user, table_id=table_id, request=request
    )
    whole = Amounts()
    for share in shares:
        whole = whole + share.amounts
    return SplitPreviewPublic(
        order_id=order.id,
        total=from_cents(sum(share.total_cents for share in shares)),
        shares=[
            SplitSharePublic(
                label=share.label,
                items=list(share.line_indexes),
                seat_number=share.seat_number,
                total=from_cents(share.total_cents),
                **SplitAmountsPublic.columns(share.amounts),
            )
            for share in shares
        ],
        **SplitAmountsPublic.columns(whole),
    )
