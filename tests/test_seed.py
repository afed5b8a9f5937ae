"""Demo data: a menu across several categories and eight tables with their seats."""

from __future__ import annotations

from sqlmodel import col, select

from restaurant_api.menu.models import (
    MenuItem,
    MenuItemModifierGroup,
    ModifierGroup,
    ModifierOption,
)
from restaurant_api.pricing.models import DiscountPreset, ServiceChargeRule, TaxRate
from restaurant_api.pricing.service import load_tax_rates
from restaurant_api.seed import DEMO_TABLE_CAPACITIES, seed_demo_data
from restaurant_api.tables.models import DiningTable, Seat, SeatStatus, TableStatus


async def test_seed_is_idempotent_and_complete(db, client):
    async with db.session() as session:
        first = await seed_demo_data(session)
    async with db.session() as session:
        second = await seed_demo_data(session)
    assert (first.menu_items_added, first.tables_added) == (21, 8)
    assert (second.menu_items_added, second.tables_added) == (0, 0)
    assert (
        first.modifier_groups_added,
        first.tax_rates_added,
        first.discount_presets_added,
        first.service_charge_rules_added,
    ) == (3, 2, 2, 1)
    assert (
        second.modifier_groups_added,
        second.tax_rates_added,
        second.discount_presets_added,
        second.service_charge_rules_added,
    ) == (0, 0, 0, 0)

    async with db.session(read_only=True) as session:
        items = (await session.exec(select(MenuItem))).all()
        tables = (
            await session.exec(select(DiningTable).order_by(col(DiningTable.table_number)))
        ).all()
        seats = (await session.exec(select(Seat))).all()
    assert len({item.category for item in items}) >= 4
    assert [table.capacity for table in tables] == DEMO_TABLE_CAPACITIES
    assert all(table.status == TableStatus.AVAILABLE for table in tables)
    for table in tables:
        numbers = sorted(s.seat_number for s in seats if s.table_id == table.id)
        assert numbers == list(range(1, table.capacity + 1))
    assert all(seat.status == SeatStatus.AVAILABLE and seat.customer_name is None for seat in seats)

    menu = (await client.get("/api/menu")).json()
    burger = next(item for item in menu if item["name"] == "Burger")
    assert burger["price"] == 8.99
    assert burger["category"] == "Main Course"


async def test_seed_prices_the_demo_menu(db):
    async with db.session() as session:
        await seed_demo_data(session)
    async with db.session(read_only=True) as session:
        items = {item.name: item for item in (await session.exec(select(MenuItem))).all()}
        groups = {g.name: g for g in (await session.exec(select(ModifierGroup))).all()}
        options = (
            await session.exec(select(ModifierOption).order_by(col(ModifierOption.display_order)))
        ).all()
        links = (
            await session.exec(
                select(MenuItemModifierGroup).order_by(col(MenuItemModifierGroup.position))
            )
        ).all()
        rates = {r.name: r for r in (await session.exec(select(TaxRate))).all()}
        presets = {p.name: p for p in (await session.exec(select(DiscountPreset))).all()}
        rules = (await session.exec(select(ServiceChargeRule))).all()
        resolved = await load_tax_rates(
            session, [items["Burger"].id, items["Craft Beer"].id, items["Lemonade"].id]
        )

    temperature, extras = groups["Temperature"], groups["Extras"]
    assert (temperature.min_selections, temperature.max_selections) == (1, 1)
    assert (extras.min_selections, extras.max_selections) == (0, 3)
    temps = [o for o in options if o.group_id == temperature.id]
    assert [o.name for o in temps if o.is_default] == ["Medium"]
    extra = {
        o.name: (o.kitchen_name, o.price_delta_cents) for o in options if o.group_id == extras.id
    }
    assert extra == {
        "Bacon": ("+BACON", 200),
        "Cheese": ("+CHEESE", 100),
        "No onions": ("NO ONION", 0),
    }
    burger_groups = [ln.group_id for ln in links if ln.menu_item_id == items["Burger"].id]
    side = groups["Side"]  # the demo kitchen routes its side salad to the cold station
    assert burger_groups == [temperature.id, extras.id, side.id]
    steak_groups = [ln.group_id for ln in links if ln.menu_item_id == items["Ribeye Steak"].id]
    assert steak_groups == [temperature.id, side.id]

    assert (rates["Sales tax"].rate_ppm, rates["Sales tax"].is_default) == (88_750, True)
    assert (rates["Alcohol"].rate_ppm, rates["Alcohol"].is_default) == (100_000, False)
    assert not any(rate.inclusive for rate in rates.values())
    assert [r.name for r in resolved.for_line(items["Burger"].id, "Main Course")] == ["Sales tax"]
    assert [r.name for r in resolved.for_line(items["Craft Beer"].id, "Drinks")] == [
        "Alcohol",
        "Sales tax",
    ]
    assert [r.name for r in resolved.for_line(items["Lemonade"].id, "Drinks")] == ["Sales tax"]

    assert presets["Happy hour 10%"].rate_ppm == 100_000
    assert presets["Happy hour 10%"].scope == "check"
    assert not presets["Happy hour 10%"].requires_approval
    assert presets["Manager comp"].requires_approval
    assert [(r.rate_ppm, r.auto_min_guests, r.taxable) for r in rules] == [(180_000, 6, False)]
