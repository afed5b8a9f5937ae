"""Routing rules set over GraphQL decide where lines print: option > item > category >
default station; a retired station's rules are skipped; screen filters name stations and
an unknown name is a typed error."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import gid
from tests.factories import Opt, place_order

STATIONS = "{ kitchenStations { id name } }"

CREATE = """
mutation($name: String!) {
  createKitchenStation(input: {name: $name}) {
    ... on KitchenStationPayload { station { id name } }
  }
}"""

SET_ROUTE = """
mutation($input: SetKitchenRouteInput!) {
  setKitchenRoute(input: $input) {
    __typename
    ... on KitchenRoutePayload {
      route { id category menuItemId modifierOptionId station { name } }
    }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}"""

REMOVE_ROUTE = """
mutation($id: ID!) {
  removeKitchenRoute(id: $id) {
    __typename ... on RemoveKitchenRoutePayload { id } ... on Error { code }
  }
}"""

ROUTES = """
query($station: ID) {
  kitchenRoutes(stationId: $station) { category menuItemId modifierOptionId station { name } }
}"""


async def _station_ids(gql, staff) -> dict[str, str]:
    body = await gql(STATIONS, staff=staff)
    return {s["name"]: s["id"] for s in body["data"]["kitchenStations"]}


async def _route(gql, manager, station_id: str, **target: Any) -> dict[str, Any]:
    body = await gql(SET_ROUTE, {"input": {"stationId": station_id, **target}}, staff=manager)
    return body["data"]["setKitchenRoute"]


async def _tickets(client, staff) -> list[tuple[str, list[tuple[str, str | None]]]]:
    response = await client.get("/api/kitchen/orders", headers=staff.headers)
    assert response.status_code == 200, response.text
    return [
        (t["station"], [(i["name"], i["note"]) for i in t["order_items"]]) for t in response.json()
    ]


@pytest.fixture
async def menu(add_menu_item, add_modifier_group) -> dict[str, int]:
    burger = await add_menu_item("Burger", "12.00", "Mains")
    soup = await add_menu_item("Soup", "6.00", "Starters")
    shake = await add_menu_item("Shake", "5.00", "Desserts")
    _, sides = await add_modifier_group(
        "Side",
        [Opt("Fries", kitchen_name="FRIES"), Opt("Side salad", kitchen_name="SIDE SALAD")],
        items=(burger.id,),
    )
    return {
        "burger": burger.id,
        "soup": soup.id,
        "shake": shake.id,
        "fries": sides[0].id,
        "salad": sides[1].id,
    }


async def test_category_item_and_option_rules(client, gql, manager, server, kitchen, menu):
    made = await gql(CREATE, {"name": "Cold"}, staff=manager)
    cold = made["data"]["createKitchenStation"]["station"]["id"]
    ids = await _station_ids(gql, manager)
    by_category = await _route(gql, manager, cold, category=" STARTERS ")
    assert by_category["route"] == {
        "id": by_category["route"]["id"],
        "category": "starters",
        "menuItemId": None,
        "modifierOptionId": None,
        "station": {"name": "Cold"},
    }
    shake = await _route(gql, manager, ids["bar"], menuItemId=gid("MenuItem", menu["shake"]))
    assert shake["route"]["station"] == {"name": "bar"}
    salad_id = gid("ModifierOption", menu["salad"])
    salad = await _route(gql, manager, cold, modifierOptionId=salad_id)
    assert salad["route"]["modifierOptionId"] == salad_id

    await place_order(
        client,
        server,
        [
            {"menu_item_id": menu["burger"], "options": [menu["salad"]]},
            {"menu_item_id": menu["soup"]},
            {"menu_item_id": menu["shake"]},  # item rule beats the desserts -> pastry rule
            {"name": "Pie", "price": 5, "category": "Desserts"},
            {"name": "Special", "price": 9, "category": "Chef"},  # no rule: default station
        ],
    )
    assert sorted(await _tickets(client, kitchen)) == [
        ("Cold", [("SIDE SALAD", "With Burger"), ("Soup", None)]),
        ("bar", [("Shake", None)]),
        ("kitchen", [("Burger", None), ("Special", None)]),
        ("pastry", [("Pie", None)]),
    ]
    node = await gql(
        "query($id: ID!) { node(id: $id) { ... on KitchenRoute { category station { name } } } }",
        {"id": by_category["route"]["id"]},
        staff=kitchen,
    )
    assert node["data"]["node"] == {"category": "starters", "station": {"name": "Cold"}}
    routes = await gql(ROUTES, {"station": cold}, staff=kitchen)
    assert [r["category"] or r["modifierOptionId"] for r in routes["data"]["kitchenRoutes"]] == [
        "starters",
        salad_id,
    ]

    # An option kept on its item's station prints with the item.
    await place_order(
        client, server, [{"menu_item_id": menu["burger"], "options": [menu["fries"]]}]
    )
    response = await client.get("/api/kitchen/orders", headers=kitchen.headers)
    last = response.json()[-1]
    assert (last["station"], last["order_items"][0]["options"]) == ("kitchen", ["FRIES"])

    # A rule set again moves the target; removing it falls back to the category rule.
    moved = await _route(gql, manager, ids["kitchen"], category="starters")
    assert moved["route"]["id"] == by_category["route"]["id"]
    assert moved["route"]["station"] == {"name": "kitchen"}
    removed = await gql(REMOVE_ROUTE, {"id": shake["route"]["id"]}, staff=manager)
    assert removed["data"]["removeKitchenRoute"]["id"] == shake["route"]["id"]
    await place_order(
        client, server, [{"menu_item_id": menu["shake"]}, {"menu_item_id": menu["soup"]}]
    )
    response = await client.get("/api/kitchen/orders", headers=kitchen.headers)
    assert sorted((t["station"], t["order_items"][0]["name"]) for t in response.json()[-2:]) == [
        ("kitchen", "Soup"),
        ("pastry", "Shake"),
    ]


async def test_retired_station_rule_is_skipped(client, gql, manager, server, kitchen):
    ids = await _station_ids(gql, manager)
    retired = await gql(
        "mutation($id: ID!) { retireKitchenStation(id: $id) { __typename } }",
        {"id": ids["pastry"]},
        staff=manager,
    )
    assert retired["data"]["retireKitchenStation"]["__typename"] == "KitchenStationPayload"
    await place_order(client, server, [{"name": "Pie", "price": 5, "category": "Desserts"}])
    assert await _tickets(client, kitchen) == [("kitchen", [("Pie", None)])]
    # A retired station takes no new rules; the expo never does.
    refused = await _route(gql, manager, ids["pastry"], category="cakes")
    assert refused["code"] == "CONFLICT"


async def test_route_validation(gql, manager, server, menu):
    ids = await _station_ids(gql, manager)
    none = await _route(gql, manager, ids["bar"])
    assert (none["code"], none["field"]) == ("VALIDATION_ERROR", "target")
    two = await _route(gql, manager, ids["bar"], category="x", menuItemId=gid("MenuItem", 1))
    assert two["field"] == "target"
    item = await _route(gql, manager, ids["bar"], menuItemId=gid("MenuItem", 999999))
    assert item["code"] == "NOT_FOUND"
    option = await _route(gql, manager, ids["bar"], modifierOptionId=gid("ModifierOption", 99999))
    assert option["code"] == "NOT_FOUND"
    station = await _route(gql, manager, gid("KitchenStation", 99999), category="x")
    assert station["code"] == "NOT_FOUND"
    long = await _route(gql, manager, ids["bar"], category="x" * 61)
    assert long["field"] == "category"
    denied = await _route(gql, server, ids["bar"], category="soups")
    assert denied["code"] == "PERMISSION_DENIED"
    expo = await gql(
        'mutation { createKitchenStation(input: {name: "Expo", isExpo: true}) {'
        " ... on KitchenStationPayload { station { id } } } }",
        staff=manager,
    )
    expo_id = expo["data"]["createKitchenStation"]["station"]["id"]
    to_expo = await _route(gql, manager, expo_id, category="soups")
    assert to_expo["code"] == "CONFLICT"


async def test_unknown_station_filters_are_typed_errors(client, gql, kitchen):
    for query in (
        '{ kitchenTickets(station: "grill") { id } }',
        '{ kitchenTicketHistory(station: "grill") { edges { cursor } } }',
    ):
        body = await gql(query, staff=kitchen)
        [error] = body["errors"]
        assert error["extensions"] == {"code": "VALIDATION_ERROR", "field": "station"}
        assert error["message"] == "Unknown station 'grill'; use one of kitchen, bar, pastry"
    response = await client.get("/api/kitchen/orders?station=grill", headers=kitchen.headers)
    assert response.status_code == 422
    assert "Unknown station 'grill'" in response.text
    known = await client.get("/api/kitchen/orders?station=BAR", headers=kitchen.headers)
    assert known.status_code == 200
