"""Preset discounts: the managed list servers pick from (happy hour 10%, staff meal).

All staff read them; managers and admins edit them. A discount copies its preset's terms
when it is requested, so an edit here never changes a discount already on a check. Presets
are retired (`is_active` false), never deleted: a retired one can no longer be applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import is_valid_id, utcnow
from restaurant_api.errors import InvalidInput, NotFound
from restaurant_api.limits import MAX_PRICING_ROWS
from restaurant_api.pricing.models import AdjustmentKind, DiscountPreset, DiscountScope
from restaurant_api.pricing.rules import (
    NameTaken,
    Terms,
    check_room,
    clean_name,
    flush_unique,
    name_taken,
    terms,
)
from restaurant_api.users.service import ALL_STAFF, MANAGERS, User, require_role

WHAT = "discount preset"


class DiscountPresetNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Discount preset not found")


@dataclass(frozen=True)
class DiscountPresetDraft:
    name: str
    kind: AdjustmentKind | str
    scope: DiscountScope | str
    rate: Decimal | int | str | None = None  # percent presets: a percentage, "10"
    amount: Decimal | int | str | None = None  # amount presets: currency units, "5.00"
    requires_approval: bool = False


@dataclass(frozen=True)
class DiscountPresetChanges:
    """Fields left None stay as they are; a new `kind` needs its `rate` or `amount`."""

    name: str | None = None
    kind: AdjustmentKind | str | None = None
    rate: Decimal | int | str | None = None
    amount: Decimal | int | str | None = None
    scope: DiscountScope | str | None = None
    requires_approval: bool | None = None
    is_active: bool | None = None


def _scope(value: DiscountScope | str) -> DiscountScope:
    try:
        return DiscountScope(value)
    except ValueError:
        raise InvalidInput("scope must be line or check", field="scope") from None


async def list_discount_presets(
    session: AsyncSession, *, actor: User | None, active: bool | None = None
) -> list[DiscountPreset]:
    """Every preset (or only active or retired ones) by name."""
    require_role(actor, ALL_STAFF)
    query = select(DiscountPreset)
    if active is not None:
        query = query.where(col(DiscountPreset.is_active).is_(active))
    query = query.order_by(col(DiscountPreset.name_key), col(DiscountPreset.id))
    return list((await session.exec(query.limit(MAX_PRICING_ROWS))).all())


async def discount_presets_by_id(
    session: AsyncSession, ids: list[int] | tuple[int, ...]
) -> dict[int, DiscountPreset]:
    """Several presets in one read (ids that cannot exist are skipped)."""
    wanted = sorted({i for i in ids if is_valid_id(i)})
    if not wanted:
        return {}
    rows = await session.exec(select(DiscountPreset).where(col(DiscountPreset.id).in_(wanted)))
    return {preset.id: preset for preset in rows.all()}


async def load_discount_preset(session: AsyncSession, preset_id: int) -> DiscountPreset:
    """One preset, active or not (NOT_FOUND if there is none)."""
    preset = await session.get(DiscountPreset, preset_id) if is_valid_id(preset_id) else None
    if preset is None:
        raise DiscountPresetNotFound()
    return preset


async def create_discount_preset(
    session: AsyncSession, *, actor: User | None, draft: DiscountPresetDraft
) -> DiscountPreset:
    require_role(actor, MANAGERS)
    name, key = clean_name(draft.name)
    new_terms = terms(draft.kind, draft.rate, draft.amount)
    preset = DiscountPreset(
        name=name,
        name_key=key,
        kind=new_terms.kind,
        rate_ppm=new_terms.rate_ppm,
        amount_cents=new_terms.amount_cents,
        scope=_scope(draft.scope),
        requires_approval=draft.requires_approval,
    )
    if await name_taken(session, DiscountPreset, key):
        raise NameTaken(WHAT)
    await check_room(session, DiscountPreset, WHAT)
    session.add(preset)
    await flush_unique(session, WHAT)
    return preset


async def update_discount_preset(
    session: AsyncSession, *, actor: User | None, preset_id: int, changes: DiscountPresetChanges
) -> DiscountPreset:
    """Change a preset; discounts already on checks keep the terms they copied."""
    require_role(actor, MANAGERS)
    preset = await load_discount_preset(session, preset_id)
    if changes.name is not None:
        name, key = clean_name(changes.name)
        if await name_taken(session, DiscountPreset, key, except_id=preset.id):
            raise NameTaken(WHAT)
        preset.name, preset.name_key = name, key
    if changes.kind is not None or changes.rate is not None or changes.amount is not None:
        current = Terms(AdjustmentKind(preset.kind), preset.rate_ppm, preset.amount_cents)
        new_terms = terms(changes.kind, changes.rate, changes.amount, current=current)
        preset.kind = new_terms.kind
        preset.rate_ppm, preset.amount_cents = new_terms.rate_ppm, new_terms.amount_cents
    if changes.scope is not None:
        preset.scope = _scope(changes.scope)
    if changes.requires_approval is not None:
        preset.requires_approval = changes.requires_approval
    if changes.is_active is not None:
        preset.is_active = changes.is_active
    preset.updated_at = utcnow()
    session.add(preset)
    await flush_unique(session, WHAT)
    return preset
