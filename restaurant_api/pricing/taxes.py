"""Tax rates and what they apply to. All staff read them; managers and admins edit them.

A line takes its menu item's rates if the item has any, else its category's, else the
default rates (`service.load_tax_rates`); lines copy them when they are ordered, so an
edit here changes the checks of orders placed afterwards only. A rate is retired
(`is_active` false), never deleted: retired rates apply to nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import is_valid_id, utcnow
from restaurant_api.errors import Conflict, InvalidInput, NotFound
from restaurant_api.inputs import clean_text, rate_ppm
from restaurant_api.limits import MAX_PRICING_ROWS, MAX_TAX_RATES_PER_TARGET
from restaurant_api.menu import service as menu_service
from restaurant_api.pricing.models import CategoryTaxRate, MenuItemTaxRate, TaxRate
from restaurant_api.pricing.rules import (
    NameTaken,
    check_room,
    clean_name,
    dining_options,
    flush_unique,
    name_taken,
)
from restaurant_api.users.service import ALL_STAFF, MANAGERS, User, require_role

WHAT = "tax rate"
MAX_CATEGORY_LENGTH = 60  # as a menu item's category
ASSIGNMENTS_LOCK = "restaurant_api.pricing.tax_assignments"


class TaxRateNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Tax rate not found")


@dataclass(frozen=True)
class TaxRateDraft:
    name: str
    rate: Decimal | int | str  # a percentage: "8.875"
    inclusive: bool = False
    is_default: bool = False
    dining_options: Sequence[str] = ()


@dataclass(frozen=True)
class TaxRateChanges:
    """Fields left None stay as they are."""

    name: str | None = None
    rate: Decimal | int | str | None = None
    inclusive: bool | None = None
    is_default: bool | None = None
    dining_options: Sequence[str] | None = None
    is_active: bool | None = None


@dataclass(frozen=True)
class TaxRateView:
    """A rate with the menu items and categories it is assigned to."""

    rate: TaxRate
    menu_item_ids: tuple[int, ...] = ()
    categories: tuple[str, ...] = field(default=())


async def _views(session: AsyncSession, rates: Sequence[TaxRate]) -> list[TaxRateView]:
    """The rates with their assignments: two reads, whatever the number of rates."""
    ids = [rate.id for rate in rates]
    items: dict[int, list[int]] = {}
    categories: dict[int, list[str]] = {}
    if ids:
        item_links = await session.exec(
            select(MenuItemTaxRate)
            .where(col(MenuItemTaxRate.tax_rate_id).in_(ids))
            .order_by(col(MenuItemTaxRate.menu_item_id))
        )
        for item_link in item_links.all():
            items.setdefault(item_link.tax_rate_id, []).append(item_link.menu_item_id)
        category_links = await session.exec(
            select(CategoryTaxRate)
            .where(col(CategoryTaxRate.tax_rate_id).in_(ids))
            .order_by(col(CategoryTaxRate.category))
        )
        for category_link in category_links.all():
            categories.setdefault(category_link.tax_rate_id, []).append(category_link.category)
    return [
        TaxRateView(rate, tuple(items.get(rate.id, ())), tuple(categories.get(rate.id, ())))
        for rate in rates
    ]


async def list_tax_rates(
    session: AsyncSession, *, actor: User | None, active: bool | None = None
) -> list[TaxRateView]:
    """Every rate (or only active or retired ones) by name, with its assignments."""
    require_role(actor, ALL_STAFF)
    query = select(TaxRate)
    if active is not None:
        query = query.where(col(TaxRate.is_active).is_(active))
    query = query.order_by(col(TaxRate.name_key), col(TaxRate.id)).limit(MAX_PRICING_ROWS)
    return await _views(session, (await session.exec(query)).all())


async def tax_rate_views_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, TaxRateView]:
    """Several rates with their assignments (ids that cannot exist are skipped)."""
    wanted = sorted({i for i in ids if is_valid_id(i)})
    if not wanted:
        return {}
    rates = (await session.exec(select(TaxRate).where(col(TaxRate.id).in_(wanted)))).all()
    return {view.rate.id: view for view in await _views(session, rates)}


async def get_tax_rate(session: AsyncSession, rate_id: int) -> TaxRate:
    rate = await session.get(TaxRate, rate_id) if is_valid_id(rate_id) else None
    if rate is None:
        raise TaxRateNotFound()
    return rate


async def create_tax_rate(
    session: AsyncSession, *, actor: User | None, draft: TaxRateDraft
) -> TaxRateView:
    require_role(actor, MANAGERS)
    name, key = clean_name(draft.name)
    rate = TaxRate(
        name=name,
        name_key=key,
        rate_ppm=rate_ppm(draft.rate),
        inclusive=draft.inclusive,
        is_default=draft.is_default,
        dining_options=dining_options(draft.dining_options),
    )
    if await name_taken(session, TaxRate, key):
        raise NameTaken(WHAT)
    await check_room(session, TaxRate, WHAT)
    session.add(rate)
    await flush_unique(session, WHAT)
    return TaxRateView(rate)


async def update_tax_rate(
    session: AsyncSession, *, actor: User | None, rate_id: int, changes: TaxRateChanges
) -> TaxRateView:
    """Change a rate; orders placed before keep the rate their lines copied."""
    require_role(actor, MANAGERS)
    rate = await get_tax_rate(session, rate_id)
    if changes.name is not None:
        name, key = clean_name(changes.name)
        if await name_taken(session, TaxRate, key, except_id=rate.id):
            raise NameTaken(WHAT)
        rate.name, rate.name_key = name, key
    if changes.rate is not None:
        rate.rate_ppm = rate_ppm(changes.rate)
    if changes.inclusive is not None:
        rate.inclusive = changes.inclusive
    if changes.is_default is not None:
        rate.is_default = changes.is_default
    if changes.dining_options is not None:
        rate.dining_options = dining_options(changes.dining_options)
    if changes.is_active is not None:
        rate.is_active = changes.is_active
    rate.updated_at = utcnow()
    session.add(rate)
    await flush_unique(session, WHAT)
    (view,) = await _views(session, [rate])
    return view


async def _active_rates(session: AsyncSession, tax_rate_ids: Sequence[int]) -> list[TaxRate]:
    """The rates named, in the order given: each once, existing and active."""
    if len(tax_rate_ids) > MAX_TAX_RATES_PER_TARGET:
        raise InvalidInput(
            f"At most {MAX_TAX_RATES_PER_TARGET} tax rates apply to one item or category",
            field="tax_rate_ids",
        )
    found = await tax_rate_views_by_id(session, tax_rate_ids)
    rates: list[TaxRate] = []
    for index, rate_id in enumerate(tax_rate_ids):
        view = found.get(rate_id)
        if view is None:
            raise InvalidInput(f"Tax rate {rate_id} not found").inside("tax_rate_ids", index)
        if not view.rate.is_active:
            raise InvalidInput(f"Tax rate '{view.rate.name}' is retired").inside(
                "tax_rate_ids", index
            )
        if any(rate.id == rate_id for rate in rates):
            raise InvalidInput(f"Tax rate '{view.rate.name}' is listed twice").inside(
                "tax_rate_ids", index
            )
        rates.append(view.rate)
    return rates


async def _lock_assignments(session: AsyncSession) -> None:
    """Assignment edits take turns (PostgreSQL; SQLite has one writer anyway): two managers
    setting one item's rates at once must not end with both lists merged. One lock for all
    of them (they are rare), so a document setting several takes no locks in two orders."""
    if session.get_bind().dialect.name == "postgresql":
        await session.exec(
            select(func.pg_advisory_xact_lock(func.hashtextextended(ASSIGNMENTS_LOCK, 0)))
        )


async def _flush_links(session: AsyncSession) -> None:
    # A menu item deleted meanwhile (foreign key): a typed conflict, not a 500.
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict("The assignment changed at the same time: read it again") from None


async def set_menu_item_tax_rates(
    session: AsyncSession, *, actor: User | None, menu_item_id: int, tax_rate_ids: Sequence[int]
) -> list[TaxRateView]:
    """The whole list of rates of one menu item (empty: it takes its category's again).

    To exempt an item from tax, give it a 0% rate.
    """
    require_role(actor, MANAGERS)
    rates = await _active_rates(session, tax_rate_ids)
    await _lock_assignments(session)
    await menu_service.get_menu_item(session, menu_item_id)
    await session.exec(
        delete(MenuItemTaxRate).where(col(MenuItemTaxRate.menu_item_id) == menu_item_id)
    )
    session.add_all(MenuItemTaxRate(menu_item_id=menu_item_id, tax_rate_id=r.id) for r in rates)
    await _flush_links(session)
    return await _views(session, rates)


async def set_category_tax_rates(
    session: AsyncSession, *, actor: User | None, category: str, tax_rate_ids: Sequence[int]
) -> tuple[str, list[TaxRateView]]:
    """The whole list of rates of one menu category, regardless of case (empty: the
    category's items take the default rates again). Returns the category as stored."""
    require_role(actor, MANAGERS)
    name = clean_text(category, "category", MAX_CATEGORY_LENGTH)
    rates = await _active_rates(session, tax_rate_ids)
    await _lock_assignments(session)
    # Categories match regardless of case (as `load_tax_rates` reads them): every spelling
    # of this one is replaced. Compared here, not in SQL: SQLite's lower() is ASCII only.
    links = (await session.exec(select(CategoryTaxRate))).all()
    for link in links:
        if link.category.lower() == name.lower():
            await session.delete(link)
    await session.flush()
    session.add_all(CategoryTaxRate(category=name, tax_rate_id=rate.id) for rate in rates)
    await _flush_links(session)
    return name, await _views(session, rates)
