"""Discounts and comps on a check: request, apply, approve, deny, remove.

A discount is on one line or on the whole check, a percentage or an amount, from a preset
(its terms copied, like a line's price) or typed in ("open"). Servers apply presets that
need no approval; presets that need approval, open discounts and comps need a manager,
and a server can request them instead (pending until a manager approves or denies).
Every step locks the order, honours its version, and is audited with the check's total
before and after. An amount larger than what is left of the line or check is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import is_valid_id, utcnow
from restaurant_api.errors import Conflict, ErrorCode, InvalidInput, NotFound, PermissionDenied
from restaurant_api.inputs import clean_text
from restaurant_api.money import format_cents
from restaurant_api.orders.adjusting import (
    MAX_NAME,
    Terms,
    begin_change,
    check_room_for,
    finish_change,
    open_terms,
    reason_text,
)
from restaurant_api.orders.audit import AuditAction
from restaurant_api.orders.errors import OrderLineNotFound
from restaurant_api.orders.models import AdjustmentStatus, Order, OrderDiscount, OrderLine
from restaurant_api.orders.reads import lock_order_for_change
from restaurant_api.pricing import service as pricing
from restaurant_api.users.service import FLOOR_STAFF, MANAGERS, User, require_role

COMP_NAME = "Comp"


class DiscountNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Discount not found", field="discount_id")


class DiscountNotPending(Conflict):
    code = ErrorCode.INVALID_TRANSITION

    def __init__(self, status: str) -> None:
        super().__init__(f"Discount is {status}, not pending", field="discount_id")


@dataclass(frozen=True, slots=True)
class DiscountDraft:
    """A discount as a client asks for it: a preset, a comp, or open terms."""

    order_id: int
    reason: str | None
    line_id: int | None = None
    preset_id: int | None = None
    comp: bool = False
    name: str | None = None
    kind: str | None = None
    rate: Decimal | str | None = None  # a percentage, e.g. "12.5"
    amount: Decimal | str | None = None
    version: int | None = None


@dataclass(frozen=True, slots=True)
class _Resolved:
    terms: Terms
    line_id: int | None
    preset_id: int | None
    is_comp: bool
    needs_manager: bool  # comps, open discounts and presets that require approval


async def _line_of(session: AsyncSession, order: Order, line_id: int) -> OrderLine:
    line = await session.get(OrderLine, line_id) if is_valid_id(line_id) else None
    if line is None or line.order_id != order.id:
        raise OrderLineNotFound(line_id)
    if line.carried:
        # Its amounts were fixed when the bill was split (the share's carried check).
        raise InvalidInput(
            f"{line.name} came from a split bill: discount it before splitting",
            field="line_id",
        )
    return line


async def _resolve(session: AsyncSession, order: Order, draft: DiscountDraft) -> _Resolved:
    if draft.line_id is not None:
        await _line_of(session, order, draft.line_id)
    if draft.comp:
        if draft.line_id is None:
            raise InvalidInput("A comp is on one line: give its lineId", field="line_id")
        terms = Terms(COMP_NAME, pricing.PERCENT, rate_ppm=pricing.PPM)
        return _Resolved(terms, draft.line_id, None, True, True)
    if draft.preset_id is not None:
        if draft.rate is not None or draft.amount is not None:
            raise InvalidInput("A preset has its own terms: send no rate or amount", field="rate")
        preset = await pricing.get_discount_preset(session, draft.preset_id)
        if preset.scope == pricing.DiscountScope.LINE and draft.line_id is None:
            raise InvalidInput(f"{preset.name} is on one line: give its lineId", field="line_id")
        if preset.scope == pricing.DiscountScope.CHECK and draft.line_id is not None:
            raise InvalidInput(f"{preset.name} is on the whole check", field="line_id")
        terms = Terms(preset.name, str(preset.kind), preset.rate_ppm, preset.amount_cents)
        return _Resolved(terms, draft.line_id, preset.id, False, preset.requires_approval)
    name = clean_text(draft.name, "name", MAX_NAME) if draft.name else None
    terms = open_terms(
        name=name, default_name="Discount", kind=draft.kind, rate=draft.rate, amount=draft.amount
    )
    return _Resolved(terms, draft.line_id, None, False, True)


def _check_room(check: pricing.Check, terms: Terms, line_id: int | None) -> None:
    """Refuse a discount with nothing left to take, or an amount above what is left."""
    if line_id is None:
        left = sum(line.net_cents for line in check.lines)
        where = "check"
    else:
        price = next((line for line in check.lines if line.key == line_id), None)
        left = 0 if price is None else price.gross_cents - price.line_discount_cents
        where = "line"
    if left <= 0:
        raise InvalidInput(f"Nothing is left to discount on this {where}", field="line_id")
    if terms.kind == pricing.AMOUNT and terms.amount_cents > left:
        raise InvalidInput(
            f"A discount of {format_cents(terms.amount_cents)} is more than the "
            f"{format_cents(left)} left on this {where}",
            field="amount",
        )


async def _discount_for_change(
    session: AsyncSession, discount_id: int, version: int | None
) -> tuple[Order, OrderDiscount]:
    """The discount's order locked (version checked, open), then the discount read fresh."""
    found = await session.get(OrderDiscount, discount_id) if is_valid_id(discount_id) else None
    if found is None:
        raise DiscountNotFound()
    order = await lock_order_for_change(session, found.order_id, version)
    discount = (
        await session.exec(
            select(OrderDiscount)
            .where(OrderDiscount.id == discount_id)
            .execution_options(populate_existing=True)
        )
    ).one()
    return order, discount


async def request_discount(
    session: AsyncSession, *, actor: User | None, draft: DiscountDraft
) -> OrderDiscount:
    """Ask for a discount or comp (any floor staff): pending until a manager decides."""
    user = require_role(actor, FLOOR_STAFF)
    reason = reason_text(draft.reason)
    order = await lock_order_for_change(session, draft.order_id, draft.version)
    resolved = await _resolve(session, order, draft)
    await check_room_for(session, OrderDiscount, order)
    change = await begin_change(session, order)
    _check_room(change.check, resolved.terms, resolved.line_id)
    discount = _new_discount(order, resolved, reason, AdjustmentStatus.PENDING, user)
    session.add(discount)
    await session.flush()
    await finish_change(
        session,
        change,
        AuditAction.DISCOUNT_REQUESTED,
        actor_id=user.id,
        reason=reason,
        discount_id=discount.id,
        line_id=discount.line_id,
    )
    return discount


def _new_discount(
    order: Order, resolved: _Resolved, reason: str, status: AdjustmentStatus, user: User
) -> OrderDiscount:
    terms = resolved.terms
    return OrderDiscount(
        order_id=order.id,
        line_id=resolved.line_id,
        preset_id=resolved.preset_id,
        name=terms.name,
        kind=terms.kind,
        rate_ppm=terms.rate_ppm,
        amount_cents=terms.amount_cents,
        is_comp=resolved.is_comp,
        reason=reason,
        status=status,
        requested_by_id=user.id,
    )


async def apply_discount(
    session: AsyncSession, *, actor: User | None, draft: DiscountDraft
) -> OrderDiscount:
    """Apply a discount or comp now. Comps, open discounts and presets that require
    approval need a manager (PERMISSION_DENIED for a server, who can request them)."""
    user = require_role(actor, FLOOR_STAFF)
    reason = reason_text(draft.reason)
    order = await lock_order_for_change(session, draft.order_id, draft.version)
    resolved = await _resolve(session, order, draft)
    if resolved.needs_manager and user.role not in MANAGERS:
        raise PermissionDenied(
            f"{resolved.terms.name} needs a manager's approval: request it instead"
        )
    await check_room_for(session, OrderDiscount, order)
    change = await begin_change(session, order)
    _check_room(change.check, resolved.terms, resolved.line_id)
    discount = _new_discount(order, resolved, reason, AdjustmentStatus.APPLIED, user)
    if resolved.needs_manager:
        discount.approved_by_id = user.id
        discount.decided_at = utcnow()
    session.add(discount)
    await session.flush()
    await finish_change(
        session,
        change,
        AuditAction.COMP_APPLIED if resolved.is_comp else AuditAction.DISCOUNT_APPLIED,
        actor_id=user.id,
        approver_id=discount.approved_by_id,
        reason=reason,
        discount_id=discount.id,
        line_id=discount.line_id,
    )
    return discount


async def comp_line(
    session: AsyncSession,
    *,
    actor: User | None,
    order_id: int,
    line_id: int,
    reason: str | None,
    version: int | None = None,
) -> OrderDiscount:
    """Comp a line: a 100% discount of it, with a reason (managers and admins)."""
    draft = DiscountDraft(
        order_id=order_id, reason=reason, line_id=line_id, comp=True, version=version
    )
    return await apply_discount(session, actor=actor, draft=draft)


async def approve_discount(
    session: AsyncSession, *, actor: User | None, discount_id: int, version: int | None = None
) -> OrderDiscount:
    """Apply a pending discount, recording the approving manager."""
    user = require_role(actor, MANAGERS)
    order, discount = await _discount_for_change(session, discount_id, version)
    if discount.status != AdjustmentStatus.PENDING:
        raise DiscountNotPending(discount.status)
    change = await begin_change(session, order)
    terms = Terms(discount.name, discount.kind, discount.rate_ppm, discount.amount_cents)
    _check_room(change.check, terms, discount.line_id)
    discount.status = AdjustmentStatus.APPLIED
    discount.approved_by_id = user.id
    discount.decided_at = utcnow()
    session.add(discount)
    await finish_change(
        session,
        change,
        AuditAction.DISCOUNT_APPROVED,
        actor_id=user.id,
        approver_id=user.id,
        reason=discount.reason,
        discount_id=discount.id,
        line_id=discount.line_id,
    )
    return discount


async def deny_discount(
    session: AsyncSession,
    *,
    actor: User | None,
    discount_id: int,
    reason: str | None,
    version: int | None = None,
) -> OrderDiscount:
    """Refuse a pending discount, with a reason (managers and admins)."""
    user = require_role(actor, MANAGERS)
    why = reason_text(reason)
    order, discount = await _discount_for_change(session, discount_id, version)
    if discount.status != AdjustmentStatus.PENDING:
        raise DiscountNotPending(discount.status)
    change = await begin_change(session, order)
    discount.status = AdjustmentStatus.DENIED
    discount.approved_by_id = user.id
    discount.decided_at = utcnow()
    discount.remove_reason = why
    session.add(discount)
    await finish_change(
        session,
        change,
        AuditAction.DISCOUNT_DENIED,
        actor_id=user.id,
        approver_id=user.id,
        reason=why,
        discount_id=discount.id,
        line_id=discount.line_id,
    )
    return discount


async def remove_discount(
    session: AsyncSession,
    *,
    actor: User | None,
    discount_id: int,
    reason: str | None,
    version: int | None = None,
) -> OrderDiscount:
    """Take a pending or applied discount off an open check, with a reason. A discount a
    manager applied or approved is removed by a manager; a pending one also by whoever
    requested it; a preset a server applied by any floor staff."""
    user = require_role(actor, FLOOR_STAFF)
    why = reason_text(reason)
    order, discount = await _discount_for_change(session, discount_id, version)
    if discount.status not in (AdjustmentStatus.PENDING, AdjustmentStatus.APPLIED):
        raise DiscountNotPending(discount.status)
    manager_only = discount.approved_by_id is not None or (
        discount.status == AdjustmentStatus.PENDING and discount.requested_by_id != user.id
    )
    if manager_only and user.role not in MANAGERS:
        raise PermissionDenied("Only a manager can remove this discount")
    change = await begin_change(session, order)
    discount.status = AdjustmentStatus.REMOVED
    discount.removed_by_id = user.id
    discount.removed_at = utcnow()
    discount.remove_reason = why
    session.add(discount)
    await finish_change(
        session,
        change,
        AuditAction.DISCOUNT_REMOVED,
        actor_id=user.id,
        reason=why,
        discount_id=discount.id,
        line_id=discount.line_id,
    )
    return discount


async def discounts_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, OrderDiscount]:
    wanted = [i for i in set(ids) if is_valid_id(i)]
    if not wanted:
        return {}
    rows = await session.exec(select(OrderDiscount).where(col(OrderDiscount.id).in_(wanted)))
    return {discount.id: discount for discount in rows.all()}
