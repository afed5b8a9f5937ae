"""The live kitchen screen filters on configured stations: a new station's screen sees its
tickets (name case ignored); an unknown name is a typed error on field station."""

from __future__ import annotations

from restaurant_api.kitchen.models import TicketStatus
from tests.conftest import gid
from tests.live.conftest import KITCHEN_QUERY, make_ticket, open_socket
from tests.live.test_subscriptions import set_ticket_status

CREATE = """
mutation { createKitchenStation(input: {name: "Grill"}) {
  ... on KitchenStationPayload { station { id } } } }"""


async def test_new_station_screen_and_unknown_station(live_server, db, gql, manager, kitchen):
    made = await gql(CREATE, staff=manager)
    assert made["data"]["createKitchenStation"]["station"]["id"]
    grill = await make_ticket(db, station="Grill")
    await make_ticket(db, station="kitchen")
    socket = await open_socket(live_server, token=kitchen.token)
    await socket.subscribe(KITCHEN_QUERY, {"station": " GRILL "})
    snapshot = (await socket.next_data())["kitchenTickets"]
    assert [t["id"] for t in snapshot["tickets"]] == [gid("KitchenTicket", grill.id)]

    await socket.subscribe(KITCHEN_QUERY, {"station": "fry"})
    message = await socket.receive()
    assert message["type"] in ("error", "next"), message
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"] == {"code": "VALIDATION_ERROR", "field": "station"}
    assert errors[0]["message"] == ("Unknown station 'fry'; use one of kitchen, bar, pastry, Grill")
    await socket.connection.close()


RENAME = """
mutation($id: ID!) { updateKitchenStation(id: $id, input: {name: "Bar Two"}) {
  ... on KitchenStationPayload { station { name } } } }"""


async def test_a_screen_follows_its_station_through_a_rename(
    live_server, db, gql, manager, kitchen
):
    ticket = await make_ticket(db, station="bar")
    socket = await open_socket(live_server, token=kitchen.token)
    await socket.subscribe(KITCHEN_QUERY, {"station": "bar"})
    snapshot = (await socket.next_data())["kitchenTickets"]
    assert [t["station"] for t in snapshot["tickets"]] == ["bar"]
    renamed = await gql(RENAME, {"id": gid("KitchenStation", ticket.station_id)}, staff=manager)
    assert renamed["data"]["updateKitchenStation"]["station"]["name"] == "Bar Two"
    # The rename itself reaches the screen (its ticket shows the new name)...
    change = (await socket.next_data())["kitchenTickets"]
    assert [t["station"] for t in change["tickets"]] == ["Bar Two"]
    # ...and so does the next change of its tickets: events carry the station's id.
    await set_ticket_status(db, ticket.id, TicketStatus.PREPARING)
    change = (await socket.next_data())["kitchenTickets"]
    assert [(t["station"], t["status"]) for t in change["tickets"]] == [("Bar Two", "PREPARING")]
    await socket.connection.close()
