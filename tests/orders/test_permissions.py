"""Who may do what, for every menu, order and kitchen operation, over REST and GraphQL.

kitchen: reads orders and tickets, moves and dismisses tickets.
server: also places, edits and closes orders.
manager, admin: also edit the menu, cancel and delete orders.
Anyone (even signed out) reads the menu.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from restaurant_api.users.models import Role
from tests.conftest import gid

ALL = {Role.ADMIN, Role.MANAGER, Role.SERVER, Role.KITCHEN}
FLOOR = {Role.ADMIN, Role.MANAGER, Role.SERVER}
MANAGERS = {Role.ADMIN, Role.MANAGER}
PUBLIC = "public"


@dataclass
class Fixture:
    menu_item_id: int
    order_id: int
    ticket_id: int


async def _setup(client, admin, counter=[0]) -> Fixture:  # noqa: B006 (unique names per call)
    counter[0] += 1
    item = await client.post(
        "/api/menu",
        json={"name": f"Dish {counter[0]}", "price": 5, "category": "Mains"},
        headers=admin.headers,
    )
    order = await client.post(
        "/api/orders",
        json={"order": [{"menu_item_id": item.json()["id"]}]},
        headers=admin.headers,
    )
    tickets = await client.get("/api/kitchen/orders", headers=admin.headers)
    ticket = next(t for t in tickets.json() if t["order_id"] == order.json()["id"])
    return Fixture(item.json()["id"], order.json()["id"], ticket["id"])


REST: dict[str, tuple[Any, ...]] = {
    # name: (allowed roles, method, path template, json body, success status)
    "menu list": (PUBLIC, "GET", "/api/menu", None, 200),
    "menu get": (PUBLIC, "GET", "/api/menu/{menu_item_id}", None, 200),
    "menu create": (MANAGERS, "POST", "/api/menu", "new-item", 201),
    "menu update": (MANAGERS, "PUT", "/api/menu/{menu_item_id}", {"price": 6}, 200),
    "menu delete": (MANAGERS, "DELETE", "/api/menu/{menu_item_id}", None, 200),
    "orders list": (ALL, "GET", "/api/orders", None, 200),
    "orders get": (ALL, "GET", "/api/orders/{order_id}", None, 200),
    "orders place": (
        FLOOR,
        "POST",
        "/api/orders",
        {"order": [{"name": "Tea", "price": 2, "category": "Drinks"}]},
        200,
    ),
    "orders update": (FLOOR, "PUT", "/api/orders/{order_id}", {"customer_count": 2}, 200),
    "orders close": (
        FLOOR,
        "POST",
        "/api/orders/{order_id}/close",
        {"payment_method": "cash"},
        200,
    ),
    "orders cancel": (
        MANAGERS,
        "POST",
        "/api/orders/{order_id}/cancel",
        {"reason": "test"},
        200,
    ),
    "orders delete": (MANAGERS, "DELETE", "/api/orders/{order_id}", None, 200),
    "kitchen list": (ALL, "GET", "/api/kitchen/orders", None, 200),
    "kitchen move": (
        ALL,
        "PUT",
        "/api/kitchen/orders/{order_id}",
        {"status": "preparing"},
        200,
    ),
    "kitchen remove": (ALL, "DELETE", "/api/kitchen/orders/{order_id}", None, 200),
}


@pytest.mark.parametrize("operation", list(REST))
async def test_rest_permission_matrix(client, admin, make_staff, operation):
    allowed, method, template, body, success = REST[operation]
    staff = {role: await make_staff(role) for role in Role}
    callers = [None, *Role]
    for number, role in enumerate(callers):
        fixture = await _setup(client, admin)
        json_body = body
        if body == "new-item":
            json_body = {"name": f"New {number}", "price": 3, "category": "Mains"}
        headers = staff[role].headers if role else {}
        response = await client.request(
            method, template.format(**vars(fixture)), json=json_body, headers=headers
        )
        if allowed == PUBLIC or (role is not None and role in allowed):
            expected = success
        else:
            expected = 401 if role is None else 403
        assert response.status_code == expected, (operation, role, response.text)
        if expected == 403:
            assert response.json() == {"detail": "Not enough permissions"}


GRAPHQL: dict[str, tuple[Any, str, str]] = {
    # name: (allowed roles, document, field)
    "menu": (PUBLIC, "{ menu { id } }", "menu"),
    "menuItem": (PUBLIC, "query($m: ID!) { menuItem(id: $m) { id } }", "menuItem"),
    "createMenuItem": (
        MANAGERS,
        'mutation($n: String!) { createMenuItem(input: {name: $n, price: "1", category: "X"})'
        " { __typename } }",
        "createMenuItem",
    ),
    "updateMenuItem": (
        MANAGERS,
        'mutation($m: ID!) { updateMenuItem(id: $m, input: {price: "2"}) { __typename } }',
        "updateMenuItem",
    ),
    "deleteMenuItem": (
        MANAGERS,
        "mutation($m: ID!) { deleteMenuItem(id: $m) { __typename } }",
        "deleteMenuItem",
    ),
    "order": (ALL, "query($o: ID!) { order(id: $o) { id } }", "order"),
    "orders": (ALL, "{ orders { edges { node { id } } } }", "orders"),
    "kitchenTickets": (ALL, "{ kitchenTickets { id } }", "kitchenTickets"),
    "placeOrder": (
        FLOOR,
        'mutation { placeOrder(input: {lines: [{name: "Tea", price: "2", category: "Drinks"}]})'
        " { __typename } }",
        "placeOrder",
    ),
    "updateOrder": (
        FLOOR,
        "mutation($o: ID!) { updateOrder(orderId: $o, input: {customerCount: 2}) { __typename } }",
        "updateOrder",
    ),
    "closeOrder": (
        FLOOR,
        'mutation($o: ID!) { closeOrder(orderId: $o, paymentMethod: "cash") { __typename } }',
        "closeOrder",
    ),
    "cancelOrder": (
        MANAGERS,
        'mutation($o: ID!) { cancelOrder(orderId: $o, reason: "x") { __typename } }',
        "cancelOrder",
    ),
    "deleteOrder": (
        MANAGERS,
        "mutation($o: ID!) { deleteOrder(orderId: $o) { __typename } }",
        "deleteOrder",
    ),
    "updateTicketStatus": (
        ALL,
        "mutation($t: ID!) { updateTicketStatus(ticketId: $t, status: PREPARING) { __typename } }",
        "updateTicketStatus",
    ),
    "updateOrderTicketsStatus": (
        ALL,
        "mutation($o: ID!) { updateOrderTicketsStatus(orderId: $o, status: PREPARING)"
        " { __typename } }",
        "updateOrderTicketsStatus",
    ),
    "removeOrderTickets": (
        ALL,
        "mutation($o: ID!) { removeOrderTickets(orderId: $o) { __typename } }",
        "removeOrderTickets",
    ),
    "removeTicket": (
        ALL,
        "mutation($t: ID!) { removeTicket(ticketId: $t) { __typename } }",
        "removeTicket",
    ),
}

SUCCESS_TYPES = {
    "MenuItemPayload",
    "DeleteMenuItemPayload",
    "OrderPayload",
    "DeleteOrderPayload",
    "TicketPayload",
    "TicketsPayload",
}


@pytest.mark.parametrize("operation", list(GRAPHQL))
async def test_graphql_permission_matrix(client, gql, admin, make_staff, operation):
    allowed, document, field = GRAPHQL[operation]
    staff = {role: await make_staff(role) for role in Role}
    for number, role in enumerate([None, *Role]):
        fixture = await _setup(client, admin)
        variables = {
            "m": gid("MenuItem", fixture.menu_item_id),
            "o": gid("Order", fixture.order_id),
            "t": gid("KitchenTicket", fixture.ticket_id),
            "n": f"Created {number}",
        }
        used = {k: v for k, v in variables.items() if f"${k}" in document}
        result = await gql(document, used, staff=staff[role] if role else None)
        permitted = allowed == PUBLIC or (role is not None and role in allowed)
        is_mutation = document.startswith("mutation")
        if is_mutation:
            typename = result["data"][field]["__typename"]
            if permitted:
                assert typename in SUCCESS_TYPES, (operation, role, result)
            else:
                expected = "AuthenticationError" if role is None else "PermissionDeniedError"
                assert typename == expected, (operation, role, result)
        elif permitted:
            assert "errors" not in result, (operation, role, result)
        else:
            assert result["errors"][0]["message"] in ("Not authenticated", "Not enough permissions")
