"""Per-request DataLoaders for kitchen tickets: their lines and their timelines."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from restaurant_api.api.graphql import Context
from restaurant_api.kitchen import service, stations
from restaurant_api.kitchen.models import (
    KitchenRoute,
    KitchenStation,
    KitchenTicket,
    KitchenTicketLine,
    TicketEvent,
)


def lines_by_ticket(context: Context) -> DataLoader[int, list[KitchenTicketLine]]:
    async def load(ticket_ids: Sequence[int]) -> list[list[KitchenTicketLine]]:
        async with context.use_session() as session:
            grouped = await service.lines_for_tickets(session, ticket_ids)
        return [grouped.get(ticket_id, []) for ticket_id in ticket_ids]

    return context.loader("kitchen.lines_by_ticket", lambda: DataLoader(load_fn=load))


def events_by_ticket(context: Context) -> DataLoader[int, list[TicketEvent]]:
    async def load(ticket_ids: Sequence[int]) -> list[list[TicketEvent]]:
        async with context.use_session() as session:
            grouped = await service.events_for_tickets(session, ticket_ids)
        return [grouped.get(ticket_id, []) for ticket_id in ticket_ids]

    return context.loader("kitchen.events_by_ticket", lambda: DataLoader(load_fn=load))


def ticket_by_id(context: Context) -> DataLoader[int, KitchenTicket | None]:
    async def load(ids: Sequence[int]) -> list[KitchenTicket | None]:
        async with context.use_session() as session:
            by_id = await service.tickets_by_id(session, ids)
        return [by_id.get(ticket_id) for ticket_id in ids]

    return context.loader("kitchen.ticket_by_id", lambda: DataLoader(load_fn=load))


def ticket_line_by_id(context: Context) -> DataLoader[int, KitchenTicketLine | None]:
    async def load(ids: Sequence[int]) -> list[KitchenTicketLine | None]:
        async with context.use_session() as session:
            by_id = await service.ticket_lines_by_id(session, ids)
        return [by_id.get(line_id) for line_id in ids]

    return context.loader("kitchen.ticket_line_by_id", lambda: DataLoader(load_fn=load))


def station_by_id(context: Context) -> DataLoader[int, KitchenStation | None]:
    async def load(ids: Sequence[int]) -> list[KitchenStation | None]:
        async with context.use_session() as session:
            by_id = await stations.stations_by_id(session, ids)
        return [by_id.get(station_id) for station_id in ids]

    return context.loader("kitchen.station_by_id", lambda: DataLoader(load_fn=load))


def route_by_id(context: Context) -> DataLoader[int, KitchenRoute | None]:
    async def load(ids: Sequence[int]) -> list[KitchenRoute | None]:
        async with context.use_session() as session:
            by_id = await stations.routes_by_id(session, ids)
        return [by_id.get(route_id) for route_id in ids]

    return context.loader("kitchen.route_by_id", lambda: DataLoader(load_fn=load))
