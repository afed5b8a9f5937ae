"""Demo data: a menu of about twenty items and eight tables, with modifier groups, tax
rates, preset discounts and an automatic gratuity. Running it twice changes nothing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import utcnow
from restaurant_api.kitchen.models import KitchenRoute, KitchenStation
from restaurant_api.menu.models import (
    MenuItem,
    MenuItemModifierGroup,
    ModifierGroup,
    ModifierOption,
)
from restaurant_api.money import to_cents
from restaurant_api.pricing.models import (
    AdjustmentKind,
    DiscountPreset,
    DiscountScope,
    MenuItemTaxRate,
    ServiceChargeRule,
    TaxRate,
)
from restaurant_api.tables.models import DiningTable, Seat

DEMO_MENU: list[tuple[str, str, str, str]] = [
    # (category, name, price, description)
    ("Starters", "Tomato Soup", "6.50", "Roasted tomatoes, basil, cream"),
    ("Starters", "Caesar Salad", "8.75", "Romaine, parmesan, croutons"),
    ("Starters", "Garlic Bread", "4.25", "Sourdough, garlic butter"),
    ("Starters", "Calamari", "9.50", "Fried squid, lemon aioli"),
    ("Main Course", "Burger", "8.99", "Beef patty, cheddar, brioche bun"),
    ("Main Course", "Margherita Pizza", "11.00", "Tomato, mozzarella, basil"),
    ("Main Course", "Grilled Salmon", "18.40", "Salmon fillet, seasonal greens"),
    ("Main Course", "Ribeye Steak", "24.90", "300 g ribeye, pepper sauce"),
    ("Main Course", "Mushroom Risotto", "13.20", "Arborio rice, porcini, parmesan"),
    ("Main Course", "Chicken Curry", "12.60", "Mild curry, basmati rice"),
    ("Sides", "French Fries", "3.50", "Skin-on fries, sea salt"),
    ("Sides", "Side Salad", "3.90", "Mixed leaves, vinaigrette"),
    ("Sides", "Onion Rings", "4.10", "Beer-battered"),
    ("Desserts", "Chocolate Cake", "6.80", "Dark chocolate, cream"),
    ("Desserts", "Cheesecake", "6.40", "Baked vanilla cheesecake"),
    ("Desserts", "Ice Cream", "4.50", "Three scoops"),
    ("Drinks", "Lemonade", "3.20", "House-made"),
    ("Drinks", "Espresso", "2.40", "Double shot"),
    ("Drinks", "Sparkling Water", "2.80", "750 ml bottle"),
    ("Drinks", "House Red Wine", "6.90", "Glass, 175 ml"),
    ("Drinks", "Craft Beer", "5.60", "Pint, local IPA"),
]

DEMO_TABLE_CAPACITIES = [2, 2, 4, 4, 4, 6, 6, 8]

# (group, min, max, the items offering it, options: (name, kitchen name, delta, default))
DEMO_MODIFIER_GROUPS: list[
    tuple[str, int, int, tuple[str, ...], list[tuple[str, str, str, bool]]]
] = [
    (
        "Temperature",
        1,
        1,
        ("Burger", "Ribeye Steak"),
        [
            ("Rare", "RARE", "0.00", False),
            ("Medium rare", "MED RARE", "0.00", False),
            ("Medium", "MEDIUM", "0.00", True),
            ("Medium well", "MED WELL", "0.00", False),
            ("Well done", "WELL DONE", "0.00", False),
        ],
    ),
    (
        "Extras",
        0,
        3,
        ("Burger",),
        [
            ("Bacon", "+BACON", "2.00", False),
            ("Cheese", "+CHEESE", "1.00", False),
            ("No onions", "NO ONION", "0.00", False),
        ],
    ),
    (
        "Side",
        0,
        1,
        ("Burger", "Grilled Salmon", "Ribeye Steak"),
        [
            ("Fries", "FRIES", "0.00", False),
            ("Side salad", "SIDE SALAD", "0.00", False),
        ],
    ),
]

# (name, rate in ppm, inclusive, default, the items it is assigned to)
DEMO_TAX_RATES: list[tuple[str, int, bool, bool, tuple[str, ...]]] = [
    ("Sales tax", 88_750, False, True, ("House Red Wine", "Craft Beer")),
    # Alcohol is taxed on top of sales tax; an item's own rates replace the defaults, so
    # the drinks with alcohol list both.
    ("Alcohol", 100_000, False, False, ("House Red Wine", "Craft Beer")),
]

# (name, percent in ppm, scope, requires approval)
DEMO_DISCOUNT_PRESETS: list[tuple[str, int, DiscountScope, bool]] = [
    ("Happy hour 10%", 100_000, DiscountScope.CHECK, False),
    ("Manager comp", 1_000_000, DiscountScope.LINE, True),
]

# (name, percent in ppm, taxable, automatic from this many guests)
DEMO_SERVICE_CHARGE_RULES: list[tuple[str, int, bool, int | None]] = [
    ("Large party gratuity 18%", 180_000, False, 6),
]


# The demo kitchen: (name, display order, default prep minutes, is_expo); the first is the
# default station. The migration's "kitchen" and "pastry" are retired in the demo.
DEMO_STATIONS: list[tuple[str, int | None, bool]] = [
    ("Grill", 15, False),
    ("Fry", 8, False),
    ("Cold", 6, False),
    ("bar", 3, False),
    ("Expo", None, True),
]
DEMO_RETIRED_STATIONS = ("kitchen", "pastry")
# Category rules (lower-cased category -> station); the migration's bar rules stay.
DEMO_CATEGORY_ROUTES: dict[str, str] = {
    "starters": "Cold",
    "main course": "Grill",
    "sides": "Fry",
    "desserts": "Cold",
    "dessert": "Cold",
    "pastry": "Cold",
}
# Per-item overrides of their category's rule, and a modifier option printed elsewhere.
DEMO_ITEM_ROUTES: dict[str, str] = {
    "Tomato Soup": "Grill",
    "Garlic Bread": "Grill",
    "Calamari": "Fry",
    "Side Salad": "Cold",
}
DEMO_OPTION_ROUTES: dict[tuple[str, str], str] = {("Side", "Side salad"): "Cold"}
# Prep-time targets in minutes; drinks and starters are course 1, everything else 2.
DEMO_PREP_MINUTES: dict[str, int] = {
    "Tomato Soup": 5,
    "Caesar Salad": 6,
    "Garlic Bread": 5,
    "Calamari": 8,
    "Burger": 12,
    "Margherita Pizza": 14,
    "Grilled Salmon": 16,
    "Ribeye Steak": 18,
    "Mushroom Risotto": 20,
    "Chicken Curry": 15,
    "French Fries": 6,
    "Side Salad": 4,
    "Onion Rings": 7,
    "Chocolate Cake": 4,
    "Cheesecake": 3,
    "Ice Cream": 2,
    "Lemonade": 2,
    "Espresso": 2,
    "Sparkling Water": 1,
    "House Red Wine": 1,
    "Craft Beer": 1,
}
FIRST_COURSE_CATEGORIES = frozenset({"Starters", "Drinks"})


@dataclass(frozen=True, slots=True)
class SeedReport:
    menu_items_added: int
    tables_added: int
    modifier_groups_added: int = 0
    tax_rates_added: int = 0
    discount_presets_added: int = 0
    service_charge_rules_added: int = 0
    kitchen_stations_added: int = 0
    kitchen_routes_added: int = 0


async def seed_demo_data(session: AsyncSession) -> SeedReport:
    existing_names = set((await session.exec(select(MenuItem.name_key))).all())
    menu_added = 0
    for position, (category, name, price, description) in enumerate(DEMO_MENU):
        if name.lower() in existing_names:
            continue
        session.add(
            MenuItem(
                name=name,
                name_key=name.lower(),
                category=category,
                price_cents=to_cents(price),
                description=description,
                display_order=position,
            )
        )
        menu_added += 1

    existing_numbers = set((await session.exec(select(DiningTable.table_number))).all())
    tables_added = 0
    for number, capacity in enumerate(DEMO_TABLE_CAPACITIES, start=1):
        if number in existing_numbers:
            continue
        table = DiningTable(table_number=number, capacity=capacity)
        session.add(table)
        await session.flush()
        for seat_number in range(1, capacity + 1):
            session.add(Seat(table_id=table.id, seat_number=seat_number))
        tables_added += 1
    await session.flush()
    items = {item.name: item.id for item in (await session.exec(select(MenuItem))).all()}
    return SeedReport(
        menu_items_added=menu_added,
        tables_added=tables_added,
        modifier_groups_added=await _seed_modifier_groups(session, items),
        tax_rates_added=await _seed_tax_rates(session, items),
        discount_presets_added=await _seed_discount_presets(session),
        service_charge_rules_added=await _seed_service_charge_rules(session),
        **await seed_demo_kitchen(session),
    )


async def _seed_modifier_groups(session: AsyncSession, items: dict[str, int]) -> int:
    existing = set((await session.exec(select(ModifierGroup.name_key))).all())
    positions: Counter[int] = Counter(
        (await session.exec(select(MenuItemModifierGroup.menu_item_id))).all()
    )
    added = 0
    for name, minimum, maximum, offered_on, options in DEMO_MODIFIER_GROUPS:
        if name.lower() in existing:
            continue
        group = ModifierGroup(
            name=name, name_key=name.lower(), min_selections=minimum, max_selections=maximum
        )
        session.add(group)
        await session.flush()
        for position, (option, kitchen_name, delta, default) in enumerate(options):
            session.add(
                ModifierOption(
                    group_id=group.id,
                    name=option,
                    name_key=option.lower(),
                    kitchen_name=kitchen_name,
                    price_delta_cents=to_cents(delta),
                    is_default=default,
                    display_order=position,
                )
            )
        for item_name in offered_on:
            if item_name in items:
                item_id = items[item_name]
                session.add(
                    MenuItemModifierGroup(
                        menu_item_id=item_id, group_id=group.id, position=positions[item_id]
                    )
                )
                positions[item_id] += 1
        added += 1
    await session.flush()
    return added


async def _seed_tax_rates(session: AsyncSession, items: dict[str, int]) -> int:
    existing = set((await session.exec(select(TaxRate.name_key))).all())
    added = 0
    for name, rate_ppm, inclusive, default, assigned_to in DEMO_TAX_RATES:
        if name.lower() in existing:
            continue
        rate = TaxRate(
            name=name,
            name_key=name.lower(),
            rate_ppm=rate_ppm,
            inclusive=inclusive,
            is_default=default,
        )
        session.add(rate)
        await session.flush()
        session.add_all(
            MenuItemTaxRate(menu_item_id=items[item], tax_rate_id=rate.id)
            for item in assigned_to
            if item in items
        )
        added += 1
    await session.flush()
    return added


async def _seed_discount_presets(session: AsyncSession) -> int:
    existing = set((await session.exec(select(DiscountPreset.name_key))).all())
    added = 0
    for name, rate_ppm, scope, approval in DEMO_DISCOUNT_PRESETS:
        if name.lower() in existing:
            continue
        session.add(
            DiscountPreset(
                name=name,
                name_key=name.lower(),
                kind=AdjustmentKind.PERCENT,
                rate_ppm=rate_ppm,
                scope=scope,
                requires_approval=approval,
            )
        )
        added += 1
    await session.flush()
    return added


async def _seed_service_charge_rules(session: AsyncSession) -> int:
    existing = set((await session.exec(select(ServiceChargeRule.name_key))).all())
    added = 0
    for name, rate_ppm, taxable, min_guests in DEMO_SERVICE_CHARGE_RULES:
        if name.lower() in existing:
            continue
        session.add(
            ServiceChargeRule(
                name=name,
                name_key=name.lower(),
                kind=AdjustmentKind.PERCENT,
                rate_ppm=rate_ppm,
                taxable=taxable,
                auto_min_guests=min_guests,
            )
        )
        added += 1
    await session.flush()
    return added


async def seed_demo_kitchen(session: AsyncSession) -> dict[str, int]:
    """Stations, routing rules, prep-time targets and courses of the demo menu.

    The first run (the one that creates the Grill) makes it the default, retires the
    migration's kitchen and pastry and points their rules at the new stations; later runs
    only add what is missing (a manager's changes stay).
    """
    stations = {s.name_key: s for s in (await session.exec(select(KitchenStation))).all()}
    first_run = "grill" not in stations
    now = utcnow()
    added = 0
    for position, (name, prep, is_expo) in enumerate(DEMO_STATIONS):
        station = stations.get(name.lower())
        if station is None:
            station = KitchenStation(name=name, name_key=name.lower(), is_expo=is_expo)
            stations[station.name_key] = station
            added += 1
        elif not first_run:
            continue
        station.display_order = position
        station.default_prep_minutes = prep
        station.is_default = position == 0
        station.updated_at = now
        session.add(station)
    if first_run:
        for position, key in enumerate(DEMO_RETIRED_STATIONS, start=len(DEMO_STATIONS)):
            if key in stations:
                retired = stations[key]
                retired.retired_at, retired.is_default = now, False
                retired.display_order, retired.updated_at = position, now
                session.add(retired)
    await session.flush()
    routes = await _seed_kitchen_routes(session, {k: s.id for k, s in stations.items()}, first_run)
    await _seed_prep_and_courses(session)
    return {"kitchen_stations_added": added, "kitchen_routes_added": routes}


async def _seed_kitchen_routes(
    session: AsyncSession, station_ids: dict[str, int], first_run: bool
) -> int:
    items = {i.name: i.id for i in (await session.exec(select(MenuItem))).all()}
    options = {
        (group, option): option_id
        for group, option, option_id in (
            await session.exec(
                select(ModifierGroup.name, ModifierOption.name, ModifierOption.id).join(
                    ModifierGroup, col(ModifierGroup.id) == col(ModifierOption.group_id)
                )
            )
        ).all()
    }
    wanted: list[tuple[str, str, object]] = [
        *(("category_key", station, key) for key, station in DEMO_CATEGORY_ROUTES.items()),
        *(
            ("menu_item_id", station, items[name])
            for name, station in DEMO_ITEM_ROUTES.items()
            if name in items
        ),
        *(
            ("modifier_option_id", station, options[target])
            for target, station in DEMO_OPTION_ROUTES.items()
            if target in options
        ),
    ]
    existing = (await session.exec(select(KitchenRoute))).all()
    by_target = {
        (column, getattr(route, column)): route
        for route in existing
        for column in ("category_key", "menu_item_id", "modifier_option_id")
        if getattr(route, column) is not None
    }
    added = 0
    for column, station, value in wanted:
        route = by_target.get((column, value))
        if route is None:
            route = KitchenRoute(station_id=station_ids[station.lower()])
            setattr(route, column, value)
            added += 1
        elif not first_run:
            continue
        route.station_id = station_ids[station.lower()]
        session.add(route)
    await session.flush()
    return added


async def _seed_prep_and_courses(session: AsyncSession) -> None:
    """Targets and courses on demo items that have no target yet (set once)."""
    rows = await session.exec(
        select(MenuItem).where(
            col(MenuItem.name).in_(list(DEMO_PREP_MINUTES)), col(MenuItem.prep_minutes).is_(None)
        )
    )
    for item in rows.all():
        item.prep_minutes = DEMO_PREP_MINUTES[item.name]
        item.default_course = 1 if item.category in FIRST_COURSE_CATEGORIES else 2
        session.add(item)
    await session.flush()
