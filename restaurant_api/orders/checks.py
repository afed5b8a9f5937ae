"""An order's check: its stored lines, discounts and service charges priced by the one
pricing function (`pricing.service.price_check`).

Quotes price drafts with the same function (`check_of_lines`), so a quote and the check of
the order placed from it cannot differ.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Table
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import OneOf, json_column_loads, json_list, raw_column, table_of
from restaurant_api.orders.models import (
    AdjustmentStatus,
    Order,
    OrderDiscount,
    OrderLine,
    OrderServiceCharge,
)
from restaurant_api.orders.reads import lines_for_orders
from restaurant_api.orders.rows import order_lines
from restaurant_api.pricing import service as pricing
from restaurant_api.raw_reads import RowReader, prebuilt

# Priced checks and tax snapshots, by what they are computed from. `pricing.price_check`
# is a pure function of its arguments, and its result is immutable (frozen dataclasses and
# tuples): a key that determines the arguments exactly determines the check, so reusing the
# check of an equal key is exact, whatever wrote the rows and whenever. A page of unchanged
# orders read again is not priced again, and a check priced twice in one request (placing,
# then answering) is priced once. Bounded: a memo is emptied when full (a page of orders
# fits many times over).
MEMO_SIZE = 4096
_checks: dict[tuple[Any, ...], pricing.Check] = {}
_snapshots: dict[tuple[Any, ...], pricing.TaxSnapshot] = {}


def _remember(memo: dict[Any, Any], key: Any, value: Any) -> None:
    if len(memo) >= MEMO_SIZE:
        memo.clear()
    memo[key] = value


def _rate_key(data: dict[str, Any]) -> tuple[Any, ...]:
    """Every value `TaxSnapshot.from_json` reads (the same KeyError when one is missing)."""
    return (
        data.get("id"),
        data["name"],
        data["rate_ppm"],
        data.get("inclusive"),
        tuple(data.get("dining_options") or ()),
    )


def tax_snapshot(data: dict[str, Any]) -> pricing.TaxSnapshot:
    """`TaxSnapshot.from_json`, one object per distinct stored rate (lines share them)."""
    key = _rate_key(data)
    snapshot = _snapshots.get(key)
    if snapshot is None:
        snapshot = pricing.TaxSnapshot.from_json(data)
        _remember(_snapshots, key, snapshot)
    return snapshot


def line_to_price(line: OrderLine | Any, key: int | None = None) -> pricing.LineToPrice:
    """What the engine prices of a line: a model, or a row whose tax rates are the JSON
    column's text (`reads.LINE_ROW_COLUMNS`)."""
    return pricing.LineToPrice(
        key=line.id if key is None else key,
        unit_price_cents=line.unit_price_cents,
        quantity=line.quantity,
        tax_rates=tuple(tax_snapshot(rate) for rate in _json_rates(line.tax_rates)),
    )


def _json_rates(rates: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored tax rates: a model's decoded list, or a row's JSON text (`db.raw_column`)."""
    return json_list(rates) if isinstance(rates, str) else rates


def _line_key(line: Any) -> tuple[Any, ...]:
    """Every value `line_to_price` reads, as plain (C-hashed) values: the stored text of
    the tax rates determines them exactly, and is a key as it is."""
    rates = line.tax_rates
    return (
        line.id,
        line.unit_price_cents,
        line.quantity,
        rates if isinstance(rates, str) else tuple(_rate_key(rate) for rate in rates),
    )


def discount_to_apply(discount: OrderDiscount | Any) -> pricing.DiscountToApply:
    return pricing.DiscountToApply(
        key=discount.id,
        name=discount.name,
        kind=discount.kind,
        rate_ppm=discount.rate_ppm,
        amount_cents=discount.amount_cents,
        line_key=discount.line_id,
        is_comp=discount.is_comp,
    )


def charge_to_apply(charge: OrderServiceCharge | Any) -> pricing.ChargeToApply:
    return pricing.ChargeToApply(
        key=charge.id,
        name=charge.name,
        kind=charge.kind,
        rate_ppm=charge.rate_ppm,
        amount_cents=charge.amount_cents,
        taxable=charge.taxable,
        tax_rates=tuple(tax_snapshot(rate) for rate in _json_rates(charge.tax_rates)),
    )


def check_of(
    order: Order,
    lines: Sequence[OrderLine],
    discounts: Sequence[OrderDiscount],
    charges: Sequence[OrderServiceCharge],
) -> pricing.Check:
    """Price an order from its rows (applied discounts and charges only count)."""
    return check_of_rows(order, lines, discounts, charges)


def check_of_rows(
    order: Any,
    lines: Sequence[Any],
    discounts: Sequence[OrderDiscount | Any],
    charges: Sequence[OrderServiceCharge | Any],
) -> pricing.Check:
    """`check_of` for anything with the same attributes: plain rows of the REST reads
    (`reads.ORDER_ROW_COLUMNS`, `reads.LINE_ROW_COLUMNS`) as well as models."""
    lines = [line for line in lines if not line.carried]
    applied_discounts = tuple(
        discount_to_apply(d)
        for d in sorted(discounts, key=lambda d: d.id)
        if d.status == AdjustmentStatus.APPLIED
    )
    applied_charges = tuple(
        charge_to_apply(c)
        for c in sorted(charges, key=lambda c: c.id)
        if c.status == AdjustmentStatus.APPLIED
    )
    carried_json = order.carried_check
    if isinstance(carried_json, str):  # a row's JSON text (`db.raw_column`)
        carried_json = json_column_loads(carried_json)
    carried = None if carried_json is None else pricing.Amounts.from_json(carried_json)
    key = (
        tuple(_line_key(line) for line in lines),
        order.dining_option,
        applied_discounts,
        applied_charges,
        carried,
    )
    try:
        check = _checks.get(key)
        memo = True
    except TypeError:  # an unhashable value (not from a stored row): no memo
        check, memo = None, False
    if check is None:
        check = pricing.price_check(
            [line_to_price(line) for line in lines],
            dining_option=order.dining_option,
            discounts=applied_discounts,
            service_charges=applied_charges,
            carried=carried,
        )
        if memo:
            _remember(_checks, key, check)
    return check


async def adjustments_for_orders(
    session: AsyncSession, order_ids: Iterable[int]
) -> tuple[dict[int, list[OrderDiscount]], dict[int, list[OrderServiceCharge]]]:
    """Every discount and service charge of these orders (any status), by order: two reads."""
    wanted = sorted(set(order_ids))
    discounts: dict[int, list[OrderDiscount]] = defaultdict(list)
    charges: dict[int, list[OrderServiceCharge]] = defaultdict(list)
    if not wanted:
        return discounts, charges
    for discount in (
        await session.exec(
            select(OrderDiscount)
            .where(col(OrderDiscount.order_id).in_(wanted))
            .order_by(col(OrderDiscount.id))
        )
    ).all():
        discounts[discount.order_id].append(discount)
    for charge in (
        await session.exec(
            select(OrderServiceCharge)
            .where(col(OrderServiceCharge.order_id).in_(wanted))
            .order_by(col(OrderServiceCharge.id))
        )
    ).all():
        charges[charge.order_id].append(charge)
    return discounts, charges


_DISCOUNTS = table_of(OrderDiscount)
_CHARGES = table_of(OrderServiceCharge)


def _adjustment_rows(table: Table, columns: tuple[str, ...]) -> Any:
    """`columns` of `table` (discounts or service charges) for some orders (`order_ids`),
    by id, as named rows; JSON as its text (`db.raw_column`)."""
    return prebuilt(
        sa.select(*(raw_column(table.c[name]) for name in columns))
        .where(OneOf(table.c.order_id, "order_ids"))
        .order_by(table.c.id),
        named=True,
    )


# What `discount_to_apply` / `charge_to_apply` and `check_of_rows` read, by order id.
_DISCOUNT_ROWS = _adjustment_rows(
    _DISCOUNTS,
    ("order_id", "id", "name", "kind", "rate_ppm", "amount_cents", "line_id", "is_comp", "status"),
)
_CHARGE_ROWS = _adjustment_rows(
    _CHARGES,
    (
        "order_id",
        "id",
        "name",
        "kind",
        "rate_ppm",
        "amount_cents",
        "taxable",
        "tax_rates",
        "status",
    ),
)


async def adjustment_rows_for_orders(
    session: AsyncSession, order_ids: Sequence[int]
) -> tuple[dict[int, list[Any]], dict[int, list[Any]]]:
    """`adjustments_for_orders` as plain rows (what `check_of_rows` reads), for pages:
    statements built once, one array parameter on PostgreSQL, no ORM instances."""
    return await adjustment_rows_for_orders_on(await session.connection(), order_ids)


async def adjustment_rows_for_orders_on(
    connection: RowReader, order_ids: Sequence[int]
) -> tuple[dict[int, list[Any]], dict[int, list[Any]]]:
    """`adjustment_rows_for_orders` on a connection: SQLAlchemy's, or psycopg's."""
    discounts: dict[int, list[Any]] = defaultdict(list)
    charges: dict[int, list[Any]] = defaultdict(list)
    if not order_ids:
        return discounts, charges
    parameters = {"order_ids": list(order_ids)}
    for row in (await connection.execute(_DISCOUNT_ROWS, parameters)).all():
        discounts[row.order_id].append(row)
    for row in (await connection.execute(_CHARGE_ROWS, parameters)).all():
        charges[row.order_id].append(row)
    return discounts, charges


async def price_order(session: AsyncSession, order: Order) -> pricing.Check:
    """The check of one order as stored now (read fresh: callers price after changes)."""
    lines = await order_lines(session, order.id)
    discounts, charges = await adjustments_for_orders(session, [order.id])
    return check_of(order, lines, discounts[order.id], charges[order.id])


async def checks_for_orders(
    session: AsyncSession, orders: Sequence[Order]
) -> dict[int, pricing.Check]:
    """The checks of many orders, by order id: three reads whatever their number."""
    ids = [order.id for order in orders]
    lines = await lines_for_orders(session, ids)
    discounts, charges = await adjustments_for_orders(session, ids)
    return {
        order.id: check_of(order, lines.get(order.id, []), discounts[order.id], charges[order.id])
        for order in orders
    }
