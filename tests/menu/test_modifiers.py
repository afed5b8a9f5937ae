"""Modifier groups over GraphQL: managers edit them, the (cached) menu shows them."""

from __future__ import annotations

from typing import Any

from tests.conftest import gid

GROUP_FIELDS = """id databaseId name required minSelections maxSelections
  options { id name kitchenName priceDelta { amount } isDefault isAvailable groupId }"""

CREATE_GROUP = f"""mutation($input: ModifierGroupInput!) {{
  createModifierGroup(input: $input) {{
    __typename
    ... on ModifierGroupPayload {{ modifierGroup {{ {GROUP_FIELDS} }} }}
    ... on Error {{ code message }}
    ... on ValidationError {{ field }}
  }}
}}"""

UPDATE_GROUP = """mutation($id: ID!, $input: ModifierGroupUpdateInput!) {
  updateModifierGroup(id: $id, input: $input) {
    __typename
    ... on ModifierGroupPayload { modifierGroup { name minSelections maxSelections required } }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}"""

ADD_OPTION = """mutation($groupId: ID!, $input: ModifierOptionInput!) {
  addModifierOption(groupId: $groupId, input: $input) {
    __typename
    ... on ModifierOptionPayload { modifierOption { id name kitchenName priceDelta { amount } }
                                   modifierGroup { options { name } } }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}"""

UPDATE_OPTION = """mutation($id: ID!, $input: ModifierOptionUpdateInput!) {
  updateModifierOption(id: $id, input: $input) {
    __typename
    ... on ModifierOptionPayload {
      modifierOption { name isAvailable isDefault priceDelta { amount } } }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}"""

REMOVE_OPTION = """mutation($id: ID!) {
  removeModifierOption(id: $id) {
    __typename
    ... on ModifierOptionPayload { modifierOption { name } modifierGroup { options { name } } }
    ... on Error { code message }
  }
}"""

DELETE_GROUP = """mutation($id: ID!) {
  deleteModifierGroup(id: $id) {
    __typename ... on DeleteModifierGroupPayload { id } ... on Error { code message }
  }
}"""

SET_GROUPS = """mutation($item: ID!, $groups: [ID!]!) {
  setMenuItemModifierGroups(menuItemId: $item, groupIds: $groups) {
    __typename
    ... on MenuItemPayload { menuItem { name modifierGroups { name } } }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}"""

MENU = """{ menu { name modifierGroups { name required minSelections maxSelections
  options { name kitchenName priceDelta { amount } isDefault isAvailable } } } }"""

TEMPERATURE = {
    "name": "Temperature",
    "minSelections": 1,
    "maxSelections": 1,
    "options": [
        {"name": "Rare", "kitchenName": "RARE"},
        {"name": "Medium", "kitchenName": "MED", "isDefault": True},
        {"name": "Well done", "kitchenName": "WELL"},
    ],
}
EXTRAS = {
    "name": "Extras",
    "maxSelections": 3,
    "options": [
        {"name": "Bacon", "kitchenName": "+BACON", "priceDelta": "2.00"},
        {"name": "No cheese", "priceDelta": "-0.50"},
    ],
}


async def _create(gql: Any, staff: Any, group: dict[str, Any]) -> dict[str, Any]:
    body = await gql(CREATE_GROUP, {"input": group}, staff=staff)
    result = body["data"]["createModifierGroup"]
    assert result["__typename"] == "ModifierGroupPayload", result
    return result["modifierGroup"]


async def test_managers_edit_groups_and_the_menu_shows_them(gql, manager, add_menu_item):
    burger = await add_menu_item("Burger", "12.00", "Mains")
    await add_menu_item("Soup", "6.00", "Starters")
    temperature = await _create(gql, manager, TEMPERATURE)
    assert temperature["required"] is True
    assert [(o["name"], o["kitchenName"], o["isDefault"]) for o in temperature["options"]] == [
        ("Rare", "RARE", False),
        ("Medium", "MED", True),
        ("Well done", "WELL", False),
    ]
    extras = await _create(gql, manager, EXTRAS)
    assert extras["required"] is False
    # The kitchen name defaults to the name; a negative delta is a credit.
    assert extras["options"][1]["kitchenName"] == "No cheese"
    assert extras["options"][1]["priceDelta"] == {"amount": "-0.50"}

    before = await gql(MENU)  # cached: the edits below must drop it
    assert [item["modifierGroups"] for item in before["data"]["menu"]] == [[], []]

    item_id = gid("MenuItem", burger.id)
    attached = await gql(
        SET_GROUPS, {"item": item_id, "groups": [temperature["id"], extras["id"]]}, staff=manager
    )
    assert attached["data"]["setMenuItemModifierGroups"]["menuItem"]["modifierGroups"] == [
        {"name": "Temperature"},
        {"name": "Extras"},
    ]
    menu = (await gql(MENU))["data"]["menu"]
    assert menu[0]["name"] == "Burger"
    assert [g["name"] for g in menu[0]["modifierGroups"]] == ["Temperature", "Extras"]
    assert menu[0]["modifierGroups"][1]["options"][0] == {
        "name": "Bacon",
        "kitchenName": "+BACON",
        "priceDelta": {"amount": "2.00"},
        "isDefault": False,
        "isAvailable": True,
    }
    assert menu[1] == {"name": "Soup", "modifierGroups": []}

    # 86 the bacon: the (cached) menu shows it at once.
    bacon = extras["options"][0]["id"]
    eighty_six = await gql(
        UPDATE_OPTION, {"id": bacon, "input": {"isAvailable": False}}, staff=manager
    )
    assert eighty_six["data"]["updateModifierOption"]["modifierOption"]["isAvailable"] is False
    menu = (await gql(MENU))["data"]["menu"]
    assert menu[0]["modifierGroups"][1]["options"][0]["isAvailable"] is False

    added = await gql(
        ADD_OPTION,
        {
            "groupId": extras["id"],
            "input": {"name": "Cheese", "priceDelta": "1", "kitchenName": "+CHZ"},
        },
        staff=manager,
    )
    option = added["data"]["addModifierOption"]
    assert option["modifierOption"]["priceDelta"] == {"amount": "1.00"}
    assert [o["name"] for o in option["modifierGroup"]["options"]] == [
        "Bacon",
        "No cheese",
        "Cheese",
    ]
    renamed = await gql(
        UPDATE_GROUP,
        {"id": extras["id"], "input": {"name": "Add-ons", "minSelections": 1}},
        staff=manager,
    )
    assert renamed["data"]["updateModifierGroup"]["modifierGroup"] == {
        "name": "Add-ons",
        "minSelections": 1,
        "maxSelections": 3,
        "required": True,
    }
    removed = await gql(REMOVE_OPTION, {"id": option["modifierOption"]["id"]}, staff=manager)
    assert removed["data"]["removeModifierOption"]["modifierGroup"]["options"] == [
        {"name": "Bacon"},
        {"name": "No cheese"},
    ]
    # Groups and options are nodes; every group is listed for managers' screens.
    node = await gql(
        "query($id: ID!) { node(id: $id) { ... on ModifierGroup { name options { name } } } }",
        {"id": temperature["id"]},
    )
    assert node["data"]["node"]["name"] == "Temperature"
    listed = await gql("{ modifierGroups { name } }")
    assert listed["data"]["modifierGroups"] == [{"name": "Add-ons"}, {"name": "Temperature"}]

    deleted = await gql(DELETE_GROUP, {"id": temperature["id"]}, staff=manager)
    assert deleted["data"]["deleteModifierGroup"]["id"] == temperature["id"]
    menu = (await gql(MENU))["data"]["menu"]
    assert [g["name"] for g in menu[0]["modifierGroups"]] == ["Add-ons"]
    cleared = await gql(SET_GROUPS, {"item": item_id, "groups": []}, staff=manager)
    assert cleared["data"]["setMenuItemModifierGroups"]["menuItem"]["modifierGroups"] == []


async def test_only_managers_and_admins_edit_modifiers(gql, manager, admin, server, kitchen):
    group = await _create(gql, admin, TEMPERATURE)
    option = group["options"][0]["id"]
    for staff in (server, kitchen, None):
        created = await gql(CREATE_GROUP, {"input": EXTRAS}, staff=staff)
        code = "UNAUTHENTICATED" if staff is None else "PERMISSION_DENIED"
        assert created["data"]["createModifierGroup"]["code"] == code
        eighty_six = await gql(
            UPDATE_OPTION, {"id": option, "input": {"isAvailable": False}}, staff=staff
        )
        assert eighty_six["data"]["updateModifierOption"]["code"] == code
        deleted = await gql(DELETE_GROUP, {"id": group["id"]}, staff=staff)
        assert deleted["data"]["deleteModifierGroup"]["code"] == code
    # Nothing changed.
    listed = await gql("{ modifierGroups { name options { isAvailable } } }")
    assert listed["data"]["modifierGroups"] == [
        {"name": "Temperature", "options": [{"isAvailable": True}] * 3}
    ]


async def test_group_rules_are_typed_errors(gql, manager, add_menu_item):
    group = await _create(gql, manager, TEMPERATURE)
    duplicate = await gql(CREATE_GROUP, {"input": {**EXTRAS, "name": "TEMPERATURE"}}, staff=manager)
    assert duplicate["data"]["createModifierGroup"]["code"] == "DUPLICATE"
    for bad, field in [
        ({"minSelections": 2, "maxSelections": 1}, "maxSelections"),
        ({"maxSelections": 0}, "maxSelections"),
        ({"minSelections": -1}, "minSelections"),
        ({"maxSelections": 21}, "maxSelections"),
    ]:
        body = await gql(CREATE_GROUP, {"input": {**EXTRAS, "name": "X", **bad}}, staff=manager)
        assert body["data"]["createModifierGroup"]["field"] == field, (bad, body)
    two_defaults = {
        "name": "Sauce",
        "options": [{"name": "Ketchup", "isDefault": True}, {"name": "Mayo", "isDefault": True}],
    }
    body = await gql(CREATE_GROUP, {"input": two_defaults}, staff=manager)
    assert body["data"]["createModifierGroup"]["message"] == "Sauce: at most 1 default option(s)"
    same_option = {"name": "Sauce", "options": [{"name": "Mayo"}, {"name": "mayo"}]}
    body = await gql(CREATE_GROUP, {"input": same_option}, staff=manager)
    assert body["data"]["createModifierGroup"]["code"] == "DUPLICATE"
    bad_price = {"name": "Sauce", "options": [{"name": "Mayo", "priceDelta": "0.001"}]}
    body = await gql(CREATE_GROUP, {"input": bad_price}, staff=manager)
    assert body["data"]["createModifierGroup"]["field"] == "options.0.priceDelta"

    rare = group["options"][0]["id"]
    second_default = await gql(
        UPDATE_OPTION, {"id": rare, "input": {"isDefault": True}}, staff=manager
    )
    assert second_default["data"]["updateModifierOption"]["message"] == (
        "Temperature: at most 1 default option(s)"
    )
    missing = await gql(SET_GROUPS, {"item": gid("MenuItem", 999), "groups": []}, staff=manager)
    assert missing["data"]["setMenuItemModifierGroups"]["code"] == "NOT_FOUND"
    item = await add_menu_item("Burger", "12.00")
    twice = await gql(
        SET_GROUPS,
        {"item": gid("MenuItem", item.id), "groups": [group["id"], group["id"]]},
        staff=manager,
    )
    assert twice["data"]["setMenuItemModifierGroups"]["field"] == "groupIds"
    unknown = await gql(
        SET_GROUPS,
        {"item": gid("MenuItem", item.id), "groups": [gid("ModifierGroup", 999)]},
        staff=manager,
    )
    assert unknown["data"]["setMenuItemModifierGroups"]["code"] == "NOT_FOUND"


async def test_modifier_groups_of_many_items_take_constant_statements(
    app, gql, manager, add_menu_item, add_modifier_group, count_statements
):
    from tests.factories import Opt

    async def menu_statements() -> int:
        if app.state.response_cache is not None:
            app.state.response_cache.clear()  # the reads, not a cached answer
        with count_statements() as counter:
            body = await gql("{ menu { name modifierGroups { name options { name } } } }")
        assert "errors" not in body, body
        return counter.count

    items = [await add_menu_item(f"Dish {n}", "5.00") for n in range(2)]
    await add_modifier_group("Side", [Opt("Salad"), Opt("Fries")], items=[i.id for i in items])
    await menu_statements()  # proves the document: later ones are answered at the front door
    few = await menu_statements()
    more = [await add_menu_item(f"Main {n}", "9.00") for n in range(6)]
    await add_modifier_group("Sauce", [Opt("Mayo")], items=[i.id for i in [*items, *more]])
    assert await menu_statements() == few
