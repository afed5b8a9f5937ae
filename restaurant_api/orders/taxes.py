"""What an order's check depends on besides its lines' prices: the tax rates each new line
copies at order time, and the dining option (which rates apply, whether a table may hold it).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.errors import InvalidInput
from restaurant_api.orders.models import OrderLine
from restaurant_api.pricing import service as pricing

DINING_OPTIONS = tuple(option.value for option in pricing.DiningOption)
DINE_IN = pricing.DiningOption.DINE_IN.value


def check_dining_option(value: str, table_id: int | None) -> str:
    """A valid dining option for an order at this table (only dine-in may have one)."""
    if value not in DINING_OPTIONS:
        raise InvalidInput(
            f"dining_option must be one of {', '.join(DINING_OPTIONS)}", field="dining_option"
        )
    if value != DINE_IN and table_id is not None:
        raise InvalidInput(
            f"A {value.replace('_', ' ')} order cannot be seated at a table; only dine-in can",
            field="dining_option",
        )
    return value


async def snapshot_tax_rates(session: AsyncSession, lines: Sequence[OrderLine]) -> pricing.TaxRates:
    """Copy onto each new line the rates it takes now (item > category > defaults), so
    later edits of the rates never change a placed check. One `load_tax_rates` for all."""
    rates = await pricing.load_tax_rates(
        session, [line.menu_item_id for line in lines if line.menu_item_id is not None]
    )
    for line in lines:
        line.tax_rates = [
            rate.to_json() for rate in rates.for_line(line.menu_item_id, line.category)
        ]
    return rates
