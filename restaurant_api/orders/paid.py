"""What the payments ledger means for the orders' own use cases: a check that has taken
payments is not split, merged away or cancelled (its payments would be left on an order
that no longer holds the lines they paid for), and no change brings its total below what
they paid."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.errors import Conflict
from restaurant_api.money import format_cents
from restaurant_api.orders.checks import price_order
from restaurant_api.orders.models import Order


class CheckHasPayments(Conflict):
    def __init__(self, action: str) -> None:
        super().__init__(
            f"The check has taken payments: void them before {action} it", field="order_id"
        )


async def refuse_if_paid(session: AsyncSession, order_ids: Iterable[int], action: str) -> None:
    """CheckHasPayments when any of these (locked) orders has a captured payment."""
    # Imported here: the payments domain builds on the orders service (no import cycle).
    from restaurant_api.payments import service as payments_service

    grouped = await payments_service.payments_for_orders(session, order_ids)
    if any(payments_service.paid_total(rows) > 0 for rows in grouped.values()):
        raise CheckHasPayments(action)


class BelowPaid(Conflict):
    def __init__(self, paid_cents: int) -> None:
        super().__init__(
            f"The check would total less than its payments ({format_cents(paid_cents)}): "
            "void a payment first"
        )


async def refuse_below_paid(
    session: AsyncSession, order: Order, total_cents: int | None = None
) -> None:
    """BelowPaid when a change (flushed) brings the check's total below what its captured
    payments already applied to it; `total_cents` when the caller has priced it."""
    from restaurant_api.payments import service as payments_service

    rows = (await payments_service.payments_for_orders(session, [order.id]))[order.id]
    paid = payments_service.paid_total(rows)
    if paid == 0:
        return
    if total_cents is None:
        total_cents = (await price_order(session, order)).total_cents
    if total_cents < paid:
        raise BelowPaid(paid)
