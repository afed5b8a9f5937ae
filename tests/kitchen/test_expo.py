"""The expo: orders with fired tickets, stations still working, ready for pickup once."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import update
from sqlmodel import col, select

from restaurant_api.db import utcnow
from restaurant_api.kitchen.models import KitchenTicket, KitchenTicketLine, TicketStatus
from tests.conftest import gid
from tests.factories import place_order as _place
from tests.kitchen.test_bumps import MOVE, STEAK, WINE

EXPO = """
query {
  expoOrders {
    orderId stationsWorking allStationsDone pickupReadyAt
    tickets { id station status pickupReadyAt }
    order { id }
  }
}"""

PICKUP = """
mutation($id: ID!) {
  markOrderReadyForPickup(orderId: $id) {
    __typename
    ... on ExpoOrderPayload {
      expoOrder { allStationsDone pickupReadyAt tickets { station pickupReadyAt } }
    }
    ... on Error { code message }
  }
}"""


async def move(gql, staff, ticket_id, *statuses):
    for status in statuses:
        result = await gql(MOVE, {"id": ticket_id, "status": status}, staff=staff)
        assert result["data"]["updateTicketStatus"]["__typename"] == "TicketPayload"


async def test_expo_waits_for_every_station_then_calls_pickup_once(client, gql, server, kitchen):
    order = await _place(client, server, [STEAK, WINE])
    order_id = gid("Order", order["id"])
    [shown] = (await gql(EXPO, staff=kitchen))["data"]["expoOrders"]
    assert shown["orderId"] == shown["order"]["id"] == order_id
    assert shown["stationsWorking"] == ["kitchen", "bar"]
    assert shown["allStationsDone"] is False
    kitchen_ticket, bar_ticket = (t["id"] for t in shown["tickets"])

    await move(gql, kitchen, kitchen_ticket, "PREPARING", "READY")
    refused = (await gql(PICKUP, {"id": order_id}, staff=kitchen))["data"]
    assert refused["markOrderReadyForPickup"]["code"] == "CONFLICT"
    assert "still working at bar" in refused["markOrderReadyForPickup"]["message"]
    [shown] = (await gql(EXPO, staff=kitchen))["data"]["expoOrders"]
    assert shown["stationsWorking"] == ["bar"]

    await move(gql, kitchen, bar_ticket, "PREPARING", "READY")
    called = (await gql(PICKUP, {"id": order_id}, staff=server))["data"]
    payload = called["markOrderReadyForPickup"]["expoOrder"]
    assert payload["allStationsDone"] is True
    assert payload["pickupReadyAt"] is not None
    assert {t["pickupReadyAt"] for t in payload["tickets"]} == {payload["pickupReadyAt"]}
    again = (await gql(PICKUP, {"id": order_id}, staff=server))["data"]
    assert (
        again["markOrderReadyForPickup"]["expoOrder"]["pickupReadyAt"] == payload["pickupReadyAt"]
    )

    await move(gql, kitchen, kitchen_ticket, "SERVED")
    await move(gql, kitchen, bar_ticket, "SERVED")
    assert (await gql(EXPO, staff=kitchen))["data"]["expoOrders"] == []  # all served: gone


async def test_held_void_and_dismissed_tickets_do_not_hold_the_pickup(
    client, gql, server, kitchen, db
):
    order = await _place(client, server, [STEAK, WINE])
    order_id = gid("Order", order["id"])
    async with db.session() as session:  # the bar's wine was removed: its ticket is void
        await session.exec(
            update(KitchenTicketLine)
            .where(col(KitchenTicketLine.name) == "Wine")
            .values(voided_at=utcnow(), void_reason="removed")
        )
    [shown] = (await gql(EXPO, staff=kitchen))["data"]["expoOrders"]
    assert shown["stationsWorking"] == ["kitchen"]
    kitchen_ticket = shown["tickets"][0]["id"]
    await move(gql, kitchen, kitchen_ticket, "PREPARING", "READY")
    async with db.session() as session:  # a later course, still held
        kitchen_row = (
            await session.exec(select(KitchenTicket).where(KitchenTicket.station == "kitchen"))
        ).one()
        session.add(
            KitchenTicket(
                order_id=order["id"],
                station="pastry",
                station_id=kitchen_row.station_id,
                course=3,
                status=TicketStatus.HELD,
            )
        )
    called = (await gql(PICKUP, {"id": order_id}, staff=kitchen))["data"]
    tickets = called["markOrderReadyForPickup"]["expoOrder"]["tickets"]
    assert [(t["station"], t["pickupReadyAt"] is not None) for t in tickets] == [
        ("kitchen", True),
        ("bar", False),  # void: nothing to pick up
        ("pastry", False),  # held: not fired
    ]


async def test_pickup_errors(client, gql, server, kitchen, db):
    order = await _place(client, server, [STEAK])
    missing = await gql(PICKUP, {"id": gid("Order", 99999)}, staff=kitchen)
    assert missing["data"]["markOrderReadyForPickup"]["code"] == "NOT_FOUND"
    async with db.session() as session:
        await session.exec(update(KitchenTicket).values(status="held"))
    held = await gql(PICKUP, {"id": gid("Order", order["id"])}, staff=kitchen)
    assert held["data"]["markOrderReadyForPickup"]["code"] == "CONFLICT"
    assert (await gql(EXPO, staff=kitchen))["data"]["expoOrders"] == []  # nothing fired
    anonymous = await gql(EXPO)
    assert anonymous["data"] == {"expoOrders": None}
    bad = await gql("query { expoOrders(first: 500) { orderId } }", staff=kitchen)
    assert bad["errors"]


async def test_concurrent_pickup_calls_stamp_once(client, gql, server, kitchen, db):
    order = await _place(client, server, [STEAK, WINE])
    async with db.session() as session:
        await session.exec(update(KitchenTicket).values(status="ready", ready_at=utcnow()))
    body = {"query": PICKUP, "variables": {"id": gid("Order", order["id"])}}
    responses = await asyncio.gather(
        *(client.post("/graphql", json=body, headers=kitchen.headers) for _ in range(5))
    )
    results = [r.json()["data"]["markOrderReadyForPickup"] for r in responses]
    assert Counter(r["__typename"] for r in results) == {"ExpoOrderPayload": 5}
    assert len({r["expoOrder"]["pickupReadyAt"] for r in results}) == 1
