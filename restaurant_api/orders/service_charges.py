"""Service charges on a check: by hand (managers) and automatic (a rule for parties of N
or more guests, e.g. an 18% gratuity for six).

A charge copies its rule's terms when added, and a taxable one the default tax rates of
that moment, so later edits of rules or rates never change a placed check. Automatic
charges follow the party: `sync_automatic_charges` adds the rules now due and removes the
automatic charges no longer due, except that one a manager removed stays removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import is_valid_id, utcnow
from restaurant_api.errors import Conflict, ErrorCode, NotFound
from restaurant_api.inputs import optional_text
from restaurant_api.orders.adjusting import (
    MAX_REASON,
    Terms,
    begin_change,
    check_room_for,
    finish_change,
    open_terms,
    reason_text,
)
from restaurant_api.orders.audit import AuditAction, record_audit
from restaurant_api.orders.checks import price_order
from restaurant_api.orders.models import AdjustmentStatus, Order, OrderServiceCharge
from restaurant_api.orders.reads import lock_order_for_change
from restaurant_api.pricing import service as pricing
from restaurant_api.users.service import MANAGERS, User, require_role


class ServiceChargeNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Service charge not found", field="service_charge_id")


class ServiceChargeNotApplied(Conflict):
    code = ErrorCode.INVALID_TRANSITION

    def __init__(self, status: str) -> None:
        super().__init__(f"Service charge is {status}", field="service_charge_id")


@dataclass(frozen=True, slots=True)
class ServiceChargeDraft:
    """A charge added by hand: from a rule, or open terms."""

    order_id: int
    rule_id: int | None = None
    name: str | None = None
    kind: str | None = None
    rate: Decimal | str | None = None  # a percentage, e.g. "18"
    amount: Decimal | str | None = None
    taxable: bool = False
    reason: str | None = None
    version: int | None = None


async def _default_rates(session: AsyncSession) -> list[dict[str, object]]:
    rates = await pricing.load_tax_rates(session)
    return [rate.to_json() for rate in rates.defaults]


async def _new_charge(
    session: AsyncSession,
    order: Order,
    terms: Terms,
    *,
    taxable: bool,
    rule_id: int | None,
    automatic: bool,
    actor_id: int | None,
) -> OrderServiceCharge:
    charge = OrderServiceCharge(
        order_id=order.id,
        rule_id=rule_id,
        name=terms.name,
        kind=terms.kind,
        rate_ppm=terms.rate_ppm,
        amount_cents=terms.amount_cents,
        taxable=taxable,
        tax_rates=await _default_rates(session) if taxable else [],
        automatic=automatic,
        status=AdjustmentStatus.APPLIED,
        added_by_id=actor_id,
    )
    session.add(charge)
    await session.flush()
    return charge


def _rule_terms(rule: pricing.ServiceChargeRule) -> Terms:
    return Terms(rule.name, str(rule.kind), rule.rate_ppm, rule.amount_cents)


async def add_service_charge(
    session: AsyncSession, *, actor: User | None, draft: ServiceChargeDraft
) -> OrderServiceCharge:
    """Add a charge by hand (managers and admins): a rule's terms or open ones."""
    user = require_role(actor, MANAGERS)
    reason = optional_text(draft.reason, "reason", MAX_REASON)
    order = await lock_order_for_change(session, draft.order_id, draft.version)
    if draft.rule_id is not None:
        rule = await pricing.get_service_charge_rule(session, draft.rule_id)
        terms, taxable = _rule_terms(rule), rule.taxable
    else:
        terms = open_terms(
            name=draft.name,
            default_name="Service charge",
            kind=draft.kind,
            rate=draft.rate,
            amount=draft.amount,
        )
        taxable = draft.taxable
    await check_room_for(session, OrderServiceCharge, order)
    change = await begin_change(session, order)
    charge = await _new_charge(
        session,
        order,
        terms,
        taxable=taxable,
        rule_id=draft.rule_id,
        automatic=False,
        actor_id=user.id,
    )
    await finish_change(
        session,
        change,
        AuditAction.SERVICE_CHARGE_ADDED,
        actor_id=user.id,
        reason=reason,
        service_charge_id=charge.id,
    )
    return charge


async def remove_service_charge(
    session: AsyncSession,
    *,
    actor: User | None,
    service_charge_id: int,
    reason: str | None,
    version: int | None = None,
) -> OrderServiceCharge:
    """Take a charge off an open check (managers and admins), with a reason; an automatic
    one stays off even if the party still qualifies."""
    user = require_role(actor, MANAGERS)
    why = reason_text(reason)
    found = (
        await session.get(OrderServiceCharge, service_charge_id)
        if is_valid_id(service_charge_id)
        else None
    )
    if found is None:
        raise ServiceChargeNotFound()
    order = await lock_order_for_change(session, found.order_id, version)
    charge = (
        await session.exec(
            select(OrderServiceCharge)
            .where(OrderServiceCharge.id == service_charge_id)
            .execution_options(populate_existing=True)
        )
    ).one()
    if charge.status != AdjustmentStatus.APPLIED:
        raise ServiceChargeNotApplied(charge.status)
    change = await begin_change(session, order)
    charge.status = AdjustmentStatus.REMOVED
    charge.removed_by_id = user.id
    charge.removed_at = utcnow()
    charge.remove_reason = why
    session.add(charge)
    await finish_change(
        session,
        change,
        AuditAction.SERVICE_CHARGE_REMOVED,
        actor_id=user.id,
        reason=why,
        service_charge_id=charge.id,
    )
    return charge


async def sync_automatic_charges(
    session: AsyncSession, order: Order, actor_id: int | None, *, new_order: bool = False
) -> bool:
    """Add the automatic rules now due on the order, remove the automatic charges no
    longer due (a charge a manager removed is never added back). The caller holds the
    order's lock and bumps its version; True when something changed.

    One read when no rule is automatic; `new_order` skips reading charges it cannot have.
    """
    rules = await pricing.all_automatic_charge_rules(session)
    if not rules:
        return False
    charges: list[OrderServiceCharge] = []
    if not new_order:
        rows = await session.exec(
            select(OrderServiceCharge)
            .where(OrderServiceCharge.order_id == order.id, col(OrderServiceCharge.automatic))
            .order_by(col(OrderServiceCharge.id))
        )
        charges = list(rows.all())
    changed = False
    for rule in rules:
        due = pricing.rule_is_due(
            rule, guests=order.customer_count, dining_option=order.dining_option
        )
        mine = [charge for charge in charges if charge.rule_id == rule.id]
        applied = [charge for charge in mine if charge.status == AdjustmentStatus.APPLIED]
        kept_off = any(
            c.status == AdjustmentStatus.REMOVED and c.removed_by_id is not None for c in mine
        )
        if due and not applied and not kept_off:
            await _add_automatic(session, order, rule, actor_id, reuse=mine[0] if mine else None)
            changed = True
        elif not due and applied:
            for charge in applied:
                await _remove_automatic(session, order, charge, actor_id)
            changed = True
    return changed


async def _add_automatic(
    session: AsyncSession,
    order: Order,
    rule: pricing.ServiceChargeRule,
    actor_id: int | None,
    *,
    reuse: OrderServiceCharge | None,
) -> None:
    """Add the rule's charge; one it removed itself before is applied again, with the
    rule's terms of now (one row per rule and order, however often the party changes)."""
    before = await price_order(session, order)
    if reuse is None:
        charge = await _new_charge(
            session,
            order,
            _rule_terms(rule),
            taxable=rule.taxable,
            rule_id=rule.id,
            automatic=True,
            actor_id=None,
        )
    else:
        charge = reuse
        terms = _rule_terms(rule)
        charge.name, charge.kind = terms.name, terms.kind
        charge.rate_ppm, charge.amount_cents = terms.rate_ppm, terms.amount_cents
        charge.taxable = rule.taxable
        charge.tax_rates = await _default_rates(session) if rule.taxable else []
        charge.status = AdjustmentStatus.APPLIED
        charge.removed_at = None
        charge.remove_reason = None
        session.add(charge)
        await session.flush()
    after = await price_order(session, order)
    record_audit(
        session,
        order.id,
        AuditAction.SERVICE_CHARGE_ADDED,
        before_cents=before.total_cents,
        after_cents=after.total_cents,
        actor_id=actor_id,
        reason=f"Automatic: party of {order.customer_count}",
        service_charge_id=charge.id,
    )


async def _remove_automatic(
    session: AsyncSession, order: Order, charge: OrderServiceCharge, actor_id: int | None
) -> None:
    before = await price_order(session, order)
    reason = f"Automatic: no longer due for a party of {order.customer_count}"
    # removed_by_id stays empty: only a manager's removal keeps the charge off for good.
    charge.status = AdjustmentStatus.REMOVED
    charge.removed_at = utcnow()
    charge.remove_reason = reason
    session.add(charge)
    await session.flush()
    after = await price_order(session, order)
    record_audit(
        session,
        order.id,
        AuditAction.SERVICE_CHARGE_REMOVED,
        before_cents=before.total_cents,
        after_cents=after.total_cents,
        actor_id=actor_id,
        reason=reason,
        service_charge_id=charge.id,
    )


async def service_charges_by_id(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, OrderServiceCharge]:
    wanted = [i for i in set(ids) if is_valid_id(i)]
    if not wanted:
        return {}
    rows = await session.exec(
        select(OrderServiceCharge).where(col(OrderServiceCharge.id).in_(wanted))
    )
    return {charge.id: charge for charge in rows.all()}
