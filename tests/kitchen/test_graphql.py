"""Kitchen tickets over GraphQL: filters, transitions with a timeline, removal."""

from __future__ import annotations

from tests.conftest import gid
from tests.factories import place_order as _place

TICKETS = """
query($status: TicketStatus, $station: String) {
  kitchenTickets(status: $status, station: $station) {
    id station status fireNumber lines { name } order { id total { amount } }
  }
}"""

MOVE = """
mutation($id: ID!, $status: TicketStatus!) {
  updateTicketStatus(ticketId: $id, status: $status) {
    __typename
    ... on TicketPayload {
      ticket { status timeline { edges { node { status actorId at } } } }
    }
    ... on Error { code message }
  }
}"""

REMOVE = """
mutation($id: ID!) {
  removeTicket(ticketId: $id) {
    __typename ... on TicketPayload { ticket { dismissedAt } } ... on Error { code }
  }
}"""


async def test_filters_and_order(client, gql, server, kitchen):
    first = await _place(
        client,
        server,
        [
            {"name": "Steak", "price": 20, "category": "Mains"},
            {"name": "Wine", "price": 7, "category": "Drinks"},
        ],
    )
    second = await _place(client, server, [{"name": "Pie", "price": 5, "category": "Desserts"}])
    everything = (await gql(TICKETS, staff=kitchen))["data"]["kitchenTickets"]
    assert [(t["order"]["id"], t["station"]) for t in everything] == [
        (gid("Order", first["id"]), "kitchen"),
        (gid("Order", first["id"]), "bar"),
        (gid("Order", second["id"]), "pastry"),
    ]
    bar = (await gql(TICKETS, {"station": "bar"}, staff=kitchen))["data"]["kitchenTickets"]
    assert [t["lines"] for t in bar] == [[{"name": "Wine"}]]
    await gql(MOVE, {"id": everything[0]["id"], "status": "PREPARING"}, staff=kitchen)
    preparing = await gql(TICKETS, {"status": "PREPARING"}, staff=kitchen)
    assert [t["id"] for t in preparing["data"]["kitchenTickets"]] == [everything[0]["id"]]
    bad = await gql(TICKETS, {"status": "COOKING"}, staff=kitchen)
    assert "errors" in bad
    grill = await gql(TICKETS, {"station": "grill"}, staff=kitchen)
    assert grill["data"] == {"kitchenTickets": None}
    [error] = grill["errors"]
    assert error["extensions"] == {"code": "VALIDATION_ERROR", "field": "station"}
    assert "kitchen, bar, pastry" in error["message"]


async def test_transitions_timeline_and_removal(client, gql, server, kitchen):
    await _place(client, server, [{"name": "Steak", "price": 20, "category": "Mains"}])
    [ticket] = (await gql(TICKETS, staff=kitchen))["data"]["kitchenTickets"]
    ticket_id = ticket["id"]
    steps = [
        ("PREPARING", "TicketPayload"),
        ("PREPARING", "TicketPayload"),  # no-op
        ("SERVED", "ConflictError"),
        ("PENDING", "TicketPayload"),  # recall
        ("PREPARING", "TicketPayload"),
        ("READY", "TicketPayload"),
    ]
    for status, typename in steps:
        result = (await gql(MOVE, {"id": ticket_id, "status": status}, staff=kitchen))["data"]
        assert result["updateTicketStatus"]["__typename"] == typename, (status, result)
    edges = result["updateTicketStatus"]["ticket"]["timeline"]["edges"]
    timeline = [edge["node"] for edge in edges]
    assert [event["status"] for event in timeline] == [
        "PENDING",
        "PREPARING",
        "PENDING",
        "PREPARING",
        "READY",
    ]
    assert timeline[-1]["actorId"] == gid("User", kitchen.user.id)
    conflict = await gql(MOVE, {"id": ticket_id, "status": "PENDING"}, staff=kitchen)
    assert conflict["data"]["updateTicketStatus"]["code"] == "INVALID_TRANSITION"
    removed = await gql(REMOVE, {"id": ticket_id}, staff=kitchen)
    assert removed["data"]["removeTicket"]["ticket"]["dismissedAt"]
    assert (await gql(TICKETS, staff=kitchen))["data"]["kitchenTickets"] == []
    again = await gql(REMOVE, {"id": ticket_id}, staff=kitchen)
    assert again["data"]["removeTicket"]["code"] == "NOT_FOUND"
    missing = await gql(MOVE, {"id": gid("KitchenTicket", 999), "status": "READY"}, staff=kitchen)
    assert missing["data"]["updateTicketStatus"]["code"] == "NOT_FOUND"


async def test_order_level_ticket_mutations(client, gql, server, kitchen):
    order = await _place(
        client,
        server,
        [
            {"name": "Steak", "price": 20, "category": "Mains"},
            {"name": "Wine", "price": 7, "category": "Drinks"},
        ],
    )
    move = """
    mutation($id: ID!, $status: TicketStatus!) {
      updateOrderTicketsStatus(orderId: $id, status: $status) {
        __typename ... on TicketsPayload { tickets { station status } } ... on Error { code }
      }
    }"""
    moved = await gql(move, {"id": gid("Order", order["id"]), "status": "PREPARING"}, staff=kitchen)
    tickets = moved["data"]["updateOrderTicketsStatus"]["tickets"]
    assert tickets == [
        {"station": "kitchen", "status": "PREPARING"},
        {"station": "bar", "status": "PREPARING"},
    ]
    skip = await gql(move, {"id": gid("Order", order["id"]), "status": "SERVED"}, staff=kitchen)
    assert skip["data"]["updateOrderTicketsStatus"]["code"] == "INVALID_TRANSITION"
    remove = """
    mutation($id: ID!) {
      removeOrderTickets(orderId: $id) {
        __typename ... on TicketsPayload { tickets { dismissedAt } } ... on Error { code }
      }
    }"""
    removed = await gql(remove, {"id": gid("Order", order["id"])}, staff=kitchen)
    assert all(t["dismissedAt"] for t in removed["data"]["removeOrderTickets"]["tickets"])
    again = await gql(remove, {"id": gid("Order", order["id"])}, staff=kitchen)
    assert again["data"]["removeOrderTickets"]["code"] == "NOT_FOUND"


HISTORY = """
query($first: Int!, $after: String, $station: String) {
  kitchenTicketHistory(first: $first, after: $after, station: $station) {
    edges { cursor node { id station status timeline(first: 2) {
      edges { cursor node { status } } pageInfo { hasNextPage endCursor } } } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}"""


async def test_ticket_history_and_timeline_are_connections(client, gql, server, kitchen):
    for dish in ("Steak", "Soup", "Fish"):
        await _place(client, server, [{"name": dish, "price": 9, "category": "Mains"}])
    await _place(client, server, [{"name": "Wine", "price": 7, "category": "Drinks"}])
    first_page = (await gql(HISTORY, {"first": 2}, staff=kitchen))["data"]
    page = first_page["kitchenTicketHistory"]
    assert [e["node"]["station"] for e in page["edges"]] == ["bar", "kitchen"]  # newest first
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await gql(HISTORY, {"first": 10, "after": page["pageInfo"]["endCursor"]}, staff=kitchen)
    rest_page = rest["data"]["kitchenTicketHistory"]
    assert len(rest_page["edges"]) == 2 and rest_page["pageInfo"]["hasNextPage"] is False
    assert rest_page["pageInfo"]["hasPreviousPage"] is True
    bar = await gql(HISTORY, {"first": 10, "station": "bar"}, staff=kitchen)
    assert len(bar["data"]["kitchenTicketHistory"]["edges"]) == 1

    ticket = page["edges"][1]["node"]
    for status in ("PREPARING", "READY", "SERVED"):
        await gql(MOVE, {"id": ticket["id"], "status": status}, staff=kitchen)
    again = (await gql(HISTORY, {"first": 2}, staff=kitchen))["data"]["kitchenTicketHistory"]
    served = again["edges"][1]["node"]
    assert served["status"] == "SERVED"  # history keeps served tickets
    timeline = served["timeline"]
    assert [e["node"]["status"] for e in timeline["edges"]] == ["PENDING", "PREPARING"]
    assert timeline["pageInfo"]["hasNextPage"] is True
    node = await gql(
        """query($id: ID!, $after: String) { node(id: $id) { ... on KitchenTicket {
             timeline(first: 10, after: $after) { edges { node { status } } } } } }""",
        {"id": served["id"], "after": timeline["pageInfo"]["endCursor"]},
        staff=kitchen,
    )
    later = node["data"]["node"]["timeline"]["edges"]
    assert [e["node"]["status"] for e in later] == ["READY", "SERVED"]
    for bad in ({"first": 0}, {"first": 101}, {"first": 5, "after": "x"}):
        result = await gql(HISTORY, bad, staff=kitchen)
        assert result["data"] == {"kitchenTicketHistory": None}
        assert result["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"
