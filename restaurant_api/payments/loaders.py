"""Per-request DataLoaders of the ledger: one read per batch of keys."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from restaurant_api.api.graphql import Context
from restaurant_api.payments import service
from restaurant_api.payments.models import Payment


def payments_by_order(context: Context) -> DataLoader[int, list[Payment]]:
    """Every payment (voided too) of each order, oldest first."""

    async def load(order_ids: Sequence[int]) -> list[list[Payment]]:
        async with context.use_session() as session:
            grouped = await service.payments_for_orders(session, order_ids)
        return [grouped.get(order_id, []) for order_id in order_ids]

    return context.loader("payments.payments_by_order", lambda: DataLoader(load_fn=load))


def payment_by_id(context: Context) -> DataLoader[int, Payment | None]:
    async def load(ids: Sequence[int]) -> list[Payment | None]:
        async with context.use_session() as session:
            by_id = await service.payments_by_id(session, ids)
        return [by_id.get(payment_id) for payment_id in ids]

    return context.loader("payments.payment_by_id", lambda: DataLoader(load_fn=load))
