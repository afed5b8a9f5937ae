"""Which station makes what: routing rules resolved for a batch of order lines.

The most specific rule wins: a modifier option routed to another station than its item
prints there as its own ticket line ("SIDE SALAD" on the cold line, "with Burger"); the
item goes where its item rule says, else where its category's rule says, else to the
default station. Rules that point at a retired station are skipped. Prep-time targets
come from the item, else from the station the line lands on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.errors import Conflict
from restaurant_api.kitchen.models import KitchenRoute, KitchenStation
from restaurant_api.menu.service import MenuItem


class OrderLineView(Protocol):
    """An order line as the kitchen reads it: the orders domain owns the rows."""

    @property
    def id(self) -> int | None: ...
    @property
    def menu_item_id(self) -> int | None: ...
    @property
    def name(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def unit_price_cents(self) -> int: ...
    @property
    def quantity(self) -> int: ...
    @property
    def modifiers(self) -> list[str]: ...
    @property
    def options(self) -> list[dict[str, Any]]: ...
    @property
    def seat_number(self) -> int | None: ...
    @property
    def note(self) -> str | None: ...
    @property
    def course(self) -> int: ...


class NoActiveStation(Conflict):
    def __init__(self) -> None:
        super().__init__("No active kitchen station: create one before firing orders")


def category_key(category: str) -> str:
    return category.strip().lower()


@dataclass(frozen=True)
class RoutedLine:
    """One ticket line to write: where it goes and what the station reads."""

    station: KitchenStation
    course: int
    values: dict[str, Any]


@dataclass
class RoutingTable:
    default: KitchenStation
    by_category: dict[str, KitchenStation] = field(default_factory=dict)
    by_item: dict[int, KitchenStation] = field(default_factory=dict)
    by_option: dict[int, KitchenStation] = field(default_factory=dict)
    prep_by_item: dict[int, int | None] = field(default_factory=dict)

    def station_for(self, line: OrderLineView) -> KitchenStation:
        if line.menu_item_id is not None and line.menu_item_id in self.by_item:
            return self.by_item[line.menu_item_id]
        return self.by_category.get(category_key(line.category), self.default)

    def prep_minutes(self, line: OrderLineView, station: KitchenStation) -> int | None:
        own = self.prep_by_item.get(line.menu_item_id) if line.menu_item_id else None
        return own if own is not None else station.default_prep_minutes

    def route(self, line: OrderLineView) -> list[RoutedLine]:
        station = self.station_for(line)
        kept: list[str] = []
        elsewhere: list[tuple[KitchenStation, dict[str, Any]]] = []
        for option in line.options or ():
            target = self.by_option.get(option.get("option_id", -1))
            if target is None or target.id == station.id:
                kept.append(option["kitchen_name"])
            else:
                elsewhere.append((target, option))
        routed = [
            RoutedLine(
                station,
                line.course,
                _values(line, line.name, kept, list(line.modifiers), line.note)
                | {"prep_minutes": self.prep_minutes(line, station)},
            )
        ]
        for target, option in elsewhere:
            note = f"With {line.name}" + (f": {line.note}" if line.note else "")
            routed.append(
                RoutedLine(
                    target,
                    line.course,
                    _values(line, option["kitchen_name"], [], [], note[:500])
                    | {"prep_minutes": target.default_prep_minutes},
                )
            )
        return routed


def _values(
    line: OrderLineView, name: str, options: list[str], modifiers: list[str], note: str | None
) -> dict[str, Any]:
    return {
        "order_line_id": line.id,
        "name": name[:120],
        "quantity": line.quantity,
        "modifiers": modifiers,
        "options": options,
        "seat_number": line.seat_number,
        "note": note,
        "voided_at": None,
        "void_reason": None,
        "ready_at": None,
    }


async def active_stations(session: AsyncSession) -> list[KitchenStation]:
    """Stations in service, in display order (expo included)."""
    rows = await session.exec(
        select(KitchenStation)
        .where(col(KitchenStation.retired_at).is_(None))
        .order_by(col(KitchenStation.display_order), col(KitchenStation.id))
    )
    return list(rows.all())


def default_station(stations: Iterable[KitchenStation]) -> KitchenStation:
    """The station flagged default, else the first that makes food (not the expo)."""
    makers = [station for station in stations if not station.is_expo]
    if not makers:
        raise NoActiveStation()
    return next((station for station in makers if station.is_default), makers[0])


async def routing_for(session: AsyncSession, lines: Sequence[OrderLineView]) -> RoutingTable:
    """The rules that can apply to `lines`: the stations in service with those rules (one
    read), then the items' prep-time targets (one more when a line has a menu item)."""
    item_ids = sorted({line.menu_item_id for line in lines if line.menu_item_id is not None})
    option_ids = sorted(
        {
            option["option_id"]
            for line in lines
            for option in line.options or ()
            if option.get("option_id") is not None
        }
    )
    categories = sorted({category_key(line.category) for line in lines})
    applies = [col(KitchenRoute.category_key).in_(categories)]
    if item_ids:
        applies.append(col(KitchenRoute.menu_item_id).in_(item_ids))
    if option_ids:
        applies.append(col(KitchenRoute.modifier_option_id).in_(option_ids))
    rows = await session.exec(
        select(KitchenStation, KitchenRoute)
        .outerjoin(
            KitchenRoute,
            and_(col(KitchenRoute.station_id) == col(KitchenStation.id), or_(*applies)),
        )
        .where(col(KitchenStation.retired_at).is_(None))
        .order_by(col(KitchenStation.display_order), col(KitchenStation.id))
    )
    stations: dict[int, KitchenStation] = {}
    rules: list[KitchenRoute] = []
    for station, rule in rows.all():
        stations[station.id] = station
        if rule is not None and not station.is_expo:  # nothing is routed to the expo
            rules.append(rule)
    table = RoutingTable(default=default_station(stations.values()))
    for rule in rules:
        station = stations[rule.station_id]
        if rule.modifier_option_id is not None:
            table.by_option[rule.modifier_option_id] = station
        elif rule.menu_item_id is not None:
            table.by_item[rule.menu_item_id] = station
        elif rule.category_key is not None:
            table.by_category[rule.category_key] = station
    if item_ids:
        targets = await session.exec(
            select(col(MenuItem.id), col(MenuItem.prep_minutes)).where(
                col(MenuItem.id).in_(item_ids)
            )
        )
        table.prep_by_item = dict(targets.all())
    return table


async def station_by_name(session: AsyncSession, name: str) -> KitchenStation | None:
    """The station of that name (case and surrounding spaces ignored), retired or not."""
    rows = await session.exec(
        select(KitchenStation).where(KitchenStation.name_key == name.strip().lower())
    )
    return rows.first()
