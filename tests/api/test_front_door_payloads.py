"""Compiled payloads of proven mutations (restaurant_api.api.payloads): the order a proven
mutation answers with is read back by a plan, in its transaction, and the answer is the
normal path's to the byte order of its keys."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
from fastapi import FastAPI
from graphql import parse, print_ast

from restaurant_api.api.payloads import compile_payload
from restaurant_api.db import Database
from tests.api.test_front_door import door_of, in_order, post
from tests.api.test_front_door_mutations import order_count
from tests.conftest import gid

# Aliases at the root and on the order; a table, lines with their menu items, tickets with
# their lines, times, enums and money: what a plan reads in other queries.
RICH = """mutation($input: PlaceOrderInput!) { placed: placeOrder(input: $input) {
  __typename
  ... on OrderPayload { theOrder: order { id databaseId status customerCount specialRequests
      version createdAt updatedAt tableId diningOption total { amount currency }
      table { tableNumber capacity status }
      lines { id position name quantity modifiers seatNumber course note
        unitPrice { amount } lineTotal { amount } menuItem { name category price { amount } } }
      tickets { station status fireNumber course lines { name quantity modifiers } } } }
  ... on ValidationError { code message field }
  ... on Error { code message } } }"""

# `check` has no plan: the whole payload is completed by graphql-core, as before.
WITH_CHECK = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  ... on OrderPayload { order { status check { total { amount } } } }
  ... on Error { code message } } }"""


def document(test: str, text: str) -> str:
    """The app outlives a test: each test sends a document text of its own."""
    return f"# {test}\n{text}"


async def place_input(
    client: httpx.AsyncClient, manager: Any, soup_id: int, table_number: int
) -> dict[str, Any]:
    """Two lines of soup at a new table (a table holds one open order)."""
    response = await client.post(
        "/api/tables", json={"table_number": table_number, "capacity": 4}, headers=manager.headers
    )
    assert response.status_code in (200, 201), response.text
    table_id = gid("Table", response.json()["id"])
    line = {"menuItemId": gid("MenuItem", soup_id), "quantity": 2, "modifiers": ["hot"]}
    second = {"menuItemId": gid("MenuItem", soup_id), "quantity": 1, "seatNumber": 2}
    return {
        "input": {
            "lines": [line, second],
            "customerCount": 3,
            "tableId": table_id,
            "specialRequests": "window",
        }
    }


def same_for_any_order(value: Any) -> Any:
    """The value without what differs from one placed order to the next (ids, times, table)."""
    volatile = {"id", "databaseId", "createdAt", "updatedAt", "tableId", "table"}
    if isinstance(value, dict):
        return {k: same_for_any_order(v) for k, v in value.items() if k not in volatile}
    if isinstance(value, list):
        return [same_for_any_order(item) for item in value]
    return value


async def test_a_read_back_payload_is_the_normal_paths_answer(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: Database,
    add_menu_item: Any,
    server: Any,
    manager: Any,
) -> None:
    door = door_of(app)
    soup = await add_menu_item("Soup", "6.50", "Mains")
    rich = document("read back", RICH)
    before = await order_count(db)
    variables = await place_input(client, manager, soup.id, 41)
    normal = await post(app, client, rich, variables, server.headers)  # proves it
    answered, read_back = door.mutations_answered, door.payloads_read_back
    variables = await place_input(client, manager, soup.id, 42)
    by_door = await post(app, client, rich, variables, server.headers)
    assert door.mutations_answered == answered + 1
    assert door.payloads_read_back == read_back + 1
    assert by_door[:2] == normal[:2] == (200, "application/json")
    assert b'"tableNumber":41' in normal[2] and b'"tableNumber":42' in by_door[2]
    assert b'"total":{"amount":"19.50"' in by_door[2]
    assert b'"station"' in by_door[2]  # the tickets were read back too
    # The same answer, keys in the same order, but for what makes it another order: its
    # ids, times and table.
    first, second = orjson.loads(normal[2]), orjson.loads(by_door[2])
    ours, theirs = second["data"]["placed"]["theOrder"], first["data"]["placed"]["theOrder"]
    assert list(ours) == list(theirs)
    assert in_order(orjson.dumps(same_for_any_order(ours))) == in_order(
        orjson.dumps(same_for_any_order(theirs))
    )
    assert len(ours["lines"]) == 2 and ours["lines"][0]["id"] != theirs["lines"][0]["id"]
    assert ours["table"]["status"] == theirs["table"]["status"] == "OCCUPIED"
    assert [k for k in second["data"]["placed"]] == ["__typename", "theOrder"]
    assert await order_count(db) == before + 2  # each placed once


async def test_the_read_back_order_is_the_one_written(
    app: FastAPI,
    client: httpx.AsyncClient,
    add_menu_item: Any,
    server: Any,
    manager: Any,
) -> None:
    door = door_of(app)
    soup = await add_menu_item("Soup", "6.50", "Mains")
    rich = document("the one written", RICH)
    await post(app, client, rich, await place_input(client, manager, soup.id, 43), server.headers)
    read_back = door.payloads_read_back
    variables = await place_input(client, manager, soup.id, 44)
    status, _, body = await post(app, client, rich, variables, server.headers)
    assert status == 200 and door.payloads_read_back == read_back + 1
    placed = orjson.loads(body)["data"]["placed"]["theOrder"]
    # A query of the same order after the commit answers exactly what the mutation did.
    query = (
        "query($id: ID!) { order(id: $id) { "
        + RICH.split("theOrder: order {")[1].split("} } }\n  ... on ValidationError")[0]
        + "} } }"
    )
    _, _, queried = await post(app, client, query, {"id": placed["id"]}, server.headers)
    assert orjson.loads(queried)["data"]["order"] == placed


async def test_typed_errors_and_unplanned_payloads_answer_as_the_normal_path(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: Database,
    add_menu_item: Any,
    server: Any,
    manager: Any,
) -> None:
    door = door_of(app)
    soup = await add_menu_item("Soup", "6.50", "Mains")
    rich = document("typed errors", RICH)
    await post(app, client, rich, await place_input(client, manager, soup.id, 45), server.headers)
    count, answered = await order_count(db), door.mutations_answered
    missing = {"input": {"lines": [{"menuItemId": gid("MenuItem", soup.id + 999)}]}}
    typed = await post(app, client, rich, missing, server.headers)
    assert door.mutations_answered == answered + 1
    unproven = await post(app, client, document("typed errors, unproven", RICH), missing,
                          server.headers)  # fmt: skip
    assert in_order(typed[2]) == in_order(unproven[2])
    assert b'"Menu item' in typed[2] and await order_count(db) == count
    # A payload selecting a field no plan reads: proven, answered, not read back.
    check = document("with a check", WITH_CHECK)
    variables = await place_input(client, manager, soup.id, 46)
    normal = await post(app, client, check, variables, server.headers)
    read_back, answered = door.payloads_read_back, door.mutations_answered
    variables = await place_input(client, manager, soup.id, 47)
    by_door = await post(app, client, check, variables, server.headers)
    assert door.mutations_answered == answered + 1
    assert door.payloads_read_back == read_back
    assert in_order(by_door[2]) == in_order(normal[2])
    assert b'"check":{"total":{"amount":"19.50"}}' in by_door[2]


def test_only_simple_documents_with_planned_orders_are_compiled(app: FastAPI) -> None:
    door = door_of(app)
    schema, plans = door.schema, door.plans

    def compiled(text: str) -> Any:
        return compile_payload(schema, plans, parse(text), "USD")

    payload = compiled(RICH)
    assert payload is not None and [read.path for read in payload.read_backs] == [
        ("placed", "theOrder")
    ]
    # What runs is the document with the order cut down to its number.
    assert "theOrder: order {\n        databaseId\n      }" in print_ast(payload.executed)
    assert "lines" not in print_ast(payload.executed)
    assert compiled(WITH_CHECK) is None  # `check` has no plan
    fragment = RICH.replace("__typename", "...T") + " fragment T on PlaceOrderResult { __typename }"
    assert compiled(fragment) is None  # named fragments: not compiled
    directive = RICH.replace("specialRequests", "specialRequests @include(if: true)")
    assert compiled(directive) is None
    # An order under a list (each split order's table's current order) is left to
    # graphql-core, and the whole payload with it.
    split = """mutation { splitBill(tableId: "x", split: {mode: EVEN, ways: 2}) {
      ... on SplitBillPayload { orders { status table { currentOrder { status } } } } } }"""
    assert compiled(split) is None
    merged = """mutation { mergeTables(tableId: "x", otherTableId: "y") {
      ... on MergePayload { order { status } table { currentOrder { version } } } } }"""
    merge = compiled(merged)
    assert merge is not None and [read.path for read in merge.read_backs] == [
        ("mergeTables", "order"),
        ("mergeTables", "table", "currentOrder"),
    ]
    assert compiled('mutation { deleteMenuItem(id: "x") { __typename } }') is None
