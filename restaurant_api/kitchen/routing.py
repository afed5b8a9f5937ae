"""Which station makes what: routing rules resolved for a batch of order lines.

The most specific rule wins: a modifier option routed to another station than its item
prints there as its own ticket line ("SIDE SALAD" on the cold line, "with Burger"); the
item goes where its item rule says, else where its category's rule says, else to the
default station. Rules that point at a retired station are skipped. Prep-time targets
come from the item, else from the station the line lands on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import and_, or_
from sqlalchemy import select as core_select
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import OneOf, table_of
from restaurant_api.db_rows import transaction_rows
from restaurant_api.errors import Conflict
from restaurant_api.kitchen.models import KitchenRoute, KitchenStation
from restaurant_api.menu.service import MenuItem
from restaurant_api.raw_reads import prebuilt


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


@dataclass(frozen=True, slots=True)
class Station:
    """A station in service as routing reads it (a row, not an ORM instance)."""

    id: int
    name: str
    display_order: int
    is_expo: bool
    is_default: bool
    default_prep_minutes: int | None


@dataclass(frozen=True)
class RoutedLine:
    """One ticket line to write: where it goes and what the station reads."""

    station: Station
    course: int
    values: dict[str, Any]


@dataclass
class RoutingTable:
    default: Station
    by_category: dict[str, Station] = field(default_factory=dict)
    by_item: dict[int, Station] = field(default_factory=dict)
    by_option: dict[int, Station] = field(default_factory=dict)
    prep_by_item: dict[int, int | None] = field(default_factory=dict)

    def station_for(self, line: OrderLineView) -> Station:
        if line.menu_item_id is not None and line.menu_item_id in self.by_item:
            return self.by_item[line.menu_item_id]
        return self.by_category.get(category_key(line.category), self.default)

    def prep_minutes(self, line: OrderLineView, station: Station) -> int | None:
        own = self.prep_by_item.get(line.menu_item_id) if line.menu_item_id else None
        return own if own is not None else station.default_prep_minutes

    def route(self, line: OrderLineView) -> list[RoutedLine]:
        station = self.station_for(line)
        kept: list[str] = []
        elsewhere: list[tuple[Station, dict[str, Any]]] = []
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


def default_station(stations: Iterable[Station]) -> Station:
    """The station flagged default, else the first that makes food (not the expo)."""
    makers = [station for station in stations if not station.is_expo]
    if not makers:
        raise NoActiveStation()
    return next((station for station in makers if station.is_default), makers[0])


_STATIONS = table_of(KitchenStation)
_ROUTES = table_of(KitchenRoute)
_ITEMS = table_of(MenuItem)
# Built once (fired lines read them in the writer's transaction, `transaction_rows`): the
# stations in service, each with the rules that can apply to the lines (or none).
_STATIONS_WITH_RULES = prebuilt(
    core_select(
        _STATIONS.c.id,
        _STATIONS.c.name,
        _STATIONS.c.display_order,
        _STATIONS.c.is_expo,
        _STATIONS.c.is_default,
        _STATIONS.c.default_prep_minutes,
        _ROUTES.c.category_key,
        _ROUTES.c.menu_item_id,
        _ROUTES.c.modifier_option_id,
    )
    .select_from(
        _STATIONS.outerjoin(
            _ROUTES,
            and_(
                _ROUTES.c.station_id == _STATIONS.c.id,
                or_(
                    # Every category's and modifier option's rule (a restaurant has a
                    # few): the read needs no line's category or default options, so it
                    # can go before the items are read (`prefetch_rows`).
                    _ROUTES.c.category_key.is_not(None),
                    OneOf(_ROUTES.c.menu_item_id, "item_ids"),
                    _ROUTES.c.modifier_option_id.is_not(None),
                ),
            ),
        )
    )
    .where(_STATIONS.c.retired_at.is_(None))
    .order_by(_STATIONS.c.display_order, _STATIONS.c.id)
)
_PREP_TARGETS = prebuilt(
    core_select(_ITEMS.c.id, _ITEMS.c.prep_minutes).where(OneOf(_ITEMS.c.id, "item_ids"))
)


def stations_read(item_ids: Iterable[int]) -> tuple[Any, dict[str, Any]]:
    """The read `routing_for` starts with, for lines of these menu items (for
    `prefetch_rows`)."""
    return _STATIONS_WITH_RULES, {"item_ids": sorted(set(item_ids))}


async def routing_for(
    session: AsyncSession,
    lines: Sequence[OrderLineView],
    prep_by_item: Mapping[int, int | None] | None = None,
) -> RoutingTable:
    """The rules that can apply to `lines`: the stations in service with those rules (one
    read), then the items' prep-time targets (one more when a line has a menu item, unless
    the caller read the items already and gives their targets as `prep_by_item`)."""
    statement, parameters = stations_read(
        line.menu_item_id for line in lines if line.menu_item_id is not None
    )
    rows = await transaction_rows(session, statement, parameters)
    stations: dict[int, Station] = {}
    rules: list[tuple[Station, str | None, int | None, int | None]] = []
    for station_id, name, order, is_expo, is_default, prep, category, item_id, option_id in rows:
        station = stations.get(station_id)
        if station is None:
            station = Station(station_id, name, order, bool(is_expo), bool(is_default), prep)
            stations[station_id] = station
        matched = category is not None or item_id is not None or option_id is not None
        if matched and not station.is_expo:  # nothing is routed to the expo
            rules.append((station, category, item_id, option_id))
    table = RoutingTable(default=default_station(stations.values()))
    for station, category, item_id, option_id in rules:
        if option_id is not None:
            table.by_option[option_id] = station
        elif item_id is not None:
            table.by_item[item_id] = station
        elif category is not None:
            table.by_category[category] = station
    item_ids = parameters["item_ids"]
    if prep_by_item is not None:
        table.prep_by_item = {item_id: prep_by_item.get(item_id) for item_id in item_ids}
    elif item_ids:
        targets = await transaction_rows(session, _PREP_TARGETS, {"item_ids": item_ids})
        table.prep_by_item = {item_id: minutes for item_id, minutes in targets}
    return table


async def station_by_name(session: AsyncSession, name: str) -> KitchenStation | None:
    """The station of that name (case and surrounding spaces ignored), retired or not."""
    rows = await session.exec(
        select(KitchenStation).where(KitchenStation.name_key == name.strip().lower())
    )
    return rows.first()
