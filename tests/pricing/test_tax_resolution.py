"""Which rates a line takes (`load_tax_rates`): its item's, else its category's, else the
defaults; retired rates apply to nothing; a rate's dining options travel in the snapshot."""

from __future__ import annotations

import pytest

from restaurant_api.pricing import service
from restaurant_api.pricing.engine import TaxSnapshot
from restaurant_api.users.models import Role


@pytest.fixture
async def boss(make_staff):
    return (await make_staff(Role.MANAGER)).user


async def _rate(db, actor, name, rate, **extra):
    async with db.session() as session:
        view = await service.create_tax_rate(
            session, actor=actor, draft=service.TaxRateDraft(name=name, rate=rate, **extra)
        )
    return view.rate


async def _retire(db, actor, rate_id):
    async with db.session() as session:
        await service.update_tax_rate(
            session, actor=actor, rate_id=rate_id, changes=service.TaxRateChanges(is_active=False)
        )


def _names(rates: tuple[TaxSnapshot, ...]) -> list[str]:
    return [rate.name for rate in rates]


async def test_item_then_category_then_defaults(db, boss, add_menu_item, count_statements):
    burger = await add_menu_item("Burger", "12.00", "Mains")
    cola = await add_menu_item("Cola", "3.00", "Drinks")
    wine = await add_menu_item("Wine", "9.00", "Drinks")
    beer = await add_menu_item("Beer", "6.00", "Drinks")
    sales = await _rate(db, boss, "Sales tax", "8.875", is_default=True)
    vat = await _rate(db, boss, "VAT", "20", is_default=True, inclusive=True,
                      dining_options=["dine_in"])  # fmt: skip
    old_default = await _rate(db, boss, "Old default", "1", is_default=True)
    alcohol = await _rate(db, boss, "Alcohol", "10")
    special = await _rate(db, boss, "Wine duty", "12.5")
    retired = await _rate(db, boss, "Beer duty", "3")
    async with db.session() as session:
        await service.set_category_tax_rates(
            session, actor=boss, category="Drinks", tax_rate_ids=[alcohol.id]
        )
        await service.set_menu_item_tax_rates(
            session, actor=boss, menu_item_id=wine.id, tax_rate_ids=[special.id, sales.id]
        )
        await service.set_menu_item_tax_rates(
            session, actor=boss, menu_item_id=beer.id, tax_rate_ids=[retired.id]
        )
    await _retire(db, boss, old_default.id)
    await _retire(db, boss, retired.id)

    ids = [burger.id, cola.id, wine.id, beer.id]
    with count_statements() as counter:
        async with db.session() as session:
            rates = await service.load_tax_rates(session, ids)
    assert counter.count == 1  # the active rates with their assignments: whatever the items

    # No rates of its own or of its category: the active defaults (retired ones ignored).
    assert _names(rates.for_line(burger.id, "Mains")) == ["Sales tax", "VAT"]
    # Its category's, regardless of the category's case.
    assert _names(rates.for_line(cola.id, "drinks")) == ["Alcohol"]
    # Its own rates win over its category's (sorted by name).
    assert _names(rates.for_line(wine.id, "Drinks")) == ["Sales tax", "Wine duty"]
    # Its only rate is retired: as if it had none, so its category's.
    assert _names(rates.for_line(beer.id, "Drinks")) == ["Alcohol"]
    # A line whose menu item was deleted keeps its category.
    assert _names(rates.for_line(None, "Drinks")) == ["Alcohol"]
    assert _names(rates.for_line(None, "Desserts")) == ["Sales tax", "VAT"]

    # The snapshot keeps what the engine needs, dining options included.
    (vat_snapshot,) = [rate for rate in rates.defaults if rate.name == "VAT"]
    assert vat_snapshot == TaxSnapshot(
        id=vat.id, name="VAT", rate_ppm=200_000, inclusive=True, dining_options=("dine_in",)
    )
    assert TaxSnapshot.from_json(vat_snapshot.to_json()) == vat_snapshot
    assert vat_snapshot.applies_to("dine_in") and not vat_snapshot.applies_to("takeout")
    (wine_duty,) = [r for r in rates.for_line(wine.id, "Drinks") if r.name == "Wine duty"]
    assert (wine_duty.rate_ppm, wine_duty.inclusive, wine_duty.dining_options) == (
        125_000,
        False,
        (),
    )


async def test_only_the_items_asked_for_are_read(db, boss, add_menu_item):
    wine = await add_menu_item("Wine", "9.00", "Drinks")
    sales = await _rate(db, boss, "Sales tax", "8.875", is_default=True)
    duty = await _rate(db, boss, "Wine duty", "12.5")
    async with db.session() as session:
        await service.set_menu_item_tax_rates(
            session, actor=boss, menu_item_id=wine.id, tax_rate_ids=[duty.id]
        )
        everything = await service.load_tax_rates(session, [wine.id])
        nothing = await service.load_tax_rates(session)
    assert _names(everything.for_line(wine.id, "Drinks")) == ["Wine duty"]
    assert nothing.by_item == {}
    assert _names(nothing.for_line(wine.id, "Drinks")) == [sales.name]


async def test_edits_apply_to_the_next_read(db, boss, add_menu_item):
    """Lines copy their rates when ordered: what a later read gives is what later orders
    take; a rate changed or retired after that changes nothing already copied."""
    soup = await add_menu_item("Soup", "5.00", "Starters")
    sales = await _rate(db, boss, "Sales tax", "8", is_default=True)
    async with db.session() as session:
        before = (await service.load_tax_rates(session, [soup.id])).for_line(soup.id, "Starters")
        await service.update_tax_rate(
            session, actor=boss, rate_id=sales.id, changes=service.TaxRateChanges(rate="9.5")
        )
        after = (await service.load_tax_rates(session, [soup.id])).for_line(soup.id, "Starters")
    assert [r.rate_ppm for r in before] == [80_000]
    assert [r.rate_ppm for r in after] == [95_000]
    await _retire(db, boss, sales.id)
    async with db.session() as session:
        rates = await service.load_tax_rates(session, [soup.id])
    assert rates.for_line(soup.id, "Starters") == ()
    assert rates.defaults == ()
