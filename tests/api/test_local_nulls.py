"""A root field that fails on its own answers null with its error; its siblings still answer."""

from __future__ import annotations

from tests.conftest import gid


async def test_menu_and_me_without_a_token(gql, client, manager):
    await client.post(
        "/api/menu",
        json={"name": "Soup", "price": 5, "category": "Starters"},
        headers=manager.headers,
    )
    result = await gql("{ menu { name } me { email } }")
    assert result["data"] == {"menu": [{"name": "Soup"}], "me": None}
    [error] = result["errors"]
    assert error["path"] == ["me"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_failing_root_fields_do_not_null_their_siblings(gql, server):
    document = """query($table: ID!, $bad: ID!) {
      menu { name }
      badMenu: menu(first: 0) { name }
      users { edges { cursor } }
      invitations { id }
      orders(first: 0) { edges { cursor } }
      splitPreview(tableId: $table, split: {mode: EVEN, ways: 2}) { orderId }
      order(id: $bad) { id }
      kitchenTickets(station: "grill") { id }
      me { role }
    }"""
    result = await gql(document, {"table": gid("Table", 999), "bad": "x"}, staff=server)
    assert result["data"] == {
        "menu": [],
        "badMenu": None,
        "users": None,
        "invitations": None,
        "orders": None,
        "splitPreview": None,
        "order": None,
        "kitchenTickets": None,
        "me": {"role": "SERVER"},
    }
    codes = {error["path"][0]: error["extensions"]["code"] for error in result["errors"]}
    assert codes == {
        "badMenu": "VALIDATION_ERROR",
        "users": "PERMISSION_DENIED",
        "invitations": "PERMISSION_DENIED",
        "orders": "VALIDATION_ERROR",
        "splitPreview": "NOT_FOUND",
        "order": "VALIDATION_ERROR",
        "kitchenTickets": "VALIDATION_ERROR",
    }
