"""What the payments ledger means for the orders' own use cases: a check that has taken
payments is not split, merged away or cancelled (its payments would be left on an order
that no longer holds the lines they paid for)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.errors import Conflict


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
