"""Placing writes the same rows whichever way it writes them: on PostgreSQL the order with
its lines, and the tickets with their lines and first events, each in one statement
(`orders.new_rows`, `kitchen.firing`); the ORM's unit of work elsewhere."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import exc
from sqlmodel import col, select

from restaurant_api.db import table_of
from restaurant_api.db_rows import writes_raw
from restaurant_api.kitchen import firing
from restaurant_api.kitchen.models import KitchenTicket, KitchenTicketLine, TicketEvent
from restaurant_api.menu.models import MenuItem
from restaurant_api.orders import placing
from restaurant_api.orders.models import Order, OrderLine
from restaurant_api.pricing.models import TaxRate
from tests.conftest import gid
from tests.factories import Opt

PLACE = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  __typename ... on OrderPayload { order { databaseId total { amount }
    lines { name quantity modifiers note seatNumber course unitPrice { amount } } } }
  ... on Error { code message } } }"""

# Ids and the references to them differ between two orders; times are compared as spans.
_UNCOMPARED = {"id", "order_id", "ticket_id", "order_line_id", "actor_id", "created_by_id"}


async def _menu(db, add_modifier_group) -> dict[str, Any]:
    async with db.session() as session:
        steak = MenuItem(
            name="Steak",
            name_key="steak",
            category="Mains",
            price_cents=2400,
            default_course=2,
            prep_minutes=18,
        )
        soup = MenuItem(name="Soup", name_key="soup", category="Starters", price_cents=650)
        cola = MenuItem(name="Cola", name_key="cola", category="Drinks", price_cents=300)
        session.add_all([steak, soup, cola])
        session.add(TaxRate(name="City", name_key="city", rate_ppm=45_000, is_default=True))
        await session.flush()
        ids = {"steak": steak.id, "soup": soup.id, "cola": cola.id}
    _, (rare, _medium) = await add_modifier_group(
        "Doneness", [Opt("Rare", 0, "RARE"), Opt("Medium", 0, "MED")], 1, 1, items=(ids["steak"],)
    )
    _, (bacon,) = await add_modifier_group(
        "Extras", [Opt("Bacon", 250, "+BACON")], 0, 1, items=(ids["steak"],)
    )
    return ids | {"rare": rare.id, "bacon": bacon.id}


def _input(menu: dict[str, Any]) -> dict[str, Any]:
    return {
        "lines": [
            {
                "menuItemId": gid("MenuItem", menu["steak"]),
                "quantity": 2,
                "modifiers": ["no salt", "sauce on the side"],
                "options": [
                    gid("ModifierOption", menu["rare"]),
                    gid("ModifierOption", menu["bacon"]),
                ],
                "seatNumber": 1,
                "note": "birthday 🎂",
            },
            {"menuItemId": gid("MenuItem", menu["soup"]), "seatNumber": 2},
            {"menuItemId": gid("MenuItem", menu["cola"])},
            {"name": 'Bread "basket"', "price": "1.50", "category": "Sides", "course": 3},
        ],
        "customerCount": 3,
        "specialRequests": "window seat, nut allergy",
    }


def _comparable(row: Any) -> dict[str, Any]:
    values = {column.key: getattr(row, column.key) for column in table_of(type(row)).c}
    return {
        key: (value is None) if isinstance(value, datetime) or value is None else value
        for key, value in values.items()
        if key not in _UNCOMPARED
    }


async def _stored(db, order_id: int) -> dict[str, list[dict[str, Any]]]:
    async with db.session(read_only=True) as session:
        order = await session.get(Order, order_id)
        lines = (
            await session.exec(
                select(OrderLine).where(OrderLine.order_id == order_id).order_by(col(OrderLine.id))
            )
        ).all()
        tickets = (
            await session.exec(
                select(KitchenTicket)
                .where(KitchenTicket.order_id == order_id)
                .order_by(col(KitchenTicket.id))
            )
        ).all()
        ticket_ids = [ticket.id for ticket in tickets]
        ticket_lines = (
            await session.exec(
                select(KitchenTicketLine)
                .where(col(KitchenTicketLine.ticket_id).in_(ticket_ids))
                .order_by(col(KitchenTicketLine.id))
            )
        ).all()
        events = (
            await session.exec(
                select(TicketEvent)
                .where(col(TicketEvent.ticket_id).in_(ticket_ids))
                .order_by(col(TicketEvent.id))
            )
        ).all()
    line_position = {line.id: line.position for line in lines}
    ticket_index = {ticket.id: index for index, ticket in enumerate(tickets)}
    assert order is not None
    return {
        "order": [_comparable(order) | {"times": (order.created_at == order.updated_at)}],
        "lines": [_comparable(line) for line in lines],
        "tickets": [
            _comparable(ticket)
            | {"due_after": None if ticket.due_at is None else ticket.due_at - ticket.fired_at}
            for ticket in tickets
        ],
        # Each ticket line with the ticket and order line it belongs to (by place).
        "ticket_lines": [
            _comparable(line)
            | {"ticket": ticket_index[line.ticket_id], "line": line_position[line.order_line_id]}
            for line in ticket_lines
        ],
        "events": [
            _comparable(event) | {"ticket": ticket_index[event.ticket_id]} for event in events
        ],
    }


async def test_one_statement_writes_the_rows_the_orm_writes(
    db, gql, server, add_modifier_group, monkeypatch, backend
):
    menu = await _menu(db, add_modifier_group)
    first = await gql(PLACE, {"input": _input(menu)}, staff=server)
    assert first["data"]["placeOrder"]["__typename"] == "OrderPayload", first
    # The same order through the ORM's unit of work, as SQLite always writes it.
    monkeypatch.setattr(placing, "writes_raw", lambda _session: False)
    monkeypatch.setattr(firing, "writes_raw", lambda _session: False)
    second = await gql(PLACE, {"input": _input(menu)}, staff=server)
    assert second["data"]["placeOrder"]["__typename"] == "OrderPayload", second

    answers = [first["data"]["placeOrder"]["order"], second["data"]["placeOrder"]["order"]]
    assert answers[0] | {"databaseId": 0} == answers[1] | {"databaseId": 0}
    assert answers[0]["total"] == {"amount": "64.00"}  # 2 x (24 + 2.50 bacon) + 6.50 + 3 + 1.50
    by_raw, by_orm = [await _stored(db, answer["databaseId"]) for answer in answers]
    assert by_raw == by_orm
    # What was compared is what was sent: spot checks on the rows themselves.
    lines = by_raw["lines"]
    assert [line["position"] for line in lines] == [0, 1, 2, 3]
    assert lines[0]["modifiers"] == ["no salt", "sauce on the side"]
    assert [option["kitchen_name"] for option in lines[0]["options"]] == ["RARE", "+BACON"]
    assert lines[0]["note"] == "birthday 🎂"
    assert lines[3]["name"] == 'Bread "basket"'
    assert {rate["name"] for line in lines for rate in line["tax_rates"]} == {"City"}
    # Course 1 (soup, cola) fired to kitchen and bar; the steak (2) and bread (3) held.
    assert [(t["station"], t["course"], t["status"]) for t in by_raw["tickets"]] == [
        ("kitchen", 1, "pending"),
        ("bar", 1, "pending"),
        ("kitchen", 2, "held"),
        ("kitchen", 3, "held"),
    ]
    assert [event["status"] for event in by_raw["events"]] == ["pending", "pending", "held", "held"]
    assert [line["options"] for line in by_raw["ticket_lines"] if line["line"] == 0] == [
        ["RARE", "+BACON"]
    ]
    async with db.session(read_only=True) as session:
        assert writes_raw(session) is (backend.name == "postgresql")


async def test_a_refused_one_statement_write_stores_nothing_and_is_sqlalchemys_error(
    db, add_menu_item, backend
):
    """A row the database refuses (here a ticket's order that does not exist) fails the
    whole statement, as SQLAlchemy's error of the ORM's write would."""
    dish = await add_menu_item("Soup", "6.50", "Mains")
    view = OrderLine(
        id=1, order_id=1, name="Soup", category="Mains", unit_price_cents=650, menu_item_id=dish.id
    )
    with pytest.raises(exc.IntegrityError):
        async with db.session() as session:
            await firing.fire_lines(
                session, order_id=2_000_000, lines=[view], actor_id=None, new_order=True
            )
    async with db.session(read_only=True) as session:
        assert (await session.exec(select(KitchenTicket))).all() == []
        assert (await session.exec(select(KitchenTicketLine))).all() == []
        assert (await session.exec(select(TicketEvent))).all() == []
