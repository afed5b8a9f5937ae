"""Demo data: a menu of about twenty items and eight tables. Running it twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.menu.models import MenuItem
from restaurant_api.money import to_cents
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


@dataclass(frozen=True, slots=True)
class SeedReport:
    menu_items_added: int
    tables_added: int


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
    return SeedReport(menu_items_added=menu_added, tables_added=tables_added)
