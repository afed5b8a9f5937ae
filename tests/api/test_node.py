"""Global Object Identification: `node`/`nodes` read every entity type, with its query's rules."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from restaurant_api.users.models import Role
from tests.conftest import dbid, gid

ROLES = [None, Role.KITCHEN, Role.SERVER, Role.MANAGER, Role.ADMIN]
SIGNED_IN = {Role.KITCHEN, Role.SERVER, Role.MANAGER, Role.ADMIN}

# Per type: who may read it, and the root query whose rules `node` must apply.
RULES: dict[str, tuple[Any, str]] = {
    "MenuItem": ("public", "query($id: ID!) { x: menuItem(id: $id) { id } }"),
    "User": ({Role.ADMIN}, "query($id: ID!) { x: user(id: $id) { id } }"),
    "Table": (SIGNED_IN, "query($id: ID!) { x: table(id: $id) { id } }"),
    "Seat": (SIGNED_IN, "{ x: tables { id } }"),
    "Order": (SIGNED_IN, "query($id: ID!) { x: order(id: $id) { id } }"),
    "OrderLine": (SIGNED_IN, "query($id: ID!) { x: order(id: $id) { id } }"),
    "KitchenTicket": (SIGNED_IN, "{ x: kitchenTickets { id } }"),
    "TicketLine": (SIGNED_IN, "{ x: kitchenTickets { id } }"),
}

NODE = """
query($id: ID!) {
  node(id: $id) {
    __typename id
    ... on Order { databaseId version }
    ... on User { databaseId email }
    ... on MenuItem { databaseId name }
  }
}"""


async def _entities(client, gql, admin) -> dict[str, str]:
    """One global id of every entity type."""
    item = await client.post(
        "/api/menu",
        json={"name": "Soup", "price": 5, "category": "Starters"},
        headers=admin.headers,
    )
    table = await client.post(
        "/api/tables", json={"table_number": 7, "capacity": 2}, headers=admin.headers
    )
    assert table.status_code in (200, 201), table.text
    placed = await gql(
        """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
             ... on OrderPayload { order { id lines { id } table { id seats { id } }
               tickets { id lines { id } } } } } }""",
        {
            "input": {
                "lines": [{"menuItemId": gid("MenuItem", item.json()["id"])}],
                "tableId": gid("Table", table.json()["id"]),
            }
        },
        staff=admin,
    )
    order = placed["data"]["placeOrder"]["order"]
    return {
        "MenuItem": gid("MenuItem", item.json()["id"]),
        "User": gid("User", admin.user.id),
        "Table": order["table"]["id"],
        "Seat": order["table"]["seats"][0]["id"],
        "Order": order["id"],
        "OrderLine": order["lines"][0]["id"],
        "KitchenTicket": order["tickets"][0]["id"],
        "TicketLine": order["tickets"][0]["lines"][0]["id"],
    }


async def test_node_applies_the_rules_of_each_types_query(client, gql, admin, make_staff):
    ids = await _entities(client, gql, admin)
    staff = {role: await make_staff(role) for role in SIGNED_IN}
    checked = 0
    for type_name, (allowed, own_query) in RULES.items():
        for role in ROLES:
            caller = staff[role] if role else None
            result = await gql(NODE, {"id": ids[type_name]}, staff=caller)
            # Lines have no query of their own: they are read through their order.
            own_id = ids["Order"] if type_name == "OrderLine" else ids[type_name]
            own = await gql(own_query, {"id": own_id}, staff=caller)
            permitted = allowed == "public" or role in allowed
            context = (type_name, role, result)
            if permitted:
                assert "errors" not in result, context
                assert result["data"]["node"]["__typename"] == type_name, context
                assert result["data"]["node"]["id"] == ids[type_name], context
                assert "errors" not in own, (type_name, role, own)
            else:
                # Same answer as the type's own query: null, and the same error.
                assert result["data"] == {"node": None}, context
                assert [e["message"] for e in result["errors"]] == [
                    e["message"] for e in own["errors"]
                ], context
                assert [e["extensions"]["code"] for e in result["errors"]] == [
                    e["extensions"]["code"] for e in own["errors"]
                ], context
            checked += 1
    assert checked == len(RULES) * len(ROLES)


async def test_node_keeps_the_integer_and_refetches(client, gql, admin):
    ids = await _entities(client, gql, admin)
    order = (await gql(NODE, {"id": ids["Order"]}, staff=admin))["data"]["node"]
    assert order["databaseId"] == dbid(ids["Order"])
    rest = await client.get(f"/api/orders/{order['databaseId']}", headers=admin.headers)
    assert rest.json()["version"] == order["version"]
    item = (await gql(NODE, {"id": ids["MenuItem"]}))["data"]["node"]
    assert item == {
        "__typename": "MenuItem",
        "id": ids["MenuItem"],
        "databaseId": dbid(ids["MenuItem"]),
        "name": "Soup",
    }


@pytest.mark.parametrize(
    "bad_id",
    [
        "42",
        "not base64!",
        base64.b64encode(b"Order:abc").decode(),
        base64.b64encode(b"Order:0").decode(),
        base64.b64encode(b"Order:-1").decode(),
        base64.b64encode(b"Order:99999999999999").decode(),
        base64.b64encode(b"Nothing:1").decode(),
        base64.b64encode(b"Order: 1").decode(),
        "",
    ],
)
async def test_malformed_ids_are_validation_errors(gql, admin, bad_id):
    for query in (NODE, "query($id: ID!) { order(id: $id) { id } }"):
        result = await gql(query, {"id": bad_id}, staff=admin)
        [error] = result["errors"]
        assert error["extensions"]["code"] == "VALIDATION_ERROR", result
        assert error["message"] != "Unexpected error."
        assert list(result["data"].values()) == [None]


async def test_wrong_type_and_missing_ids(gql, admin):
    wrong = await gql(
        "query($id: ID!) { order(id: $id) { id } }", {"id": gid("Table", 1)}, staff=admin
    )
    assert wrong["data"] == {"order": None}
    assert (
        wrong["errors"][0]["message"] == "id: expected an id of type Order, got one of type Table"
    )
    assert wrong["errors"][0]["extensions"] == {"code": "VALIDATION_ERROR", "field": "id"}
    missing = await gql(NODE, {"id": gid("Order", 424242)}, staff=admin)
    assert missing == {"data": {"node": None}}


async def test_nodes_answers_in_order_with_errors_at_their_index(client, gql, admin, kitchen):
    ids = await _entities(client, gql, admin)
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"
    asked = [ids["Order"], "garbage", ids["User"], gid("Order", 424242), ids["MenuItem"]]
    result = await gql(query, {"ids": asked}, staff=kitchen)
    assert result["data"]["nodes"] == [
        {"__typename": "Order", "id": ids["Order"]},
        None,
        None,  # a User: admin only
        None,  # does not exist: no error
        {"__typename": "MenuItem", "id": ids["MenuItem"]},
    ]
    errors = {tuple(e["path"]): e["extensions"]["code"] for e in result["errors"]}
    assert errors == {("nodes", 1): "VALIDATION_ERROR", ("nodes", 2): "PERMISSION_DENIED"}
    too_many = await gql(query, {"ids": [ids["Order"]] * 101}, staff=kitchen)
    assert too_many["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"


async def test_nodes_reads_each_type_once(client, gql, admin, count_statements):
    ids = await _entities(client, gql, admin)
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    with count_statements() as one:
        await gql(query, {"ids": [ids["Order"]]}, staff=admin)
    orders = [gid("Order", dbid(ids["Order"]) + n) for n in range(20)]
    with count_statements() as many:
        result = await gql(query, {"ids": orders}, staff=admin)
    assert len(result["data"]["nodes"]) == 20
    assert many.count == one.count
