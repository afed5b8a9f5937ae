"""The pricing configuration over GraphQL: typed results, permissions, node ids, reads."""

from __future__ import annotations

from tests.conftest import gid

RATE_FIELDS = """
  id databaseId name rate inclusive isDefault diningOptions isActive menuItemIds categories
"""
CREATE_RATE = """
mutation($input: TaxRateInput!) {
  createTaxRate(input: $input) {
    __typename
    ... on TaxRatePayload { taxRate { FIELDS } }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}""".replace("FIELDS", RATE_FIELDS)
UPDATE_RATE = """
mutation($id: ID!, $input: TaxRateUpdateInput!) {
  updateTaxRate(id: $id, input: $input) {
    __typename
    ... on TaxRatePayload { taxRate { FIELDS } }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}""".replace("FIELDS", RATE_FIELDS)
SET_ITEM = """
mutation($input: MenuItemTaxRatesInput!) {
  setMenuItemTaxRates(input: $input) {
    __typename
    ... on MenuItemTaxRatesPayload { menuItemId taxRates { name menuItemIds } }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}"""
SET_CATEGORY = """
mutation($input: CategoryTaxRatesInput!) {
  setCategoryTaxRates(input: $input) {
    __typename
    ... on CategoryTaxRatesPayload { category taxRates { name categories } }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}"""
TERMS = "kind rate amount { amount cents currency } isActive"
CREATE_PRESET = """
mutation($input: DiscountPresetInput!) {
  createDiscountPreset(input: $input) {
    __typename
    ... on DiscountPresetPayload { discountPreset { id name scope requiresApproval FIELDS } }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}""".replace("FIELDS", TERMS)
UPDATE_PRESET = """
mutation($id: ID!, $input: DiscountPresetUpdateInput!) {
  updateDiscountPreset(id: $id, input: $input) {
    __typename
    ... on DiscountPresetPayload { discountPreset { name scope requiresApproval FIELDS } }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}""".replace("FIELDS", TERMS)
CREATE_RULE = """
mutation($input: ServiceChargeRuleInput!) {
  createServiceChargeRule(input: $input) {
    __typename
    ... on ServiceChargeRulePayload {
      serviceChargeRule { id name taxable autoMinGuests diningOptions FIELDS }
    }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}""".replace("FIELDS", TERMS)
UPDATE_RULE = """
mutation($id: ID!, $input: ServiceChargeRuleUpdateInput!) {
  updateServiceChargeRule(id: $id, input: $input) {
    __typename
    ... on ServiceChargeRulePayload {
      serviceChargeRule { name taxable autoMinGuests diningOptions FIELDS }
    }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}""".replace("FIELDS", TERMS)
LISTS = """
query($active: Boolean) {
  taxRates(active: $active) { name rate }
  discountPresets(active: $active) { name }
  serviceChargeRules(active: $active) { name }
}"""


async def _create_rate(gql, staff, **fields):
    body = await gql(CREATE_RATE, {"input": {"name": "Sales tax", "rate": "8.875", **fields}},
                     staff=staff)  # fmt: skip
    return body["data"]["createTaxRate"]


async def test_tax_rates(gql, manager, kitchen):
    created = await _create_rate(gql, manager, diningOptions=["TAKEOUT", "DINE_IN"])
    rate = created["taxRate"]
    assert rate == {
        "id": gid("TaxRate", rate["databaseId"]),
        "databaseId": rate["databaseId"],
        "name": "Sales tax",
        "rate": "8.875",
        "inclusive": False,
        "isDefault": False,
        "diningOptions": ["DINE_IN", "TAKEOUT"],
        "isActive": True,
        "menuItemIds": [],
        "categories": [],
    }
    duplicate = await _create_rate(gql, manager, name="SALES TAX")
    assert (duplicate["__typename"], duplicate["code"]) == ("ConflictError", "DUPLICATE")
    for bad, message in [("100.01", "from 0 to 100"), ("1.00001", "four decimals")]:
        refused = await _create_rate(gql, manager, name="Bad", rate=bad)
        assert refused["__typename"] == "ValidationError"
        assert refused["field"] == "rate" and message in refused["message"]
    # A JSON number is refused before the resolver: rates travel as exact strings.
    number = await gql(CREATE_RATE, {"input": {"name": "N", "rate": 8.5}}, staff=manager)
    assert number["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"

    updated = await gql(
        UPDATE_RATE,
        {"id": rate["id"], "input": {"rate": "10", "inclusive": True, "isDefault": True,
                                     "diningOptions": []}},
        staff=manager,
    )  # fmt: skip
    assert updated["data"]["updateTaxRate"]["taxRate"] | {"id": None} == rate | {
        "id": None,
        "rate": "10",
        "inclusive": True,
        "isDefault": True,
        "diningOptions": [],
    }
    retired = await gql(UPDATE_RATE, {"id": rate["id"], "input": {"isActive": False}},
                        staff=manager)  # fmt: skip
    assert retired["data"]["updateTaxRate"]["taxRate"]["isActive"] is False
    # Every signed-in role reads; the filter keeps active or retired ones.
    assert (await gql(LISTS, {"active": False}, staff=kitchen))["data"]["taxRates"] == [
        {"name": "Sales tax", "rate": "10"}
    ]
    assert (await gql(LISTS, {"active": True}, staff=kitchen))["data"]["taxRates"] == []
    wrong_type = await gql(UPDATE_RATE, {"id": gid("MenuItem", 1), "input": {}}, staff=manager)
    assert wrong_type["data"]["updateTaxRate"]["field"] == "id"
    missing = await gql(UPDATE_RATE, {"id": gid("TaxRate", 999), "input": {}}, staff=manager)
    assert missing["data"]["updateTaxRate"]["code"] == "NOT_FOUND"


async def test_only_managers_and_admins_edit(gql, server, kitchen, admin):
    for staff in (server, kitchen):
        denied = await _create_rate(gql, staff)
        assert (denied["__typename"], denied["code"]) == (
            "PermissionDeniedError",
            "PERMISSION_DENIED",
        )
        preset = await gql(
            CREATE_PRESET,
            {"input": {"name": "P", "kind": "PERCENT", "scope": "CHECK", "rate": "10"}},
            staff=staff,
        )
        assert preset["data"]["createDiscountPreset"]["code"] == "PERMISSION_DENIED"
        rule = await gql(
            CREATE_RULE, {"input": {"name": "G", "kind": "PERCENT", "rate": "18"}}, staff=staff
        )
        assert rule["data"]["createServiceChargeRule"]["code"] == "PERMISSION_DENIED"
        category = await gql(
            SET_CATEGORY, {"input": {"category": "Drinks", "taxRateIds": []}}, staff=staff
        )
        assert category["data"]["setCategoryTaxRates"]["code"] == "PERMISSION_DENIED"
    assert (await _create_rate(gql, admin))["__typename"] == "TaxRatePayload"
    # Nothing was written by the refused attempts.
    lists = (await gql(LISTS, staff=server))["data"]
    assert lists == {
        "taxRates": [{"name": "Sales tax", "rate": "8.875"}],
        "discountPresets": [],
        "serviceChargeRules": [],
    }


async def test_reads_need_a_signed_in_user(gql, manager, kitchen):
    rate = (await _create_rate(gql, manager))["taxRate"]
    signed_in = await gql(
        f'{{ node(id: "{rate["id"]}") {{ ... on TaxRate {{ name rate isActive }} }} }}',
        staff=kitchen,
    )
    assert signed_in == {"data": {"node": {"name": "Sales tax", "rate": "8.875", "isActive": True}}}
    anonymous = await gql(LISTS)
    assert anonymous["data"] == {
        "taxRates": None,
        "discountPresets": None,
        "serviceChargeRules": None,
    }
    assert {e["extensions"]["code"] for e in anonymous["errors"]} == {"UNAUTHENTICATED"}
    node = await gql(f'{{ node(id: "{rate["id"]}") {{ id }} }}')
    assert node["data"]["node"] is None
    assert node["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_assignments(gql, manager, add_menu_item):
    wine = await add_menu_item("Wine", "9.00", "Drinks")
    sales = (await _create_rate(gql, manager))["taxRate"]
    duty = (await _create_rate(gql, manager, name="Wine duty", rate="12.5"))["taxRate"]
    item_id = gid("MenuItem", wine.id)
    assigned = await gql(
        SET_ITEM, {"input": {"menuItemId": item_id, "taxRateIds": [duty["id"], sales["id"]]}},
        staff=manager,
    )  # fmt: skip
    assert assigned["data"]["setMenuItemTaxRates"] == {
        "__typename": "MenuItemTaxRatesPayload",
        "menuItemId": item_id,
        "taxRates": [
            {"name": "Wine duty", "menuItemIds": [item_id]},
            {"name": "Sales tax", "menuItemIds": [item_id]},
        ],
    }
    category = await gql(
        SET_CATEGORY, {"input": {"category": " Drinks", "taxRateIds": [duty["id"]]}},
        staff=manager,
    )  # fmt: skip
    assert category["data"]["setCategoryTaxRates"] == {
        "__typename": "CategoryTaxRatesPayload",
        "category": "Drinks",
        "taxRates": [{"name": "Wine duty", "categories": ["Drinks"]}],
    }
    listed = await gql("{ taxRates { name menuItemIds categories } }", staff=manager)
    assert listed["data"]["taxRates"] == [
        {"name": "Sales tax", "menuItemIds": [item_id], "categories": []},
        {"name": "Wine duty", "menuItemIds": [item_id], "categories": ["Drinks"]},
    ]
    # Errors name the input at fault, as the client wrote it.
    cases = [
        ({"menuItemId": item_id, "taxRateIds": [sales["id"], "nope"]}, "taxRateIds.1"),
        ({"menuItemId": item_id, "taxRateIds": [sales["id"], item_id]}, "taxRateIds.1"),
        ({"menuItemId": item_id, "taxRateIds": [sales["id"], gid("TaxRate", 999)]},
         "taxRateIds.1"),
        ({"menuItemId": item_id, "taxRateIds": [sales["id"], sales["id"]]}, "taxRateIds.1"),
        ({"menuItemId": sales["id"], "taxRateIds": []}, "menuItemId"),
    ]  # fmt: skip
    for case, field in cases:
        refused = (await gql(SET_ITEM, {"input": case}, staff=manager))["data"]
        assert refused["setMenuItemTaxRates"]["field"] == field, (case, refused)
    gone = await gql(
        SET_ITEM, {"input": {"menuItemId": gid("MenuItem", 999), "taxRateIds": []}},
        staff=manager,
    )  # fmt: skip
    assert gone["data"]["setMenuItemTaxRates"]["code"] == "NOT_FOUND"
    # Cleared: the item takes its category's rates again.
    cleared = await gql(SET_ITEM, {"input": {"menuItemId": item_id, "taxRateIds": []}},
                        staff=manager)  # fmt: skip
    assert cleared["data"]["setMenuItemTaxRates"]["taxRates"] == []
    listed = await gql("{ taxRates { menuItemIds } }", staff=manager)
    assert listed["data"]["taxRates"] == [{"menuItemIds": []}, {"menuItemIds": []}]


async def test_discount_presets(gql, manager, server):
    created = await gql(
        CREATE_PRESET,
        {"input": {"name": "Manager comp", "kind": "AMOUNT", "scope": "LINE", "amount": "5.5",
                   "requiresApproval": True}},
        staff=manager,
    )  # fmt: skip
    preset = created["data"]["createDiscountPreset"]["discountPreset"]
    assert preset | {"id": None} == {
        "id": None,
        "name": "Manager comp",
        "scope": "LINE",
        "requiresApproval": True,
        "kind": "AMOUNT",
        "rate": None,
        "amount": {"amount": "5.50", "cents": 550, "currency": "USD"},
        "isActive": True,
    }
    both = await gql(
        CREATE_PRESET,
        {"input": {"name": "X", "kind": "AMOUNT", "scope": "LINE", "amount": "1", "rate": "2"}},
        staff=manager,
    )
    assert both["data"]["createDiscountPreset"]["field"] == "rate"
    switched = await gql(
        UPDATE_PRESET,
        {"id": preset["id"], "input": {"kind": "PERCENT", "rate": "15", "scope": "CHECK"}},
        staff=manager,
    )
    assert switched["data"]["updateDiscountPreset"]["discountPreset"] == {
        "name": "Manager comp",
        "scope": "CHECK",
        "requiresApproval": True,
        "kind": "PERCENT",
        "rate": "15",
        "amount": None,
        "isActive": True,
    }
    no_rate = await gql(UPDATE_PRESET, {"id": preset["id"], "input": {"kind": "AMOUNT"}},
                        staff=manager)  # fmt: skip
    assert no_rate["data"]["updateDiscountPreset"]["field"] == "amount"
    node = await gql(
        f'{{ node(id: "{preset["id"]}") {{ ... on DiscountPreset {{ name rate }} }} }}',
        staff=server,
    )
    assert node["data"]["node"] == {"name": "Manager comp", "rate": "15"}


async def test_service_charge_rules(gql, manager, server):
    created = await gql(
        CREATE_RULE,
        {"input": {"name": "Gratuity", "kind": "PERCENT", "rate": "18", "taxable": True,
                   "autoMinGuests": 6, "diningOptions": ["DINE_IN"]}},
        staff=manager,
    )  # fmt: skip
    rule = created["data"]["createServiceChargeRule"]["serviceChargeRule"]
    assert rule | {"id": None} == {
        "id": None,
        "name": "Gratuity",
        "taxable": True,
        "autoMinGuests": 6,
        "diningOptions": ["DINE_IN"],
        "kind": "PERCENT",
        "rate": "18",
        "amount": None,
        "isActive": True,
    }
    bad = await gql(
        CREATE_RULE, {"input": {"name": "Bad", "kind": "PERCENT", "rate": "5",
                                "autoMinGuests": 0}}, staff=manager,
    )  # fmt: skip
    assert bad["data"]["createServiceChargeRule"]["field"] == "autoMinGuests"
    # Omitted: autoMinGuests stays; null: cleared.
    kept = await gql(UPDATE_RULE, {"id": rule["id"], "input": {"rate": "20"}}, staff=manager)
    assert kept["data"]["updateServiceChargeRule"]["serviceChargeRule"]["autoMinGuests"] == 6
    cleared = await gql(
        UPDATE_RULE,
        {"id": rule["id"], "input": {"autoMinGuests": None, "kind": "AMOUNT", "amount": "2.5",
                                     "diningOptions": [], "isActive": False}},
        staff=manager,
    )  # fmt: skip
    assert cleared["data"]["updateServiceChargeRule"]["serviceChargeRule"] == {
        "name": "Gratuity",
        "taxable": True,
        "autoMinGuests": None,
        "diningOptions": [],
        "kind": "AMOUNT",
        "rate": None,
        "amount": {"amount": "2.50", "cents": 250, "currency": "USD"},
        "isActive": False,
    }
    node = await gql(
        f'{{ node(id: "{rule["id"]}") {{ ... on ServiceChargeRule {{ name isActive }} }} }}',
        staff=server,
    )
    assert node["data"]["node"] == {"name": "Gratuity", "isActive": False}


async def test_lists_read_a_constant_number_of_statements(gql, manager, count_statements):
    async def count() -> int:
        with count_statements() as counter:
            body = await gql(
                "{ taxRates { name menuItemIds categories } discountPresets { name } "
                "serviceChargeRules { name } }",
                staff=manager,
            )
        assert "errors" not in body
        return counter.count

    await _create_rate(gql, manager, name="One")
    few = await count()
    for number in range(5):
        await _create_rate(gql, manager, name=f"More {number}")
        await gql(
            CREATE_PRESET,
            {"input": {"name": f"P{number}", "kind": "PERCENT", "scope": "CHECK", "rate": "1"}},
            staff=manager,
        )
    assert await count() == few


async def test_a_deleted_menu_item_leaves_no_assignment(gql, manager, add_menu_item):
    soup = await add_menu_item("Soup", "5.00", "Starters")
    rate = (await _create_rate(gql, manager))["taxRate"]
    item_id = gid("MenuItem", soup.id)
    await gql(SET_ITEM, {"input": {"menuItemId": item_id, "taxRateIds": [rate["id"]]}},
              staff=manager)  # fmt: skip
    assert (await gql("{ taxRates { menuItemIds } }", staff=manager))["data"]["taxRates"] == [
        {"menuItemIds": [item_id]}
    ]
    deleted = await gql(
        "mutation($id: ID!) { deleteMenuItem(id: $id) { __typename } }", {"id": item_id},
        staff=manager,
    )  # fmt: skip
    assert deleted["data"]["deleteMenuItem"]["__typename"] == "DeleteMenuItemPayload"
    assert (await gql("{ taxRates { menuItemIds } }", staff=manager))["data"]["taxRates"] == [
        {"menuItemIds": []}
    ]
