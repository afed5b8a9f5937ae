"""Kitchen stations managed over GraphQL: create, update, reorder, retire, restore; a rename
rewrites the tickets' copies; the default flag moves race-safely."""

from __future__ import annotations

import asyncio

from sqlmodel import col, select

from restaurant_api.kitchen.models import KitchenStation
from restaurant_api.menu.models import MenuItem, ModifierOption
from restaurant_api.seed import seed_demo_data
from tests.conftest import gid
from tests.factories import place_order

STATIONS = """
query($all: Boolean! = false) {
  kitchenStations(includeRetired: $all) {
    id name displayOrder isExpo isDefault defaultPrepMinutes isRetired
  }
}"""

CREATE = """
mutation($input: CreateKitchenStationInput!) {
  createKitchenStation(input: $input) {
    __typename
    ... on KitchenStationPayload {
      station { id name displayOrder isDefault isExpo defaultPrepMinutes }
    }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}"""

UPDATE = """
mutation($id: ID!, $input: UpdateKitchenStationInput!) {
  updateKitchenStation(id: $id, input: $input) {
    __typename
    ... on KitchenStationPayload { station { name isDefault isExpo defaultPrepMinutes } }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}"""

RETIRE = """
mutation($id: ID!) {
  retireKitchenStation(id: $id) {
    __typename
    ... on KitchenStationPayload { station { name isRetired isDefault } }
    ... on Error { code message }
  }
}"""

RESTORE = """
mutation($id: ID!) {
  restoreKitchenStation(id: $id) {
    __typename ... on KitchenStationPayload { station { isRetired } } ... on Error { code }
  }
}"""

REORDER = """
mutation($ids: [ID!]!) {
  reorderKitchenStations(stationIds: $ids) {
    __typename
    ... on KitchenStationsPayload { stations { name displayOrder } }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}"""


async def _stations(gql, staff, *, all_: bool = False) -> dict[str, dict]:
    body = await gql(STATIONS, {"all": all_}, staff=staff)
    return {s["name"]: s for s in body["data"]["kitchenStations"]}


async def test_starts_with_the_migrated_stations(gql, kitchen):
    stations = await _stations(gql, kitchen)
    assert [(n, s["displayOrder"], s["isDefault"]) for n, s in stations.items()] == [
        ("kitchen", 0, True),
        ("bar", 1, False),
        ("pastry", 2, False),
    ]


async def test_create_update_and_validation(gql, manager, server):
    made = await gql(
        CREATE, {"input": {"name": " Grill ", "defaultPrepMinutes": 12}}, staff=manager
    )
    station = made["data"]["createKitchenStation"]["station"]
    assert station["name"] == "Grill"
    assert station["displayOrder"] == 3  # last by default
    assert station["defaultPrepMinutes"] == 12
    assert station["isDefault"] is False
    again = await gql(CREATE, {"input": {"name": "GRILL"}}, staff=manager)
    assert again["data"]["createKitchenStation"]["code"] == "CONFLICT"
    long = await gql(CREATE, {"input": {"name": "x" * 41}}, staff=manager)
    assert long["data"]["createKitchenStation"]["field"] == "name"
    prep = await gql(CREATE, {"input": {"name": "Fry", "defaultPrepMinutes": -1}}, staff=manager)
    assert prep["data"]["createKitchenStation"]["field"] == "defaultPrepMinutes"
    denied = await gql(CREATE, {"input": {"name": "Fry"}}, staff=server)
    assert denied["data"]["createKitchenStation"]["code"] == "PERMISSION_DENIED"

    changed = await gql(
        UPDATE,
        {"id": station["id"], "input": {"defaultPrepMinutes": None, "isDefault": True}},
        staff=manager,
    )
    assert changed["data"]["updateKitchenStation"]["station"] == {
        "name": "Grill",
        "isDefault": True,
        "isExpo": False,
        "defaultPrepMinutes": None,
    }
    stations = await _stations(gql, manager)
    assert [n for n, s in stations.items() if s["isDefault"]] == ["Grill"]
    unset = await gql(UPDATE, {"id": station["id"], "input": {"isDefault": False}}, staff=manager)
    assert unset["data"]["updateKitchenStation"]["code"] == "CONFLICT"
    expo = await gql(UPDATE, {"id": station["id"], "input": {"isExpo": True}}, staff=manager)
    assert expo["data"]["updateKitchenStation"]["code"] == "CONFLICT"
    taken = await gql(UPDATE, {"id": station["id"], "input": {"name": "Bar"}}, staff=manager)
    assert taken["data"]["updateKitchenStation"]["code"] == "CONFLICT"


async def test_rename_rewrites_ticket_copies(client, gql, manager, server, kitchen):
    await place_order(client, server, [{"name": "Steak", "price": 20, "category": "Mains"}])
    stations = await _stations(gql, manager)
    renamed = await gql(
        UPDATE, {"id": stations["kitchen"]["id"], "input": {"name": "Hot Line"}}, staff=manager
    )
    assert renamed["data"]["updateKitchenStation"]["station"]["name"] == "Hot Line"
    tickets = await gql(
        '{ kitchenTickets(station: "hot line") { station kitchenStation { name isDefault } } }',
        staff=kitchen,
    )
    assert tickets["data"]["kitchenTickets"] == [
        {"station": "Hot Line", "kitchenStation": {"name": "Hot Line", "isDefault": True}}
    ]
    rest = await client.get("/api/kitchen/orders?station=Hot%20Line", headers=kitchen.headers)
    assert [t["station"] for t in rest.json()] == ["Hot Line"]
    old = await client.get("/api/kitchen/orders?station=kitchen", headers=kitchen.headers)
    assert old.status_code == 422


async def test_reorder(gql, manager):
    stations = await _stations(gql, manager)
    body = await gql(REORDER, {"ids": [stations["pastry"]["id"]]}, staff=manager)
    assert body["data"]["reorderKitchenStations"]["stations"] == [
        {"name": "pastry", "displayOrder": 0},
        {"name": "kitchen", "displayOrder": 1},
        {"name": "bar", "displayOrder": 2},
    ]
    twice = [stations["bar"]["id"]] * 2
    dup = await gql(REORDER, {"ids": twice}, staff=manager)
    assert dup["data"]["reorderKitchenStations"]["field"] == "stationIds"
    missing = await gql(REORDER, {"ids": [gid("KitchenStation", 999)]}, staff=manager)
    assert missing["data"]["reorderKitchenStations"]["code"] == "NOT_FOUND"


async def test_retire_moves_default_and_keeps_one_food_station(gql, manager):
    stations = await _stations(gql, manager)
    retired = await gql(RETIRE, {"id": stations["kitchen"]["id"]}, staff=manager)
    assert retired["data"]["retireKitchenStation"]["station"] == {
        "name": "kitchen",
        "isRetired": True,
        "isDefault": False,
    }
    active = await _stations(gql, manager)
    assert [(n, s["isDefault"]) for n, s in active.items()] == [("bar", True), ("pastry", False)]
    assert (await _stations(gql, manager, all_=True))["kitchen"]["isRetired"] is True
    await gql(RETIRE, {"id": stations["pastry"]["id"]}, staff=manager)
    last = await gql(RETIRE, {"id": stations["bar"]["id"]}, staff=manager)
    assert last["data"]["retireKitchenStation"]["code"] == "CONFLICT"
    assert "last station" in last["data"]["retireKitchenStation"]["message"]
    assert list(await _stations(gql, manager)) == ["bar"]
    restored = await gql(RESTORE, {"id": stations["kitchen"]["id"]}, staff=manager)
    assert restored["data"]["restoreKitchenStation"]["station"] == {"isRetired": False}
    assert list(await _stations(gql, manager)) == ["kitchen", "bar"]


async def test_default_moves_race_leave_one_default(client, gql, manager, db):
    """Ten managers' requests moving the default at once: on PostgreSQL the station rows'
    locks serialise them; whatever the order, exactly one default remains."""
    names = [f"Line {i}" for i in range(5)]
    ids = []
    for name in names:
        made = await gql(CREATE, {"input": {"name": name}}, staff=manager)
        ids.append(made["data"]["createKitchenStation"]["station"]["id"])
    results = await asyncio.gather(
        *(
            gql(UPDATE, {"id": ids[i % 5], "input": {"isDefault": True}}, staff=manager)
            for i in range(10)
        )
    )
    assert all(r["data"]["updateKitchenStation"]["station"]["isDefault"] for r in results)
    async with db.session() as session:
        defaults = (
            await session.exec(select(KitchenStation.name).where(col(KitchenStation.is_default)))
        ).all()
    assert len(defaults) == 1
    assert defaults[0] in names


async def test_demo_kitchen_seed(db, client, gql, server, kitchen):
    async with db.session() as session:
        first = await seed_demo_data(session)
    async with db.session() as session:
        second = await seed_demo_data(session)
    assert (first.kitchen_stations_added, second.kitchen_stations_added) == (4, 0)
    assert first.kitchen_routes_added > 0
    assert second.kitchen_routes_added == 0
    stations = await _stations(gql, kitchen, all_=True)
    assert [(n, s["isDefault"], s["isExpo"], s["isRetired"]) for n, s in stations.items()] == [
        ("Grill", True, False, False),
        ("Fry", False, False, False),
        ("Cold", False, False, False),
        ("bar", False, False, False),
        ("Expo", False, True, False),
        ("kitchen", False, False, True),
        ("pastry", False, False, True),
    ]
    async with db.session(read_only=True) as session:
        items = {i.name: i for i in (await session.exec(select(MenuItem))).all()}
        options = {o.name: o.id for o in (await session.exec(select(ModifierOption))).all()}
    assert (items["Calamari"].prep_minutes, items["Calamari"].default_course) == (8, 1)
    assert (items["Lemonade"].default_course, items["Burger"].default_course) == (1, 2)
    await place_order(
        client,
        server,
        [
            {
                "menu_item_id": items["Burger"].id,
                "options": [options["Medium"], options["Side salad"]],
            },
            {"menu_item_id": items["Calamari"].id},
            {"menu_item_id": items["Caesar Salad"].id},
            {"menu_item_id": items["Chocolate Cake"].id},
            {"menu_item_id": items["Craft Beer"].id},
        ],
    )
    body = await gql("{ kitchenTickets { station lines { name } } }", staff=kitchen)
    placed = {
        (t["station"], line["name"]) for t in body["data"]["kitchenTickets"] for line in t["lines"]
    }
    assert placed == {
        ("Grill", "Burger"),
        ("Cold", "SIDE SALAD"),
        ("Fry", "Calamari"),
        ("Cold", "Caesar Salad"),
        ("Cold", "Chocolate Cake"),
        ("bar", "Craft Beer"),
    }
