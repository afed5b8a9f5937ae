"""REST adapters for orders (/api/orders), and the Order presenter other domains reuse."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from pydantic import BaseModel, ConfigDict, Field

from restaurant_api.api.json import FastJSONResponse
from restaurant_api.api.order_presenter import OrderPublic, check_fields, present_order
from restaurant_api.api.rest import (
    CurrentUser,
    HotRead,
    Message,
    SessionDep,
    SettingsDep,
    SnapshotSessionDep,
    error_responses,
    query_int,
)
from restaurant_api.db import MAX_ID, json_list, stored_utc
from restaurant_api.limits import MAX_OPTIONS_PER_LINE, MAX_ORDERS_PAGE
from restaurant_api.orders import service
from restaurant_api.orders.inputs import line_draft
from restaurant_api.orders.models import OrderStatus
from restaurant_api.payments import service as payments_service
from restaurant_api.pricing.models import DiningOption
from restaurant_api.raw_reads import RowReader
from restaurant_api.users.service import User

router = APIRouter(
    prefix="/api/orders", tags=["orders"], responses=error_responses(400, 401, 403, 404, 409)
)

# Bounds that keep absurd input a 422 here instead of a database error later.
IdField = Field(default=None, ge=1, le=MAX_ID)


def _lines_json(lines: Sequence[Any]) -> tuple[list[dict[str, Any]], int]:
    """The lines' JSON (rows of `service.line_rows_for_orders`) and their total in cents.

    One loop without a call per line: this runs for every line of a page of orders."""
    items = []
    total_cents = 0
    for row in lines:
        _, name, cents, category, quantity, modifiers, menu_item_id, seat, id_, pos, note = row[:11]
        line_cents = cents * quantity
        total_cents += line_cents
        items.append(
            {
                "name": name,
                # The float of the exact cents/100 quotient: what MoneyNumber writes.
                "price": cents / 100,
                "category": category,
                "quantity": quantity,
                # A fresh list per row (decoded from the column's text), nothing to copy.
                "modifiers": json_list(modifiers),
                "menu_item_id": menu_item_id,
                "seat_number": seat,
                "id": id_,
                "position": pos,
                "note": note,
                "line_total": line_cents / 100,
                "options": [
                    {
                        "id": option["option_id"],
                        "group": option["group"],
                        "name": option["name"],
                        "kitchen_name": option["kitchen_name"],
                        "price_delta": option["price_delta_cents"] / 100,
                    }
                    for option in json_list(row[11])
                ],
            }
        )
    return items, total_cents


def order_json(order: Any, lines: Sequence[Any], check: service.Check) -> dict[str, Any]:
    """OrderPublic's JSON from plain rows (`orders.reads.ORDER_ROW_COLUMNS`, lines of
    `service.line_rows_for_orders`) and its check: same keys in the same order, same
    formats."""
    (
        id_,
        table_id,
        customer_count,
        special_requests,
        created_at,
        status,
        version,
        updated_at,
        closed_at,
        payment_method,
        tip_cents,
        cancel_reason,
        created_by_id,
        dining_option,
        _carried_check,
    ) = order
    items, total_cents = _lines_json(lines)
    return {
        "id": id_,
        "order": items,
        "total": total_cents / 100,
        "table_id": table_id,
        "customer_count": customer_count,
        "special_requests": special_requests,
        "timestamp": stored_utc(created_at),
        "status": status,
        "version": version,
        "updated_at": stored_utc(updated_at),
        "closed_at": None if closed_at is None else stored_utc(closed_at),
        "payment_method": payment_method,
        "tip": tip_cents / 100,
        "cancel_reason": cancel_reason,
        "created_by_id": created_by_id,
        "dining_option": dining_option,
        **check_fields(check),
    }


# An order's JSON by every row it is built from (the order, its lines, discounts and
# service charges, all read on this request): `order_json` and the check are pure functions
# of them, so an equal key is the same JSON, whatever wrote the rows and whenever. Screens
# that refresh the open orders mostly read orders that did not change. Bounded: emptied
# when full.
_ORDER_JSON: dict[tuple[Any, ...], dict[str, Any]] = {}
ORDER_JSON_MEMO_SIZE = 4096


async def orders_json_on(connection: RowReader, orders: Sequence[Any]) -> list[dict[str, Any]]:
    """Orders (rows) as clients see them, read on a connection: SQLAlchemy's, or psycopg's
    (`raw_reads`). The lines of all of them come in one query, their discounts and service
    charges in two more (priced by `service.check_of_rows`)."""
    ids = [order[0] for order in orders]
    lines = await service.line_rows_for_orders_on(connection, ids)
    discounts, charges = await service.adjustment_rows_for_orders_on(connection, ids)
    answer = []
    for order in orders:
        order_id = order[0]
        rows = (lines.get(order_id, ()), discounts[order_id], charges[order_id])
        key = (tuple(order), *(tuple(tuple(row) for row in group) for group in rows))
        built = _ORDER_JSON.get(key)
        if built is None:
            check = service.check_of_rows(order, *rows)
            built = order_json(order, rows[0], check)
            if len(_ORDER_JSON) >= ORDER_JSON_MEMO_SIZE:
                _ORDER_JSON.clear()
            _ORDER_JSON[key] = built
        answer.append(built)
    return answer


# --- request bodies -------------------------------------------------------------------------


class OrderItemIn(BaseModel):
    """A menu item by `menu_item_id` (priced from the menu), or an open item by
    `name`, `price` and `category`."""

    menu_item_id: int | None = IdField
    name: str | None = Field(default=None, max_length=120)
    price: Decimal | None = None
    category: str | None = Field(default=None, max_length=60)
    quantity: int = Field(default=1, ge=1, le=service.MAX_QUANTITY)
    modifiers: list[str] = Field(default_factory=list, max_length=service.MAX_MODIFIERS)
    seat_number: int | None = Field(default=None, ge=1, le=service.MAX_SEAT)
    note: str | None = Field(default=None, max_length=500)
    options: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        default=None,
        max_length=MAX_OPTIONS_PER_LINE,
        description="Ids of the modifier options chosen; omitted: the defaults of every group.",
    )
    course: int | None = Field(
        default=None,
        ge=1,
        le=service.MAX_COURSE,
        description="1 starters, 2 mains, 3 desserts, ...; omitted: the menu item's default "
        "course (an open item's is 1).",
    )

    def draft(self) -> service.LineDraft:
        return line_draft(self, menu_item_id=self.menu_item_id, option_ids=self.options)


class OrderCreate(BaseModel):
    order: list[OrderItemIn] = Field(max_length=service.MAX_LINES)
    total: Decimal | None = None
    table_id: int | None = IdField
    customer_count: int = Field(default=1, ge=1, le=service.MAX_CUSTOMERS)
    special_requests: str | None = Field(default=None, max_length=1000)
    # Beyond the contract: only dine-in may have a table.
    dining_option: DiningOption = DiningOption.DINE_IN
    fire_all: bool = Field(
        default=True,
        description="Fire every course to the kitchen now (the default: REST clients expect "
        "every item on the kitchen tickets); false fires the first course and holds the "
        "others until fired.",
    )

    def draft(self) -> service.OrderDraft:
        return service.OrderDraft(
            lines=tuple(item.draft() for item in self.order),
            table_id=self.table_id,
            customer_count=self.customer_count,
            special_requests=self.special_requests,
            total=self.total,
            dining_option=self.dining_option.value,
            fire_all=self.fire_all,
        )


class OrderUpdate(BaseModel):
    order: list[OrderItemIn] | None = Field(default=None, max_length=service.MAX_LINES)
    total: Decimal | None = None
    table_id: int | None = IdField
    customer_count: int | None = Field(default=None, ge=1, le=service.MAX_CUSTOMERS)
    special_requests: str | None = Field(default=None, max_length=1000)
    version: int | None = Field(default=None, ge=1, le=MAX_ID)
    # Beyond the contract: only dine-in may have a table.
    dining_option: DiningOption | None = None

    def changes(self) -> service.OrderChanges:
        sent = self.model_fields_set
        return service.OrderChanges(
            version=self.version,
            replace_lines=(
                tuple(item.draft() for item in self.order) if self.order is not None else None
            ),
            table_id=self.table_id if "table_id" in sent else service.UNSET,
            customer_count=self.customer_count,
            special_requests=self.special_requests if "special_requests" in sent else service.UNSET,
            total=self.total,
            dining_option=None if self.dining_option is None else self.dining_option.value,
        )


class CloseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_method: str = Field(min_length=1, max_length=40)
    tip: Decimal | None = None
    version: int | None = Field(default=None, ge=1, le=MAX_ID)


class CancelBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)
    version: int | None = Field(default=None, ge=1, le=MAX_ID)


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description="Makes a retry return the first order instead of placing another.",
    ),
]


# --- endpoints ------------------------------------------------------------------------------


@router.post("", response_model=OrderPublic, summary="Place an order")
@router.post("/", response_model=OrderPublic, include_in_schema=False)
async def place_order(
    body: OrderCreate,
    user: CurrentUser,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    placed = await service.place_order_with_lines(
        session, actor=user, draft=body.draft(), idempotency_key=idempotency_key
    )
    order, lines = placed.order, placed.lines
    if lines is None:  # an idempotent retry: the first order, read back
        return await present_order(session, order)
    # Its lines need not be read back, nor its adjustments unless charges were added.
    if placed.adjusted:
        discounts, charges = await service.adjustments_for_orders(session, [order.id])
        check = service.check_of(order, lines, discounts[order.id], charges[order.id])
    else:
        check = service.check_of(order, lines, [], [])
    return OrderPublic.from_model(order, lines, check)


# The reads answer with the JSON directly (`response_model` documents them): no model is
# built and validated per order and line. Orders and their lines come from one snapshot.
@router.get("", response_model=list[OrderPublic], summary="Orders, newest first")
@router.get("/", response_model=list[OrderPublic], include_in_schema=False)
async def list_orders(
    user: CurrentUser,
    session: SnapshotSessionDep,
    status: OrderStatus | None = None,
    table_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=0, le=MAX_ORDERS_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> Any:
    return await list_orders_on(await session.connection(), user, status, table_id, limit, offset)


async def list_orders_on(
    connection: RowReader,
    user: User,
    status: OrderStatus | None = None,
    table_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Any:
    """`list_orders` on a connection of its own (`raw_reads`): the hot read on PostgreSQL."""
    where = service.OrderFilter(status=status, table_id=table_id, limit=limit, offset=offset)
    orders = await service.list_order_rows_on(connection, actor=user, where=where)
    return FastJSONResponse(await orders_json_on(connection, orders))


hot_reads = [
    HotRead(
        "/api/orders",
        list_orders,
        {
            "status": OrderStatus,
            "table_id": query_int(1, MAX_ID),
            "limit": query_int(0, MAX_ORDERS_PAGE),
            "offset": query_int(0, MAX_ID),
        },
        user=True,
        snapshot=True,
        raw_endpoint=list_orders_on,
    )
]


@router.get("/{order_id}", response_model=OrderPublic, summary="One order")
async def get_order(order_id: int, user: CurrentUser, session: SnapshotSessionDep) -> Any:
    return await get_order_on(await session.connection(), user, order_id)


async def get_order_on(connection: RowReader, user: User, order_id: int) -> Any:
    """`get_order` on a connection of its own (`raw_reads`): the order and its rows read in
    one snapshot, as the documented route's session reads them."""
    order = await service.get_order_row_on(connection, actor=user, order_id=order_id)
    return FastJSONResponse((await orders_json_on(connection, [order]))[0])


hot_reads.append(
    HotRead(
        "/api/orders/{order_id}",
        get_order,
        {},
        user=True,
        snapshot=True,
        raw_endpoint=get_order_on,
        path_reader=query_int(1, MAX_ID),
    )
)


@router.put("/{order_id}", response_model=OrderPublic, summary="Change an open order")
async def update_order(
    order_id: int, body: OrderUpdate, user: CurrentUser, session: SessionDep
) -> Any:
    order = await service.replace_order_items(
        session, actor=user, order_id=order_id, changes=body.changes()
    )
    return await present_order(session, order)


@router.post("/{order_id}/close", response_model=OrderPublic, summary="Settle an order")
async def close_order(
    order_id: int, body: CloseBody, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> Any:
    # Records one payment of the whole balance with this method and tip, which closes it.
    order = await payments_service.close_check(
        session,
        actor=user,
        calendar=payments_service.calendar_for(settings),
        order_id=order_id,
        payment_method=body.payment_method,
        tip=body.tip,
        version=body.version,
    )
    return await present_order(session, order)


@router.post("/{order_id}/cancel", response_model=OrderPublic, summary="Cancel (manager+)")
async def cancel_order(
    order_id: int, body: CancelBody, user: CurrentUser, session: SessionDep
) -> Any:
    order = await service.cancel_order(
        session, actor=user, order_id=order_id, reason=body.reason, version=body.version
    )
    return await present_order(session, order)


@router.delete("/{order_id}", response_model=Message, summary="Delete an order (manager+)")
async def delete_order(order_id: int, user: CurrentUser, session: SessionDep) -> Any:
    await service.delete_order(session, actor=user, order_id=order_id)
    return Message(message="Order deleted successfully")
