"""Modifier options on order lines: chosen and checked when placing, priced into the line,
copied onto it, and shown to the kitchen by their kitchen names (REST and GraphQL)."""

from __future__ import annotations

from typing import Any

import pytest

from restaurant_api.limits import MAX_OPTIONS_PER_LINE
from tests.conftest import gid
from tests.factories import Opt, place_order

PLACE = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  __typename
  ... on OrderPayload { order { id total { amount } lines {
      name unitPrice { amount } lineTotal { amount }
      options { optionId group name kitchenName priceDelta { amount cents } } }
    tickets { lines { name options note } } } }
  ... on Error { code message }
  ... on ValidationError { field }
} }"""


@pytest.fixture
async def burger(add_menu_item: Any, add_modifier_group: Any) -> dict[str, Any]:
    """A burger offering Temperature (exactly one, default Medium; Rare 86'd) and Extras
    (up to three: bacon +2.00, cheese +1.00, no cheese -0.50); fries offering Salt."""
    item = await add_menu_item("Burger", "12.00", "Mains")
    fries = await add_menu_item("Fries", "4.00", "Sides")
    _, temperature = await add_modifier_group(
        "Temperature",
        [
            Opt("Rare", kitchen_name="RARE", available=False),
            Opt("Medium rare", kitchen_name="MED RARE"),
            Opt("Medium", kitchen_name="MED", default=True),
        ],
        1,
        1,
        items=(item.id,),
    )
    _, extras = await add_modifier_group(
        "Extras",
        [
            Opt("Bacon", 200, "+BACON"),
            Opt("Cheese", 100, "+CHEESE"),
            Opt("No cheese", -50, "NO CHEESE"),
            Opt("Onions", 0, "+ONIONS"),
        ],
        0,
        3,
        items=(item.id,),
    )
    _, salt = await add_modifier_group("Salt", [Opt("Extra salt", 0, "SALT+")], items=(fries.id,))
    ids = {o.name: o.id for o in [*temperature, *extras, *salt]}
    return {"id": item.id, "fries": fries.id, "options": ids}


def _ids(burger: dict[str, Any], *names: str) -> list[int]:
    return [burger["options"][name] for name in names]


async def _rest_error(client: Any, server: Any, item: dict[str, Any]) -> tuple[int, str]:
    response = await client.post("/api/orders", json={"order": [item]}, headers=server.headers)
    return response.status_code, response.json()["detail"]


async def test_defaults_apply_when_options_are_omitted(client, server, burger):
    order = await place_order(client, server, [{"menu_item_id": burger["id"]}])
    (line,) = order["order"]
    assert line["price"] == 12.0 and order["total"] == 12.0
    assert line["options"] == [
        {
            "id": burger["options"]["Medium"],
            "group": "Temperature",
            "name": "Medium",
            "kitchen_name": "MED",
            "price_delta": 0.0,
        }
    ]
    # An explicit list is exactly the choice: no default is added to it.
    chosen = await place_order(
        client, server, [{"menu_item_id": burger["id"], "options": _ids(burger, "Medium rare")}]
    )
    assert [o["name"] for o in chosen["order"][0]["options"]] == ["Medium rare"]


async def test_unit_price_includes_deltas_and_shows_a_credit(client, server, burger):
    options = _ids(burger, "No cheese", "Bacon", "Medium rare")
    order = await place_order(
        client, server, [{"menu_item_id": burger["id"], "quantity": 2, "options": options}]
    )
    (line,) = order["order"]
    # 12.00 + 2.00 - 0.50 = 13.50 a burger; two of them.
    assert line["price"] == 13.5
    assert line["line_total"] == 27.0
    assert order["total"] == 27.0
    # In menu order (group position, then option order), each with its delta.
    assert [(o["group"], o["name"], o["price_delta"]) for o in line["options"]] == [
        ("Temperature", "Medium rare", 0.0),
        ("Extras", "Bacon", 2.0),
        ("Extras", "No cheese", -0.5),
    ]
    fetched = await client.get(f"/api/orders/{order['id']}", headers=server.headers)
    assert fetched.json()["order"][0]["options"] == line["options"]
    listed = await client.get("/api/orders", headers=server.headers)
    assert listed.json()[0]["order"][0]["options"] == line["options"]


async def test_a_required_group_missing_is_refused(client, server, burger, gql):
    status, detail = await _rest_error(
        client, server, {"menu_item_id": burger["id"], "options": _ids(burger, "Bacon")}
    )
    assert status == 422
    assert detail == "Burger (line 0): choose 1 option from Temperature"

    body = await gql(
        PLACE,
        {
            "input": {
                "lines": [
                    {"menuItemId": gid("MenuItem", burger["fries"])},
                    {"menuItemId": gid("MenuItem", burger["id"]), "options": []},
                ]
            }
        },
        staff=server,
    )
    result = body["data"]["placeOrder"]
    assert result["__typename"] == "ValidationError"
    assert result["field"] == "lines.1.options"
    assert result["message"] == "Burger (line 1): choose 1 option from Temperature"


async def test_too_many_options_are_refused(client, server, burger):
    options = _ids(burger, "Medium", "Bacon", "Cheese", "No cheese", "Onions")
    status, detail = await _rest_error(
        client, server, {"menu_item_id": burger["id"], "options": options}
    )
    assert (status, detail) == (422, "Burger (line 0): choose at most 3 options from Extras")
    two_temperatures = _ids(burger, "Medium", "Medium rare")
    status, detail = await _rest_error(
        client, server, {"menu_item_id": burger["id"], "options": two_temperatures}
    )
    assert (status, detail) == (422, "Burger (line 0): choose 1 option from Temperature")
    twice = _ids(burger, "Medium", "Bacon", "Bacon")
    status, detail = await _rest_error(
        client, server, {"menu_item_id": burger["id"], "options": twice}
    )
    assert (status, detail) == (422, "Burger (line 0): an option is chosen twice")
    # Over the per-line bound: refused before any work.
    response = await client.post(
        "/api/orders",
        json={"order": [{"menu_item_id": burger["id"], "options": [1] * 21}]},
        headers=server.headers,
    )
    assert response.status_code == 422
    assert MAX_OPTIONS_PER_LINE == 20


async def test_an_86d_option_is_refused(client, server, burger, gql):
    status, detail = await _rest_error(
        client, server, {"menu_item_id": burger["id"], "options": _ids(burger, "Rare")}
    )
    assert (status, detail) == (422, "Burger (line 0): Rare (Temperature) is not available")
    body = await gql(
        PLACE,
        {
            "input": {
                "lines": [
                    {
                        "menuItemId": gid("MenuItem", burger["id"]),
                        "options": [gid("ModifierOption", burger["options"]["Rare"])],
                    }
                ]
            }
        },
        staff=server,
    )
    assert body["data"]["placeOrder"]["field"] == "lines.0.options"


async def test_an_option_of_another_item_is_refused(client, server, burger, gql):
    salt = burger["options"]["Extra salt"]
    status, detail = await _rest_error(
        client,
        server,
        {"menu_item_id": burger["id"], "options": [burger["options"]["Medium"], salt]},
    )
    assert (status, detail) == (422, f"Burger (line 0): option {salt} is not offered on this item")
    # An open item has no options; a bad global id is refused with its input path.
    status, detail = await _rest_error(
        client, server, {"name": "Special", "price": 5, "category": "Mains", "options": [salt]}
    )
    assert (status, detail) == (422, "Only a menu item has options")
    body = await gql(
        PLACE,
        {"input": {"lines": [{"menuItemId": gid("MenuItem", burger["id"]), "options": ["x"]}]}},
        staff=server,
    )
    assert body["data"]["placeOrder"]["field"] == "lines.0.options.0"
    # Nothing was placed by any of these.
    assert (await client.get("/api/orders", headers=server.headers)).json() == []


async def test_updating_an_order_checks_and_keeps_options(client, server, gql, burger):
    item = {"menu_item_id": burger["id"], "options": _ids(burger, "Medium", "Bacon")}
    order = await place_order(client, server, [item])
    line_id = order["order"][0]["id"]
    # Resent unchanged, with or without its options, the line stays (same id, not re-fired).
    for resent in (item, {"menu_item_id": burger["id"]}):
        response = await client.put(
            f"/api/orders/{order['id']}", json={"order": [resent]}, headers=server.headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["order"][0]["id"] == line_id
        assert response.json()["order"][0]["price"] == 14.0
    # Other options: a new line, checked like a placed one.
    bad = {"menu_item_id": burger["id"], "options": _ids(burger, "Bacon")}
    response = await client.put(
        f"/api/orders/{order['id']}", json={"order": [bad]}, headers=server.headers
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "Burger (line 0): choose 1 option from Temperature"
    other = {"menu_item_id": burger["id"], "options": _ids(burger, "Medium", "Cheese")}
    response = await client.put(
        f"/api/orders/{order['id']}", json={"order": [other]}, headers=server.headers
    )
    (line,) = response.json()["order"]
    assert line["id"] != line_id and line["price"] == 13.0
    # GraphQL's added lines are checked the same way, with their input path.
    body = await gql(
        """mutation($id: ID!, $input: UpdateOrderInput!) {
          updateOrder(orderId: $id, input: $input) {
            __typename ... on ValidationError { field message } } }""",
        {
            "id": gid("Order", order["id"]),
            "input": {
                "addLines": [
                    {
                        "menuItemId": gid("MenuItem", burger["id"]),
                        "options": [gid("ModifierOption", burger["options"]["Rare"])],
                    }
                ]
            },
        },
        staff=server,
    )
    assert body["data"]["updateOrder"] == {
        "__typename": "ValidationError",
        "field": "addLines.0.options",
        "message": "Burger (line 0): Rare (Temperature) is not available",
    }


async def test_kitchen_tickets_show_kitchen_names_and_notes(gql, server, client, kitchen, burger):
    options = [gid("ModifierOption", burger["options"][name]) for name in ("Medium rare", "Bacon")]
    body = await gql(
        PLACE,
        {
            "input": {
                "lines": [
                    {
                        "menuItemId": gid("MenuItem", burger["id"]),
                        "options": options,
                        "note": "cut in half",
                    },
                    {"menuItemId": gid("MenuItem", burger["fries"])},
                ]
            }
        },
        staff=server,
    )
    order = body["data"]["placeOrder"]["order"]
    burger_line = order["lines"][0]
    assert burger_line["unitPrice"] == {"amount": "14.00"}
    assert burger_line["options"] == [
        {
            "optionId": options[0],
            "group": "Temperature",
            "name": "Medium rare",
            "kitchenName": "MED RARE",
            "priceDelta": {"amount": "0.00", "cents": 0},
        },
        {
            "optionId": options[1],
            "group": "Extras",
            "name": "Bacon",
            "kitchenName": "+BACON",
            "priceDelta": {"amount": "2.00", "cents": 200},
        },
    ]
    assert order["lines"][1]["options"] == []  # Salt has no default
    ticket_lines = [line for ticket in order["tickets"] for line in ticket["lines"]]
    assert {"name": "Burger", "options": ["MED RARE", "+BACON"], "note": "cut in half"} in (
        ticket_lines
    )
    assert {"name": "Fries", "options": [], "note": None} in ticket_lines

    response = await client.get("/api/kitchen/orders", headers=kitchen.headers)
    items = [item for ticket in response.json() for item in ticket["order_items"]]
    burger_item = next(item for item in items if item["name"] == "Burger")
    assert burger_item["options"] == ["MED RARE", "+BACON"]
    assert burger_item["note"] == "cut in half"
    assert burger_item["price"] == 14.0


async def test_compiled_plans_answer_options_as_the_executor(
    app, db, client, server, burger, add_modifier_group
):
    """Plans read OrderLine.options, TicketLine.options and MenuItem.modifierGroups; the
    root list of groups falls back to the executor. Either way the answer is the executor's."""
    from restaurant_api.schema import build_schema
    from tests.api.test_plans import answer

    options = _ids(burger, "Medium rare", "Bacon", "No cheese")
    order = await place_order(client, server, [{"menu_item_id": burger["id"], "options": options}])
    # A group shared by two items.
    await add_modifier_group(
        "Sauce", [Opt("Mayo"), Opt("Ketchup")], items=(burger["id"], burger["fries"])
    )
    planned = build_schema(app.state.settings)
    plain = build_schema(app.state.settings.model_copy(update={"graphql_compiled_plans": False}))
    assert planned.plans is not None
    documents = [
        (
            "query($id: ID!) { order(id: $id) { lines { name unitPrice { amount } options { "
            "optionId group name kitchenName priceDelta { amount cents currency } } } "
            "tickets { lines { name options note } } } }",
            {"id": gid("Order", order["id"])},
            True,
        ),
        (
            "{ menu { name modifierGroups { id name required minSelections maxSelections "
            "options { id databaseId name kitchenName priceDelta { amount } isDefault "
            "isAvailable displayOrder groupId } } } }",
            {},
            True,
        ),
        (
            # Shared groups, fragments and aliases; the root list of groups falls back.
            "query($id: ID!) { a: menu { ...M } b: menuItem(id: $id) { ...M } } "
            "fragment M on MenuItem { name g: modifierGroups { required o: options { name } } }",
            {"id": gid("MenuItem", burger["fries"])},
            True,
        ),
        ("{ modifierGroups { name options { name } } }", {}, False),
    ]
    for query, variables, compiled in documents:
        answered = planned.plans.answered
        expected = await answer(plain, db, app, server.user, query, variables)
        assert '"errors": []' in expected, expected
        assert await answer(planned, db, app, server.user, query, variables) == expected
        assert planned.plans.answered == answered + (1 if compiled else 0)
    assert '"name": "Extra salt"' in expected  # the groups' answer lists the options
    order_answer = await answer(plain, db, app, server.user, *documents[0][:2])
    assert '"options": ["MED RARE", "+BACON", "NO CHEESE"]' in order_answer
    assert '"amount": "-0.50", "cents": -50' in order_answer


async def test_changing_a_lines_options_reprices_and_refires(gql, client, server, burger):
    order = await place_order(
        client, server, [{"menu_item_id": burger["id"], "options": _ids(burger, "Medium", "Bacon")}]
    )
    line_id = gid("OrderLine", order["order"][0]["id"])
    change = """mutation($id: ID!, $input: UpdateOrderInput!) {
      updateOrder(orderId: $id, input: $input) {
        __typename
        ... on OrderPayload { order { total { amount } lines { unitPrice { amount }
          options { name } } tickets { lines { options isVoid } } } }
        ... on ValidationError { field message } } }"""

    def options(*names: str) -> list[str]:
        return [gid("ModifierOption", burger["options"][name]) for name in names]

    bad = await gql(
        change,
        {
            "id": gid("Order", order["id"]),
            "input": {"changeLines": [{"lineId": line_id, "options": options("Cheese")}]},
        },
        staff=server,
    )
    assert bad["data"]["updateOrder"] == {
        "__typename": "ValidationError",
        "field": "changeLines.0.options",
        "message": "Burger: choose 1 option from Temperature",
    }
    body = await gql(
        change,
        {
            "id": gid("Order", order["id"]),
            "input": {
                "changeLines": [{"lineId": line_id, "options": options("Medium rare", "No cheese")}]
            },
        },
        staff=server,
    )
    changed = body["data"]["updateOrder"]["order"]
    # 14.00 placed (12.00 + 2.00 bacon): the bacon's delta goes, the credit comes.
    assert changed["total"] == {"amount": "11.50"}
    assert changed["lines"] == [
        {
            "unitPrice": {"amount": "11.50"},
            "options": [{"name": "Medium rare"}, {"name": "No cheese"}],
        }
    ]
    # The old version is voided on its ticket; the new one is fired with its kitchen names.
    ticket_lines = [line for ticket in changed["tickets"] for line in ticket["lines"]]
    assert {"options": ["MED", "+BACON"], "isVoid": True} in ticket_lines
    assert {"options": ["MED RARE", "NO CHEESE"], "isVoid": False} in ticket_lines


async def test_options_of_many_lines_are_read_in_constant_statements(
    client, server, burger, count_statements
):
    async def statements(lines: int) -> int:
        items = [
            {"menu_item_id": burger["id"], "options": _ids(burger, "Medium", "Bacon")},
            {"menu_item_id": burger["fries"]},
        ] * lines
        with count_statements() as counter:
            await place_order(client, server, items)
        # The reads (SQLite inserts lines one at a time where it needs their ids).
        return sum(1 for s in counter.statements if s.lstrip().upper().startswith("SELECT"))

    # The caller, the items with their groups, the groups' options, the tax rates and
    # their assignments (three), the automatic service-charge rules, the kitchen stations
    # with their routing rules and the items' prep-time targets, the new order's discounts
    # and service charges for the answer (and PostgreSQL's pg_notify), whatever the number
    # of lines.
    assert await statements(1) == await statements(20) <= 12
