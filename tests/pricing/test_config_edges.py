"""The pricing configuration at its edges: races for one name or one assignment (PostgreSQL),
hostile input (no 5xx on either backend), and documents mixing it with cached roots."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import strategies as st
from sqlmodel import col, func, select

from restaurant_api.pricing.models import MenuItemTaxRate, TaxRate
from tests.api.test_fuzz import collect, global_ids, graphql, hostile_text, money, send_all
from tests.conftest import gid

CREATE_RATE = """
mutation($name: String!) {
  createTaxRate(input: {name: $name, rate: "5"}) {
    __typename ... on Error { code }
  }
}"""
SET_ITEM = """
mutation($input: MenuItemTaxRatesInput!) {
  setMenuItemTaxRates(input: $input) { __typename ... on Error { code } }
}"""


@pytest.fixture
def only_postgres(backend):
    if backend.name != "postgresql":
        pytest.skip("a PostgreSQL race test")


async def test_ten_managers_racing_for_one_name_create_one(only_postgres, gql, db, manager):
    results = await asyncio.gather(
        *(gql(CREATE_RATE, {"name": f"City tax{' ' * n}"}, staff=manager) for n in range(10))
    )
    outcomes = sorted(str(result["data"]["createTaxRate"]) for result in results)
    assert outcomes.count(str({"__typename": "TaxRatePayload"})) == 1
    assert outcomes.count(str({"__typename": "ConflictError", "code": "DUPLICATE"})) == 9
    async with db.session() as session:
        assert (await session.exec(select(func.count()).select_from(TaxRate))).one() == 1


async def test_racing_assignments_of_one_item_take_turns(
    only_postgres, gql, db, manager, add_menu_item
):
    item = await add_menu_item("Wine", "9.00", "Drinks")
    for name in ("Wine duty", "Sales tax", "City tax"):
        created = await gql(CREATE_RATE, {"name": name}, staff=manager)
        assert created["data"]["createTaxRate"]["__typename"] == "TaxRatePayload"
    async with db.session() as session:
        rate_ids = list((await session.exec(select(TaxRate.id).order_by(col(TaxRate.id)))).all())
    lists = [[rate_ids[n % 3], rate_ids[(n + 1) % 3]] for n in range(8)]
    results = await asyncio.gather(
        *(
            gql(
                SET_ITEM,
                {"input": {"menuItemId": gid("MenuItem", item.id),
                           "taxRateIds": [gid("TaxRate", i) for i in ids]}},
                staff=manager,
            )
            for ids in lists
        )
    )  # fmt: skip
    # Each one succeeds in turn; the item ends with exactly one of the lists, never a mix.
    assert {r["data"]["setMenuItemTaxRates"]["__typename"] for r in results} == {
        "MenuItemTaxRatesPayload"
    }
    async with db.session() as session:
        links = (await session.exec(select(MenuItemTaxRate))).all()
    assert {link.menu_item_id for link in links} == {item.id}
    assert sorted(link.tax_rate_id for link in links) in [sorted(ids) for ids in lists]


RATE_MUTATION = "mutation($i: TaxRateInput!) { createTaxRate(input: $i) { __typename } }"
PRESET_MUTATION = (
    "mutation($i: DiscountPresetInput!) { createDiscountPreset(input: $i) { __typename } }"
)
RULE_MUTATION = (
    "mutation($i: ServiceChargeRuleInput!) { createServiceChargeRule(input: $i) { __typename } }"
)
UPDATE_RULE = """mutation($id: ID!, $i: ServiceChargeRuleUpdateInput!) {
    updateServiceChargeRule(id: $id, input: $i) { __typename } }"""
ASSIGN = """mutation($i: CategoryTaxRatesInput!, $j: MenuItemTaxRatesInput!) {
    setCategoryTaxRates(input: $i) { __typename } setMenuItemTaxRates(input: $j) { __typename } }"""
ints = st.integers(min_value=-(2**70), max_value=2**70)
kinds = st.sampled_from(["PERCENT", "AMOUNT", "GIFT"])
options = st.lists(st.sampled_from(["DINE_IN", "TAKEOUT", "DELIVERY", "DRIVE"]), max_size=4)
pricing_probes = st.one_of(
    st.fixed_dictionaries(
        {"i": st.fixed_dictionaries(
            {"name": hostile_text, "rate": money},
            optional={"inclusive": st.booleans(), "diningOptions": options},
        )}
    ).map(graphql(RATE_MUTATION, "manager")),
    st.fixed_dictionaries(
        {"i": st.fixed_dictionaries(
            {"name": hostile_text, "kind": kinds, "scope": st.sampled_from(["LINE", "CHECK"])},
            optional={"rate": money, "amount": money},
        )}
    ).map(graphql(PRESET_MUTATION, "manager")),
    st.fixed_dictionaries(
        {"i": st.fixed_dictionaries(
            {"name": hostile_text, "kind": kinds},
            optional={"rate": money, "amount": money, "autoMinGuests": ints,
                      "diningOptions": options},
        )}
    ).map(graphql(RULE_MUTATION, "manager")),
    st.fixed_dictionaries(
        {"id": global_ids, "i": st.fixed_dictionaries(
            {}, optional={"rate": money, "autoMinGuests": ints, "kind": kinds}
        )}
    ).map(graphql(UPDATE_RULE, "manager")),
    st.fixed_dictionaries(
        {
            "i": st.fixed_dictionaries(
                {"category": hostile_text, "taxRateIds": st.lists(global_ids, max_size=12)}
            ),
            "j": st.fixed_dictionaries(
                {"menuItemId": global_ids, "taxRateIds": st.lists(global_ids, max_size=3)}
            ),
        }
    ).map(graphql(ASSIGN, "manager")),
)  # fmt: skip
PROBES = collect(pricing_probes, 150)


async def test_hostile_input_never_fails_unexpectedly(client, server, manager):
    await send_all(client, PROBES, {"server": server, "manager": manager})


async def test_documents_mixing_cached_and_pricing_roots_stay_fresh(gql, manager):
    """The menu is cached and compiled; a document that also reads tax rates is neither
    (the rates have no change event), so an edit shows on the next read."""
    query = "{ menu { name } taxRates { name rate } }"
    created = await gql(
        'mutation { createTaxRate(input: {name: "Tax", rate: "5"}) '
        "{ ... on TaxRatePayload { taxRate { id } } } }",
        staff=manager,
    )
    rate_id = created["data"]["createTaxRate"]["taxRate"]["id"]
    first = await gql(query, staff=manager)
    assert first == {"data": {"menu": [], "taxRates": [{"name": "Tax", "rate": "5"}]}}
    await gql(
        'mutation($id: ID!) { updateTaxRate(id: $id, input: {rate: "6.25"}) { __typename } }',
        {"id": rate_id},
        staff=manager,
    )
    second = await gql(query, staff=manager)
    assert second == {"data": {"menu": [], "taxRates": [{"name": "Tax", "rate": "6.25"}]}}
