"""Item-level bumps: lines ready one by one, the ticket following its last live line."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import update
from sqlmodel import col, select

from restaurant_api.db import utcnow
from restaurant_api.kitchen.models import KitchenTicket, KitchenTicketLine, TicketEvent
from tests.conftest import gid
from tests.factories import place_order as _place

TICKETS = """
query($station: String) {
  kitchenTickets(station: $station) {
    id status readyAt lines { id name readyAt isVoid }
    timeline { edges { node { status } } }
  }
}"""

BUMP = """
mutation($id: ID!) {
  bumpTicketLine(lineId: $id) {
    __typename
    ... on TicketLineBumpPayload {
      line { id readyAt } ticket { status readyAt lines { readyAt } }
    }
    ... on Error { code message }
  }
}"""

UNDO = BUMP.replace("bumpTicketLine", "undoTicketLineBump")

MOVE = """
mutation($id: ID!, $status: TicketStatus!) {
  updateTicketStatus(ticketId: $id, status: $status) {
    __typename ... on TicketPayload { ticket { status lines { readyAt } } }
  }
}"""

STEAK = {"name": "Steak", "price": 20, "category": "Mains"}
FISH = {"name": "Fish", "price": 18, "category": "Mains"}
WINE = {"name": "Wine", "price": 7, "category": "Drinks"}


async def kitchen_ticket(gql, staff, station="kitchen"):
    [ticket] = (await gql(TICKETS, {"station": station}, staff=staff))["data"]["kitchenTickets"]
    return ticket


def timeline(ticket):
    return [edge["node"]["status"] for edge in ticket["timeline"]["edges"]]


async def test_bumping_each_line_makes_the_ticket_ready(client, gql, server, kitchen):
    await _place(client, server, [STEAK, FISH, WINE])
    ticket = await kitchen_ticket(gql, kitchen)
    steak, fish = (line["id"] for line in ticket["lines"])

    first = (await gql(BUMP, {"id": steak}, staff=kitchen))["data"]["bumpTicketLine"]
    assert first["__typename"] == "TicketLineBumpPayload"
    assert first["line"]["readyAt"] is not None
    assert first["ticket"]["status"] == "PREPARING"  # the first bump starts it
    assert [line["readyAt"] is not None for line in first["ticket"]["lines"]] == [True, False]

    again = (await gql(BUMP, {"id": steak}, staff=kitchen))["data"]["bumpTicketLine"]
    assert again["line"]["readyAt"] == first["line"]["readyAt"]  # idempotent

    last = (await gql(BUMP, {"id": fish}, staff=kitchen))["data"]["bumpTicketLine"]
    assert last["ticket"]["status"] == "READY"
    assert last["ticket"]["readyAt"] == last["line"]["readyAt"]
    ticket = await kitchen_ticket(gql, kitchen)
    assert timeline(ticket) == ["PENDING", "PREPARING", "READY"]
    bar = await kitchen_ticket(gql, kitchen, "bar")
    assert bar["status"] == "PENDING"  # another station's ticket is untouched


async def test_undo_recalls_a_ready_ticket_and_only_that_line(client, gql, server, kitchen):
    await _place(client, server, [STEAK, FISH])
    ticket = await kitchen_ticket(gql, kitchen)
    steak, fish = (line["id"] for line in ticket["lines"])
    await gql(BUMP, {"id": steak}, staff=kitchen)
    await gql(BUMP, {"id": fish}, staff=kitchen)

    undone = (await gql(UNDO, {"id": fish}, staff=kitchen))["data"]["undoTicketLineBump"]
    assert undone["line"]["readyAt"] is None
    assert undone["ticket"]["status"] == "PREPARING"
    assert undone["ticket"]["readyAt"] is None
    assert [line["readyAt"] is not None for line in undone["ticket"]["lines"]] == [True, False]
    nothing = (await gql(UNDO, {"id": fish}, staff=kitchen))["data"]["undoTicketLineBump"]
    assert nothing["ticket"]["status"] == "PREPARING"  # not bumped: nothing changes
    ticket = await kitchen_ticket(gql, kitchen)
    assert timeline(ticket) == ["PENDING", "PREPARING", "READY", "PREPARING"]


async def test_whole_ticket_ready_stamps_the_lines_and_a_recall_takes_them_back(
    client, gql, server, kitchen
):
    await _place(client, server, [STEAK, FISH])
    ticket = await kitchen_ticket(gql, kitchen)
    steak, _ = (line["id"] for line in ticket["lines"])
    bumped = (await gql(BUMP, {"id": steak}, staff=kitchen))["data"]["bumpTicketLine"]
    steak_ready = bumped["line"]["readyAt"]

    ready = await gql(MOVE, {"id": ticket["id"], "status": "READY"}, staff=kitchen)
    lines = ready["data"]["updateTicketStatus"]["ticket"]["lines"]
    assert lines[0]["readyAt"] == steak_ready  # bumped before: kept
    assert lines[1]["readyAt"] is not None  # stamped with the ticket

    recalled = await gql(MOVE, {"id": ticket["id"], "status": "PREPARING"}, staff=kitchen)
    lines = recalled["data"]["updateTicketStatus"]["ticket"]["lines"]
    assert [line["readyAt"] for line in lines] == [steak_ready, None]


async def test_void_lines_do_not_count_and_cannot_be_bumped(client, gql, server, kitchen, db):
    await _place(client, server, [STEAK, FISH])
    ticket = await kitchen_ticket(gql, kitchen)
    steak, fish = (line["id"] for line in ticket["lines"])
    async with db.session() as session:
        await session.exec(
            update(KitchenTicketLine)
            .where(col(KitchenTicketLine.name) == "Fish")
            .values(voided_at=utcnow(), void_reason="removed")
        )
    refused = (await gql(BUMP, {"id": fish}, staff=kitchen))["data"]["bumpTicketLine"]
    assert refused["code"] == "CONFLICT"
    assert "voided" in refused["message"]
    done = (await gql(BUMP, {"id": steak}, staff=kitchen))["data"]["bumpTicketLine"]
    assert done["ticket"]["status"] == "READY"  # its last live line
    assert [line["readyAt"] is not None for line in done["ticket"]["lines"]] == [True, False]


async def test_removing_the_last_unbumped_line_makes_the_ticket_ready(client, gql, server, kitchen):
    order = await _place(client, server, [STEAK, FISH])
    ticket = await kitchen_ticket(gql, kitchen)
    steak = ticket["lines"][0]["id"]
    bumped = (await gql(BUMP, {"id": steak}, staff=kitchen))["data"]["bumpTicketLine"]
    assert bumped["ticket"]["status"] == "PREPARING"
    # The fish leaves the order: the steak, already bumped, was all that was left to make.
    response = await client.put(
        f"/api/orders/{order['id']}", json={"order": [STEAK]}, headers=server.headers
    )
    assert response.status_code == 200, response.text
    ticket = await kitchen_ticket(gql, kitchen)
    assert ticket["status"] == "READY"
    assert [line["isVoid"] for line in ticket["lines"]] == [False, True]
    assert timeline(ticket) == ["PENDING", "PREPARING", "READY"]


async def test_held_served_dismissed_and_missing_lines_are_refused(
    client, gql, server, kitchen, db
):
    await _place(client, server, [STEAK])
    ticket = await kitchen_ticket(gql, kitchen)
    [steak] = (line["id"] for line in ticket["lines"])
    async with db.session() as session:
        await session.exec(update(KitchenTicket).values(status="held"))
    held = (await gql(BUMP, {"id": steak}, staff=kitchen))["data"]["bumpTicketLine"]
    assert (held["code"], "held" in held["message"]) == ("CONFLICT", True)
    async with db.session() as session:
        await session.exec(update(KitchenTicket).values(status="served"))
    served = (await gql(UNDO, {"id": steak}, staff=kitchen))["data"]["undoTicketLineBump"]
    assert (served["code"], "served" in served["message"]) == ("CONFLICT", True)
    async with db.session() as session:
        await session.exec(update(KitchenTicket).values(status="pending", dismissed_at=utcnow()))
    gone = (await gql(BUMP, {"id": steak}, staff=kitchen))["data"]["bumpTicketLine"]
    assert gone["code"] == "CONFLICT"
    missing = await gql(BUMP, {"id": gid("TicketLine", 99999)}, staff=kitchen)
    assert missing["data"]["bumpTicketLine"]["code"] == "NOT_FOUND"
    wrong = await gql(BUMP, {"id": gid("Order", 1)}, staff=kitchen)
    assert wrong["data"]["bumpTicketLine"]["code"] == "VALIDATION_ERROR"
    anonymous = await gql(BUMP, {"id": steak})
    assert anonymous["data"]["bumpTicketLine"]["code"] == "UNAUTHENTICATED"


async def test_concurrent_bumps_of_the_last_lines_make_it_ready_once(
    client, gql, server, kitchen, db
):
    dishes = [{"name": f"Dish {i}", "price": 10, "category": "Mains"} for i in range(6)]
    await _place(client, server, dishes)
    ticket = await kitchen_ticket(gql, kitchen)
    bodies = [{"query": BUMP, "variables": {"id": line["id"]}} for line in ticket["lines"]]
    responses = await asyncio.gather(
        *(client.post("/graphql", json=body, headers=kitchen.headers) for body in bodies)
    )
    kinds = Counter(r.json()["data"]["bumpTicketLine"]["__typename"] for r in responses)
    assert kinds == {"TicketLineBumpPayload": 6}
    async with db.session() as session:
        statuses = (await session.exec(select(TicketEvent.status))).all()
    # Only the kitchen ticket was moved: pending (fired), preparing once, ready once.
    assert Counter(statuses) == {"pending": 1, "preparing": 1, "ready": 1}
    assert (await kitchen_ticket(gql, kitchen))["status"] == "READY"
