"""Kitchen stations and routing rules, as managers configure them.

Stations are retired, never deleted (old tickets keep pointing at them); a retired
station's rules stay stored but are skipped by routing until it is restored. Exactly one
station is the default at a time: moving the flag locks every station row first, so two
managers moving it at once leave one default. Tickets copy their station's name, and a
rename rewrites the copies in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api import limits
from restaurant_api.db import is_valid_id, utcnow
from restaurant_api.errors import Conflict, InvalidInput, NotFound
from restaurant_api.inputs import UNSET, Unset, check_text, clean_text
from restaurant_api.kitchen.events import ticket_changed
from restaurant_api.kitchen.models import (
    KitchenRoute,
    KitchenStation,
    KitchenTicket,
    TicketStatus,
)
from restaurant_api.kitchen.routing import category_key, station_by_name
from restaurant_api.menu import service as menu_service
from restaurant_api.users.service import ALL_STAFF, MANAGERS, User, require_role

MAX_NAME = 40
MAX_CATEGORY = 60
MAX_STATIONS = 50
MAX_ROUTES = 1000
MAX_DISPLAY_ORDER = 10_000


class UnknownStation(InvalidInput):
    def __init__(self, name: str, known: Sequence[str] = ()) -> None:
        hint = f"; use one of {', '.join(known)}" if known else ""
        super().__init__(f"Unknown station {name[:MAX_NAME]!r}{hint}", field="station")


class StationNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Kitchen station not found")


class RouteNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Routing rule not found")


class StationExists(Conflict):
    def __init__(self, name: str) -> None:
        super().__init__(f"A station named {name!r} already exists")


class LastFoodStation(Conflict):
    def __init__(self) -> None:
        super().__init__("Cannot retire the last station that makes food")


class StationRetired(Conflict):
    def __init__(self, name: str) -> None:
        super().__init__(f"Station {name!r} is retired: restore it first")


def name_key(name: str) -> str:
    return name.strip().lower()


# --- reads -----------------------------------------------------------------------------------


async def resolve_station(session: AsyncSession, name: str) -> KitchenStation:
    """The station a screen filter names (case and spaces ignored, retired ones included);
    any other name is an `UnknownStation` (VALIDATION_ERROR on field "station")."""
    key = name_key(check_text(name, "station"))
    station = None
    if key and len(key) <= MAX_NAME:
        station = await station_by_name(session, key)
    if station is None:
        known = await session.exec(
            select(KitchenStation.name)
            .where(col(KitchenStation.retired_at).is_(None))
            .order_by(col(KitchenStation.display_order), col(KitchenStation.id))
            .limit(MAX_STATIONS)
        )
        raise UnknownStation(name, list(known.all()))
    return station


async def resolve_optional(session: AsyncSession, name: str | None) -> KitchenStation | None:
    return None if name is None else await resolve_station(session, name)


async def list_stations(
    session: AsyncSession, *, actor: User | None, include_retired: bool = False
) -> list[KitchenStation]:
    """Stations in display order (retired ones last when included)."""
    require_role(actor, ALL_STAFF)
    query = select(KitchenStation)
    if not include_retired:
        query = query.where(col(KitchenStation.retired_at).is_(None))
    query = query.order_by(
        col(KitchenStation.retired_at).is_not(None),
        col(KitchenStation.display_order),
        col(KitchenStation.id),
    )
    return list((await session.exec(query.limit(MAX_STATIONS))).all())


async def stations_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, KitchenStation]:
    wanted = [i for i in set(ids) if is_valid_id(i)]
    if not wanted:
        return {}
    rows = await session.exec(select(KitchenStation).where(col(KitchenStation.id).in_(wanted)))
    return {station.id: station for station in rows.all()}


async def routes_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, KitchenRoute]:
    wanted = [i for i in set(ids) if is_valid_id(i)]
    if not wanted:
        return {}
    rows = await session.exec(select(KitchenRoute).where(col(KitchenRoute.id).in_(wanted)))
    return {route.id: route for route in rows.all()}


async def list_routes(
    session: AsyncSession, *, actor: User | None, station_id: int | None = None
) -> list[KitchenRoute]:
    """Routing rules: category rules, then item rules, then option rules."""
    require_role(actor, ALL_STAFF)
    query = select(KitchenRoute)
    if station_id is not None:
        query = query.where(KitchenRoute.station_id == station_id)
    query = query.order_by(
        col(KitchenRoute.category_key).is_(None),
        col(KitchenRoute.menu_item_id).is_(None),
        col(KitchenRoute.category_key),
        col(KitchenRoute.id),
    )
    return list((await session.exec(query.limit(MAX_ROUTES))).all())


# --- stations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StationDraft:
    name: str
    display_order: int | None = None
    is_expo: bool = False
    is_default: bool = False
    default_prep_minutes: int | None = None


@dataclass(frozen=True)
class StationChanges:
    name: str | Unset = UNSET
    display_order: int | Unset = UNSET
    is_expo: bool | Unset = UNSET
    is_default: bool | Unset = UNSET
    default_prep_minutes: int | Unset | None = UNSET


def _check_order(value: int) -> int:
    if not 0 <= value <= MAX_DISPLAY_ORDER:
        raise InvalidInput(f"displayOrder must be 0 to {MAX_DISPLAY_ORDER}", field="display_order")
    return value


def _check_prep(value: int | None) -> int | None:
    if value is not None and not 0 <= value <= limits.MAX_PREP_MINUTES:
        raise InvalidInput(
            f"defaultPrepMinutes must be 0 to {limits.MAX_PREP_MINUTES}",
            field="default_prep_minutes",
        )
    return value


async def _lock_stations(session: AsyncSession) -> list[KitchenStation]:
    """Every station row, locked in id order: the serialisation point of default moves,
    retirements and reorders (two managers never leave two defaults or no food station)."""
    rows = await session.exec(
        select(KitchenStation)
        .order_by(col(KitchenStation.id))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list(rows.all())


def _find(stations: list[KitchenStation], station_id: int) -> KitchenStation:
    for station in stations:
        if station.id == station_id:
            return station
    raise StationNotFound()


def _make_default(
    session: AsyncSession, stations: list[KitchenStation], chosen: KitchenStation, now: datetime
) -> None:
    if chosen.is_expo:
        raise Conflict("The expo station cannot be the default station")
    if chosen.retired_at is not None:
        raise StationRetired(chosen.name)
    for station in stations:
        if station.is_default != (station is chosen):
            station.is_default = station is chosen
            station.updated_at = now
            session.add(station)


def _check_food_left(stations: list[KitchenStation]) -> None:
    if not any(s.retired_at is None and not s.is_expo for s in stations):
        raise LastFoodStation()


async def _flush_named(session: AsyncSession, name: str) -> None:
    # The unique name_key index is the arbiter: a concurrent duplicate loses here.
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise StationExists(name) from None


async def create_station(
    session: AsyncSession, *, actor: User | None, draft: StationDraft
) -> KitchenStation:
    require_role(actor, MANAGERS)
    name = clean_text(draft.name, "name", MAX_NAME)
    stations = await _lock_stations(session)
    if len(stations) >= MAX_STATIONS:
        raise Conflict(f"At most {MAX_STATIONS} stations")
    if any(s.name_key == name_key(name) for s in stations):
        raise StationExists(name)
    order = draft.display_order
    if order is None:
        order = max((s.display_order for s in stations), default=-1) + 1
    now = utcnow()
    station = KitchenStation(
        name=name,
        name_key=name_key(name),
        display_order=_check_order(order),
        is_expo=draft.is_expo,
        default_prep_minutes=_check_prep(draft.default_prep_minutes),
        created_at=now,
        updated_at=now,
    )
    session.add(station)
    await _flush_named(session, name)
    if draft.is_default:
        _make_default(session, [*stations, station], station, now)
        await session.flush()
    return station


async def update_station(
    session: AsyncSession, *, actor: User | None, station_id: int, changes: StationChanges
) -> KitchenStation:
    """Rename (rewriting the tickets' copies), reorder, flag expo or default, set the
    default prep time. Unsetting the default flag is refused: make another one default."""
    require_role(actor, MANAGERS)
    if not is_valid_id(station_id):
        raise StationNotFound()
    stations = await _lock_stations(session)
    station = _find(stations, station_id)
    now = utcnow()
    if not isinstance(changes.name, Unset):
        name = clean_text(changes.name, "name", MAX_NAME)
        if any(s.name_key == name_key(name) and s.id != station.id for s in stations):
            raise StationExists(name)
        if name != station.name:
            station.name, station.name_key = name, name_key(name)
            await _rename_tickets(session, station.id, name)
    if not isinstance(changes.display_order, Unset):
        station.display_order = _check_order(changes.display_order)
    if not isinstance(changes.default_prep_minutes, Unset):
        station.default_prep_minutes = _check_prep(changes.default_prep_minutes)
    if not isinstance(changes.is_expo, Unset) and changes.is_expo != station.is_expo:
        if changes.is_expo and station.is_default:
            raise Conflict("The default station cannot be the expo: make another default first")
        station.is_expo = changes.is_expo
        _check_food_left(stations)  # a guard: the default (never the expo) makes food
    if not isinstance(changes.is_default, Unset) and changes.is_default != station.is_default:
        if not changes.is_default:
            raise Conflict("Make another station the default instead")
        _make_default(session, stations, station, now)
    station.updated_at = now
    session.add(station)
    await _flush_named(session, station.name)
    return station


async def _rename_tickets(session: AsyncSession, station_id: int, name: str) -> None:
    """Rewrite the tickets' copies of the name; the ones on screens (not dismissed, not
    served) are announced so open screens show the new name."""
    await session.exec(
        update(KitchenTicket)
        .where(col(KitchenTicket.station_id) == station_id)
        .values(station=name)
    )
    on_screens = await session.exec(
        select(KitchenTicket)
        .where(
            KitchenTicket.station_id == station_id,
            col(KitchenTicket.dismissed_at).is_(None),
            KitchenTicket.status != TicketStatus.SERVED,
        )
        .execution_options(populate_existing=True)
    )
    for ticket in on_screens.all():
        ticket_changed(session, ticket)


async def reorder_stations(
    session: AsyncSession, *, actor: User | None, station_ids: Sequence[int]
) -> list[KitchenStation]:
    """Put these stations first, in this order (0, 1, 2, ...); the others follow in their
    current order."""
    require_role(actor, MANAGERS)
    if len(station_ids) > MAX_STATIONS:
        raise InvalidInput(f"At most {MAX_STATIONS} stations", field="station_ids")
    if len(set(station_ids)) != len(station_ids):
        raise InvalidInput("A station is listed twice", field="station_ids")
    stations = await _lock_stations(session)
    chosen = [_find(stations, station_id) for station_id in station_ids]
    rest = sorted((s for s in stations if s not in chosen), key=lambda s: (s.display_order, s.id))
    now = utcnow()
    for position, station in enumerate([*chosen, *rest]):
        if station.display_order != position:
            station.display_order = position
            station.updated_at = now
            session.add(station)
    await session.flush()
    return await list_stations(session, actor=actor, include_retired=True)


async def retire_station(
    session: AsyncSession, *, actor: User | None, station_id: int
) -> KitchenStation:
    """Take a station out of service: its rules are skipped (lines go to the default), its
    tickets stay. The last food station cannot be retired; retiring the default moves the
    flag to the first food station left. Idempotent."""
    require_role(actor, MANAGERS)
    if not is_valid_id(station_id):
        raise StationNotFound()
    stations = await _lock_stations(session)
    station = _find(stations, station_id)
    if station.retired_at is not None:
        return station
    makers = [s for s in stations if s.retired_at is None and not s.is_expo and s is not station]
    if not station.is_expo and not makers:
        raise LastFoodStation()
    now = utcnow()
    station.retired_at = now
    if station.is_default:
        heir = min(makers, key=lambda s: (s.display_order, s.id))
        _make_default(session, stations, heir, now)
    station.updated_at = now
    session.add(station)
    await session.flush()
    return station


async def restore_station(
    session: AsyncSession, *, actor: User | None, station_id: int
) -> KitchenStation:
    """Put a retired station back in service, with its rules. Idempotent."""
    require_role(actor, MANAGERS)
    if not is_valid_id(station_id):
        raise StationNotFound()
    stations = await _lock_stations(session)
    station = _find(stations, station_id)
    if station.retired_at is not None:
        station.retired_at = None
        station.updated_at = utcnow()
        session.add(station)
        await session.flush()
    return station


# --- routing rules ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteTarget:
    """Exactly one of: a menu category (by name), a menu item, a modifier option."""

    category: str | None = None
    menu_item_id: int | None = None
    modifier_option_id: int | None = None

    def checked(self) -> RouteTarget:
        given = [
            v for v in (self.category, self.menu_item_id, self.modifier_option_id) if v is not None
        ]
        if len(given) != 1:
            raise InvalidInput(
                "Give exactly one of category, menuItemId, modifierOptionId", field="target"
            )
        if self.category is not None:
            key = category_key(clean_text(self.category, "category", MAX_CATEGORY))
            return RouteTarget(category=key)
        return self

    def condition(self) -> object:
        if self.category is not None:
            return KitchenRoute.category_key == self.category
        if self.menu_item_id is not None:
            return KitchenRoute.menu_item_id == self.menu_item_id
        return KitchenRoute.modifier_option_id == self.modifier_option_id


async def _find_route(session: AsyncSession, target: RouteTarget) -> KitchenRoute | None:
    rows = await session.exec(
        select(KitchenRoute)
        .where(target.condition())  # type: ignore[arg-type]
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return rows.first()


async def set_route(
    session: AsyncSession, *, actor: User | None, station_id: int, target: RouteTarget
) -> KitchenRoute:
    """Route a category, a menu item or a modifier option to a station, replacing the rule
    it had (one rule per target). The expo and retired stations take no rules."""
    require_role(actor, MANAGERS)
    target = target.checked()
    if not is_valid_id(station_id):
        raise StationNotFound()
    station = await session.get(KitchenStation, station_id)
    if station is None:
        raise StationNotFound()
    if station.is_expo:
        raise Conflict("Nothing is routed to the expo station")
    if station.retired_at is not None:
        raise StationRetired(station.name)
    if target.menu_item_id is not None:
        await menu_service.get_menu_item(session, target.menu_item_id)
    elif target.modifier_option_id is not None and not is_valid_id(target.modifier_option_id):
        raise NotFound("Modifier option not found")
    if (await session.exec(select(func.count()).select_from(KitchenRoute))).one() >= MAX_ROUTES:
        raise Conflict(f"At most {MAX_ROUTES} routing rules")
    route = await _find_route(session, target)
    if route is None:
        route = KitchenRoute(
            station_id=station.id,
            category_key=target.category,
            menu_item_id=target.menu_item_id,
            modifier_option_id=target.modifier_option_id,
        )
    route.station_id = station.id
    try:
        # Added inside the savepoint: a refused insert leaves the session clean.
        async with session.begin_nested():
            session.add(route)
            await session.flush()
    except IntegrityError:
        # A missing option (foreign key) or a concurrent rule for the same target.
        if target.modifier_option_id is not None and await _find_route(session, target) is None:
            raise NotFound("Modifier option not found") from None
        raise Conflict("The rule changed meanwhile: try again") from None
    return route


async def remove_route(session: AsyncSession, *, actor: User | None, route_id: int) -> int:
    """Delete a routing rule: its lines fall back to the next rule (item -> category ->
    default station). Returns the id it had."""
    require_role(actor, MANAGERS)
    route = await session.get(KitchenRoute, route_id) if is_valid_id(route_id) else None
    if route is None:
        raise RouteNotFound()
    await session.delete(route)
    await session.flush()
    return route_id
