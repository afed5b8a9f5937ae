"""JSON built by PostgreSQL (restaurant_api.api.plan_sql) is the JSON the plans build in
Python: every SQL twin of a rendering (`api.sql_json`) gives the same text for awkward
values, and whole documents over awkward rows answer the same either way.

On SQLite nothing is built in SQL: the same documents are answered in Python, and the test
checks that too.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    DateTime,
    Integer,
    String,
    cast,
    func,
    literal,
    select,
    text,
    update,
)

from restaurant_api.api import sql_json
from restaurant_api.api.plan_specs import enum_names, global_id, is_set, optional, utc_time
from restaurant_api.db import Database, json_list, table_of
from restaurant_api.money import MAX_CENTS, format_cents
from restaurant_api.orders.models import Order, OrderStatus
from restaurant_api.orders.plans import _cursor, _cursor_sql
from tests.api.test_front_door import door_of, in_order, post

CENTS = [-(10**12) - 7, -10001, -101, -100, -99, -10, -5, -1, 0, 1, 5, 9, 10, 99, 100, 101]
CENTS += [1299, 100000, 2**53 + 1]
TIMES = [
    datetime(2026, 11, 26, 16, 51, 6, 937386, tzinfo=UTC),
    datetime(2026, 1, 1, tzinfo=UTC),
    datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
    datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 6, 1, 23, 30, 15, 250000, tzinfo=timezone(timedelta(hours=2))),
    datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=-9, minutes=-30))),
]
IDS = [1, 9, 10, 99, 12345, 2**31 - 1, 2**62]


async def rendered_by_postgresql(db: Database, expressions: list[Any]) -> list[Any]:
    async with db.read_connection() as connection:
        row = (await connection.execute(select(*expressions))).one()
    return list(row)


async def test_sql_twins_render_as_python(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQL twins run on PostgreSQL only (SQLite answers are built in Python)")
    amounts = [sql_json.amount(cast(literal(cents), BigInteger)) for cents in CENTS]
    assert await rendered_by_postgresql(db, amounts) == [format_cents(c) for c in CENTS]

    # REST's MoneyNumber: the float's shortest repr as orjson writes it, up to MAX_CENTS.
    within = [c for c in CENTS if abs(c) <= MAX_CENTS] + [MAX_CENTS, -MAX_CENTS, 99999999999]
    numbers = [sql_json.money_number(cast(literal(cents), BigInteger)) for cents in within]
    assert await rendered_by_postgresql(db, numbers) == [
        orjson.dumps(cents / 100).decode() for cents in within
    ]

    times = [utc_time.sql(cast(literal(value), DateTime(timezone=True))) for value in TIMES]
    assert await rendered_by_postgresql(db, times) == [utc_time(value) for value in TIMES]

    for type_name in ("MenuItem", "ModifierOption", "KitchenTicket"):
        render = global_id(type_name)
        ids = [render.sql(cast(literal(value), BigInteger)) for value in IDS]
        assert await rendered_by_postgresql(db, ids) == [render(value) for value in IDS]

    names = enum_names(OrderStatus)
    stored = [member.value for member in OrderStatus]
    mapped = [names.sql(cast(literal(value), String)) for value in [*stored, "unknown"]]
    assert await rendered_by_postgresql(db, mapped) == [names(v) for v in stored] + [None]

    maybe = optional(global_id("Table"))
    both = [maybe.sql(cast(literal(value), Integer)) for value in (None, 7)]  # type: ignore[attr-defined]
    assert await rendered_by_postgresql(db, both) == [None, maybe(7)]

    times_or_none = [cast(literal(value), DateTime(timezone=True)) for value in (TIMES[0], None)]
    set_or_not = [is_set.sql(time) for time in times_or_none]
    assert await rendered_by_postgresql(db, set_or_not) == [True, False]
    texts = ['["a", "\\"b\\"", "\u00e9"]', "[]"]
    as_json = [sql_json.json_text(cast(literal(t), String)) for t in texts]
    assert [
        json.loads(v) if isinstance(v, str) else v
        for v in await rendered_by_postgresql(db, as_json)
    ] == [json_list(t) for t in texts]

    cursors = [
        _cursor_sql(cast(literal(t), DateTime(timezone=True)), literal(i))
        for t in TIMES
        for i in IDS
    ]
    assert await rendered_by_postgresql(db, cursors) == [_cursor(t, i) for t in TIMES for i in IDS]

    quoted = ["it's", "a ' b '' c", "", "\\'; select 1; --"]
    assert await rendered_by_postgresql(db, [sql_json.text(v) for v in quoted]) == quoted


FULL_MENU = """{ menu { __typename id databaseId name description category
  price { amount cents currency __typename } isAvailable displayOrder defaultCourse
  prepMinutes updatedAt
  modifierGroups { id databaseId name minSelections maxSelections required
    options { id databaseId name kitchenName priceDelta { amount cents } isDefault
              isAvailable displayOrder groupId } } } }"""

AWKWARD_NAMES = [
    'Quote " and backslash \\ and slash /',
    "Line\nbreak\ttab\rreturn \u0001 control",
    "Crème brûlée \u2028 \u2029 déjà vu",
    "Emoji \U0001f35c and CJK 拉麵",
]


async def test_json_spelled_by_postgresql_is_the_json_of_the_values(db: Database) -> None:
    """`sql_json.json_object` and `json_list` spell every kind of value as the Python build
    has it: numbers and booleans by their text, strings escaped (quotes, backslashes,
    control characters, non-ASCII), JSON as stored, NULL as null, lists in their order."""
    if db.is_sqlite:
        pytest.skip("JSON is spelled by PostgreSQL only (SQLite answers are built in Python)")
    strings: list[str | None] = [*AWKWARD_NAMES, "", "\x7f\x1f", None]
    integers: list[int | None] = [*IDS, 0, -(2**63), None]
    booleans: list[bool | None] = [True, False, None]
    pairs: list[tuple[str, Any]] = []
    expected: dict[str, Any] = {}
    for index, value in enumerate(strings):
        pairs.append((f"s{index}", cast(literal(value, String), String)))
        expected[f"s{index}"] = value
    for index, number in enumerate(integers):
        pairs.append((f"i{index}", cast(literal(number, BigInteger), BigInteger)))
        expected[f"i{index}"] = number
    for index, flag in enumerate(booleans):
        pairs.append((f"b{index}", cast(literal(flag, Boolean), Boolean)))
        expected[f"b{index}"] = flag
    stored = '["a", "\\"b\\"", "\u00e9"]'  # as SQLAlchemy's JSON type stores a list
    pairs.append(("json", sql_json.json_text(cast(literal(stored), String))))
    expected["json"] = json.loads(stored)
    pairs.append(("id", global_id("MenuItem").sql(cast(literal(7), BigInteger))))
    expected["id"] = global_id("MenuItem")(7)
    pairs.append(("money", sql_json.json_object([("amount", sql_json.amount(literal(-5)))])))
    expected["money"] = {"amount": "-0.05"}
    pairs.append(("empty", sql_json.json_object([])))
    expected["empty"] = {}
    pairs.append(("typename", sql_json.type_name("Query")))
    expected["typename"] = "Query"
    (spelled,) = await rendered_by_postgresql(db, [sql_json.json_object(pairs)])
    assert json.loads(spelled) == expected
    assert list(json.loads(spelled)) == list(expected)  # the selection's order
    # Stored JSON as it is; everything else byte for byte as orjson spells the Python build.
    assert stored in spelled
    assert spelled.replace(stored, "[]") == orjson.dumps({**expected, "json": []}).decode()

    rows = select(
        func.unnest(literal([3, 1, 2], ARRAY(Integer))).label("n"),
        func.unnest(literal(["c", None, 'b"'], ARRAY(String))).label("t"),
    ).subquery()
    item = sql_json.json_object([("n", rows.c.n), ("t", rows.c.t)])
    listed = select(sql_json.json_list(item, [rows.c.n])).select_from(rows).scalar_subquery()
    nothing = select(sql_json.json_list(item, [rows.c.n])).where(rows.c.n > 9).scalar_subquery()
    assert [json.loads(v) for v in await rendered_by_postgresql(db, [listed, nothing])] == [
        [{"n": 1, "t": None}, {"n": 2, "t": 'b"'}, {"n": 3, "t": "c"}],
        [],
    ]


async def test_awkward_rows_answer_the_same_built_by_postgresql(
    app: FastAPI, client: httpx.AsyncClient, gql: Any, manager: Any
) -> None:
    async def mutate(query: str, variables: dict[str, Any]) -> Any:
        body = await gql(query, variables, staff=manager)
        assert "errors" not in body, body
        return body["data"]

    items = []
    for number, name in enumerate(AWKWARD_NAMES):
        created = await mutate(
            "mutation($input: MenuItemInput!) { createMenuItem(input: $input) { "
            "... on MenuItemPayload { menuItem { id } } } }",
            {"input": {"name": name, "price": f"{number}.0{number}", "category": name[:20],
                       "description": name if number % 2 else None}},
        )  # fmt: skip
        items.append(created["createMenuItem"]["menuItem"]["id"])
    group = await mutate(
        "mutation($input: ModifierGroupInput!) { createModifierGroup(input: $input) { "
        "... on ModifierGroupPayload { modifierGroup { id } } } }",
        {"input": {"name": 'Extras "x"', "minSelections": 1, "maxSelections": 2, "options": [
            {"name": "Credit", "priceDelta": "-1.05", "kitchenName": "CR\\EDIT"},
            {"name": "Double", "priceDelta": "2.50", "isDefault": True},
            {"name": "Free", "priceDelta": "0"},
        ]}},
    )  # fmt: skip
    group_id = group["createModifierGroup"]["modifierGroup"]["id"]
    await mutate(
        "mutation($id: ID!, $groups: [ID!]!) { setMenuItemModifierGroups(menuItemId: $id, "
        "groupIds: $groups) { __typename } }",
        {"id": items[0], "groups": [group_id]},
    )
    async with app.state.db.read_connection() as connection:
        # A time with no fraction: isoformat() leaves the fraction out.
        await connection.execute(
            text("UPDATE menu_items SET updated_at = '2026-01-02 03:04:05+00'")
        )
        await connection.commit()

    door = door_of(app)
    documents = [
        (FULL_MENU, {}),
        ("query($id: ID!) { menuItem(id: $id) { name modifierGroups { name } } }",
         {"id": items[0]}),
        ("{ a: menu(first: 2) { name } b: menu(first: 3) { name } }", {}),
        ("{ __typename menu(available: true) { n: name p: price { a: amount } } }", {}),
    ]  # fmt: skip
    for query, variables in documents:
        first = await post(app, client, query, variables)  # the normal path proves it
        before = door.built_by_postgres
        second = await post(app, client, query, variables)
        assert first[0] == second[0] == 200, (first, second)
        assert in_order(second[2]) == in_order(first[2]), query
        assert "errors" not in orjson.loads(second[2])
        # Two roots binding the same parameter (`limit`) are built in Python.
        built = not app.state.db.is_sqlite and "a: menu" not in query
        assert door.built_by_postgres == before + built, query
    menu = orjson.loads((await post(app, client, FULL_MENU))[2])["data"]["menu"]
    assert {item["name"] for item in menu} >= set(AWKWARD_NAMES)
    assert {item["updatedAt"] for item in menu} == {"2026-01-02T03:04:05+00:00"}
    options = next(i for i in menu if i["id"] == items[0])["modifierGroups"][0]["options"]
    assert [o["priceDelta"]["amount"] for o in options] == ["-1.05", "2.50", "0.00"]


ORDER = """query($id: ID!) { order(id: $id) { id databaseId status customerCount
  specialRequests version createdAt updatedAt closedAt tableId diningOption
  tip { amount } total { amount cents currency }
  lines { id position name quantity modifiers seatNumber note unitPrice { amount }
          menuItem { id name price { amount } } }
  table { id tableNumber status seats { seatNumber status } }
  tickets { id station status fireNumber createdAt isDismissed
            lines { id name quantity modifiers voidedAt isVoid } } } }"""


async def test_an_order_answers_the_same_built_by_postgresql(
    app: FastAPI, client: httpx.AsyncClient, gql: Any, server: Any, manager: Any
) -> None:
    created = await gql(
        "mutation($input: MenuItemInput!) { createMenuItem(input: $input) { "
        "... on MenuItemPayload { menuItem { id } } } }",
        {"input": {"name": "Soup", "price": "6.50", "category": "Starters"}},
        staff=manager,
    )
    soup = created["data"]["createMenuItem"]["menuItem"]["id"]
    lines = [
        {"menuItemId": soup, "quantity": 3, "modifiers": ['no "salt"', "extra\\hot", "🌶️ x2"]},
        {"name": "Bread", "price": "1.05", "category": "Sides", "note": "line\nbreak"},
    ]
    placed = await gql(
        "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { "
        "... on OrderPayload { order { id } } } }",
        {"input": {"lines": lines, "customerCount": 2, "specialRequests": "ça va"}},
        staff=server,
    )
    order = placed["data"]["placeOrder"]["order"]["id"]
    door = door_of(app)
    first = await post(app, client, ORDER, {"id": order}, server.headers)
    before = door.built_by_postgres
    second = await post(app, client, ORDER, {"id": order}, server.headers)
    assert first[0] == second[0] == 200
    assert in_order(second[2]) == in_order(first[2])
    assert door.built_by_postgres == before + (not app.state.db.is_sqlite)
    answer = orjson.loads(second[2])["data"]["order"]
    assert answer["total"] == {"amount": "20.55", "cents": 2055, "currency": "USD"}
    assert answer["lines"][0]["modifiers"] == lines[0]["modifiers"]
    assert answer["tickets"] and answer["tickets"][0]["lines"][0]["modifiers"]


PAGE = """query($first: Int!, $after: String, $status: OrderStatus, $table: ID,
  $from: DateTime) {
  orders(first: $first, after: $after, status: $status, tableId: $table, createdFrom: $from) {
    __typename
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id databaseId status createdAt total { amount }
            lines { name quantity } } } } }"""


async def test_order_pages_answer_the_same_built_by_postgresql(
    app: FastAPI, client: httpx.AsyncClient, gql: Any, server: Any
) -> None:
    for count in range(5):
        placed = await gql(
            "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { "
            "... on OrderPayload { order { id } } } }",
            {"input": {"lines": [{"name": f"Dish {count}", "price": "2.25", "category": "X",
                                  "quantity": count + 1}]}},
            staff=server,
        )  # fmt: skip
        assert "errors" not in placed, placed
    orders = table_of(Order)
    async with app.state.db.read_connection() as connection:
        # Orders at the same time: the cursor's id breaks the tie; a time with no fraction
        # (isoformat leaves it out of the cursor too).
        at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        await connection.execute(update(orders).values(created_at=at))
        later = update(orders).where(orders.c.id % 2 == 0)
        await connection.execute(later.values(created_at=at + timedelta(microseconds=250000)))
        await connection.commit()

    door = door_of(app)
    asked = 0

    async def both_ways(variables: dict[str, Any], *, in_sql: bool) -> dict[str, Any]:
        """The page from the executor (a document text not proven yet), then from the door."""
        nonlocal asked
        asked += 1
        query = f"{PAGE} # {asked}"
        first = await post(app, client, query, variables, server.headers)
        before = door.built_by_postgres
        second = await post(app, client, query, variables, server.headers)
        assert first[0] == second[0] == 200
        assert in_order(second[2]) == in_order(first[2]), variables
        assert door.built_by_postgres == before + (in_sql and not app.state.db.is_sqlite)
        page: dict[str, Any] = orjson.loads(second[2])["data"]["orders"]
        return page

    seen: list[int] = []
    after = None
    for _ in range(5):
        page = await both_ways({"first": 2, "after": after}, in_sql=True)
        seen += [edge["node"]["databaseId"] for edge in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 5 and len(set(seen)) == 5

    whole = await both_ways({"first": 5, "status": "OPEN"}, in_sql=True)
    assert whole["pageInfo"]["hasNextPage"] is False
    assert [e["node"]["databaseId"] for e in whole["edges"]] == seen
    empty = await both_ways({"first": 3, "table": "VGFibGU6OTk5OTk="}, in_sql=True)
    assert empty["edges"] == []
    assert empty["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": False,
                                 "startCursor": None, "endCursor": None}  # fmt: skip
    # A page between dates is built per request: Python builds its answer.
    dated = await both_ways({"first": 2, "from": "2026-01-01T00:00:00Z"}, in_sql=False)
    assert len(dated["edges"]) == 2

    # A page next to another root, in one statement; next to the menu (which binds `limit`
    # too) in Python.
    order_id = whole["edges"][0]["node"]["id"]
    for other, in_sql in ((f'order(id: "{order_id}") {{ version }}', True), ("menu { id }", False)):
        query = f"{{ {other} orders(first: 2) {{ pageInfo {{ endCursor }} edges {{ cursor }} }} }}"
        first = await post(app, client, query, {}, server.headers)
        before = door.built_by_postgres
        second = await post(app, client, query, {}, server.headers)
        assert in_order(second[2]) == in_order(first[2])
        assert b'"errors"' not in second[2]
        assert door.built_by_postgres == before + (in_sql and not app.state.db.is_sqlite)
