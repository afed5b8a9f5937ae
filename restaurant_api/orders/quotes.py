"""Quoting a draft order: the check it would have if it were placed now, writing nothing.

Validated like `placing.place_order` (same drafts, lines, tax snapshots) and priced by the
same function as a placed order's check (`checks`), with the automatic service charges
that placing would add, so a quote and the check of the order placed from it are equal.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import is_valid_id
from restaurant_api.errors import InvalidInput
from restaurant_api.orders.checks import line_to_price
from restaurant_api.orders.drafts import OrderDraft
from restaurant_api.orders.taxes import check_dining_option, snapshot_tax_rates
from restaurant_api.orders.validation import (
    check_customers,
    check_order_total,
    check_total,
    optional_text,
    resolve_lines,
)
from restaurant_api.pricing import service as pricing
from restaurant_api.tables import service as tables_service
from restaurant_api.users.service import FLOOR_STAFF, User, require_role


async def quote_order(
    session: AsyncSession, *, actor: User | None, draft: OrderDraft
) -> pricing.Check:
    """The check of `draft` as if placed now; its lines are keyed by their index."""
    require_role(actor, FLOOR_STAFF)
    if not draft.lines:
        raise InvalidInput("An order needs at least one item", field="order")
    check_customers(draft.customer_count)
    optional_text(draft.special_requests, "special_requests", 1000)
    if draft.table_id is not None and not is_valid_id(draft.table_id):
        raise tables_service.TableNotFound()
    dining_option = check_dining_option(draft.dining_option, draft.table_id)
    lines = await resolve_lines(session, draft.lines)
    check_total(check_order_total(lines), draft.total)
    rates = await snapshot_tax_rates(session, lines)
    rules = await pricing.automatic_charge_rules(
        session, guests=draft.customer_count, dining_option=dining_option
    )
    charges = [
        pricing.ChargeToApply(
            key=rule.id,
            name=rule.name,
            kind=rule.kind,
            rate_ppm=rule.rate_ppm,
            amount_cents=rule.amount_cents,
            taxable=rule.taxable,
            # What a taxable charge copies when it is added: the default rates.
            tax_rates=rates.defaults if rule.taxable else (),
        )
        for rule in rules
    ]
    return pricing.price_check(
        [line_to_price(line, key=index) for index, line in enumerate(lines)],
        dining_option=dining_option,
        service_charges=charges,
    )
