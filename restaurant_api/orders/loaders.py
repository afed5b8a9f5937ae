"""Per-request DataLoaders for orders: one query per batch of keys."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from restaurant_api.api.graphql import Context
from restaurant_api.kitchen import service as kitchen_service
from restaurant_api.kitchen.models import KitchenTicket
from restaurant_api.orders import service
from restaurant_api.orders.checks import adjustments_for_orders
from restaurant_api.orders.models import Order, OrderDiscount, OrderLine, OrderServiceCharge
from restaurant_api.pricing import service as pricing


def order_by_id(context: Context) -> DataLoader[int, Order | None]:
    async def load(ids: Sequence[int]) -> list[Order | None]:
        async with context.use_session() as session:
            by_id = await service.orders_by_id(session, ids)
        return [by_id.get(order_id) for order_id in ids]

    return context.loader("orders.order_by_id", lambda: DataLoader(load_fn=load))


def lines_by_order(context: Context) -> DataLoader[int, list[OrderLine]]:
    async def load(order_ids: Sequence[int]) -> list[list[OrderLine]]:
        async with context.use_session() as session:
            grouped = await service.lines_for_orders(session, order_ids)
        return [grouped.get(order_id, []) for order_id in order_ids]

    return context.loader("orders.lines_by_order", lambda: DataLoader(load_fn=load))


def tickets_by_order(context: Context) -> DataLoader[int, list[KitchenTicket]]:
    async def load(order_ids: Sequence[int]) -> list[list[KitchenTicket]]:
        async with context.use_session() as session:
            grouped = await kitchen_service.tickets_for_orders(session, order_ids)
        return [grouped.get(order_id, []) for order_id in order_ids]

    return context.loader("orders.tickets_by_order", lambda: DataLoader(load_fn=load))


def order_line_by_id(context: Context) -> DataLoader[int, OrderLine | None]:
    async def load(ids: Sequence[int]) -> list[OrderLine | None]:
        async with context.use_session() as session:
            by_id = await service.order_lines_by_id(session, ids)
        return [by_id.get(line_id) for line_id in ids]

    return context.loader("orders.order_line_by_id", lambda: DataLoader(load_fn=load))


def check_by_order(context: Context) -> DataLoader[int, pricing.Check | None]:
    """Orders' checks, priced from their rows: the orders and lines through their loaders
    (shared with `Order.lines`), then two reads of adjustments per batch, whatever its size."""

    async def load(order_ids: Sequence[int]) -> list[pricing.Check | None]:
        orders = await order_by_id(context).load_many(order_ids)
        lines = await lines_by_order(context).load_many(order_ids)
        async with context.use_session() as session:
            discounts, charges = await service.adjustments_for_orders(session, order_ids)
        return [
            None
            if order is None
            else service.check_of(order, order_lines, discounts[order.id], charges[order.id])
            for order, order_lines in zip(orders, lines, strict=True)
        ]

    return context.loader("orders.check_by_order", lambda: DataLoader(load_fn=load))


def adjustments_by_order(
    context: Context,
) -> DataLoader[int, tuple[list[OrderDiscount], list[OrderServiceCharge]]]:
    """Every discount and service charge of a batch of orders (any status): two reads."""

    async def load(
        order_ids: Sequence[int],
    ) -> list[tuple[list[OrderDiscount], list[OrderServiceCharge]]]:
        async with context.use_session() as session:
            discounts, charges = await adjustments_for_orders(session, order_ids)
        return [(discounts.get(i, []), charges.get(i, [])) for i in order_ids]

    return context.loader("orders.adjustments_by_order", lambda: DataLoader(load_fn=load))


def discount_by_id(context: Context) -> DataLoader[int, OrderDiscount | None]:
    async def load(ids: Sequence[int]) -> list[OrderDiscount | None]:
        async with context.use_session() as session:
            by_id = await service.discounts_by_id(session, ids)
        return [by_id.get(i) for i in ids]

    return context.loader("orders.discount_by_id", lambda: DataLoader(load_fn=load))


def service_charge_by_id(context: Context) -> DataLoader[int, OrderServiceCharge | None]:
    async def load(ids: Sequence[int]) -> list[OrderServiceCharge | None]:
        async with context.use_session() as session:
            by_id = await service.service_charges_by_id(session, ids)
        return [by_id.get(i) for i in ids]

    return context.loader("orders.service_charge_by_id", lambda: DataLoader(load_fn=load))
