"""The allDayCounts subscription over a real websocket: counts first, then each change."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from restaurant_api.kitchen.events import ticket_changed
from restaurant_api.kitchen.models import KitchenTicket, KitchenTicketLine
from tests.conftest import gid
from tests.kitchen.test_all_day import add_ticket
from tests.kitchen.test_bumps import BUMP
from tests.live.conftest import open_socket

SUBSCRIPTION = """
subscription($station: String) {
  allDayCounts(station: $station) { station counts { name options quantity } }
}"""


async def assert_silent(socket, seconds: float = 0.3) -> None:
    with pytest.raises(TimeoutError):
        await socket.receive(within=seconds)


async def test_counts_then_new_counts_when_a_change_alters_them(live_server, db, gql, kitchen):
    grill = await add_ticket(db, "kitchen", [("Burger", 2, ["MED RARE"]), ("Fries", 1, [])])
    bar = await add_ticket(db, "bar", [("Wine", 2, [])])
    async with db.session() as session:
        lines = await _lines(session, grill.id)
    socket = await open_socket(live_server, token=kitchen.token)
    await socket.subscribe(SUBSCRIPTION, {"station": "kitchen"})
    first = (await socket.next_data())["allDayCounts"]
    assert first == {
        "station": "kitchen",
        "counts": [
            {"name": "Burger", "options": ["MED RARE"], "quantity": 2},
            {"name": "Fries", "options": [], "quantity": 1},
        ],
    }

    async with db.session() as session:  # another station's ticket: nothing sent
        ticket = await session.get(KitchenTicket, bar.id)
        assert ticket is not None
        ticket_changed(session, ticket)
    await assert_silent(socket)
    async with db.session() as session:  # a change that leaves the counts as they were
        ticket = await session.get(KitchenTicket, grill.id)
        assert ticket is not None
        ticket_changed(session, ticket)
    await assert_silent(socket)

    bumped = await gql(BUMP, {"id": gid("TicketLine", lines[1])}, staff=kitchen)
    assert bumped["data"]["bumpTicketLine"]["ticket"]["status"] == "PREPARING"
    change = (await socket.next_data())["allDayCounts"]
    assert change["counts"] == [{"name": "Burger", "options": ["MED RARE"], "quantity": 2}]
    await gql(BUMP, {"id": gid("TicketLine", lines[0])}, staff=kitchen)
    assert (await socket.next_data())["allDayCounts"]["counts"] == []
    await socket.connection.close()


async def test_unknown_station_is_an_error(live_server, kitchen):
    socket = await open_socket(live_server, token=kitchen.token)
    await socket.subscribe(SUBSCRIPTION, {"station": "moon"})
    message = await socket.receive()
    assert message["type"] in ("error", "next"), message
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "VALIDATION_ERROR"
    await socket.connection.close()


async def _lines(session, ticket_id: int) -> list[int]:
    rows = await session.exec(
        select(KitchenTicketLine.id)
        .where(KitchenTicketLine.ticket_id == ticket_id)
        .order_by(col(KitchenTicketLine.id))
    )
    return list(rows.all())
