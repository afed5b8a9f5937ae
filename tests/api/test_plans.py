"""Compiled plans (restaurant_api.api.plans) answer exactly as graphql-core's executor.

A differential test: every document of the corpus runs through a schema with plans and one
without, as every role and anonymously, on SQLite and PostgreSQL; the JSON answers (data,
errors, extensions, key order included) must be identical. Documents a plan cannot answer
must fall back, and the plans' SQL statements must not grow with the list lengths.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI

from restaurant_api.api.graphql import Context
from restaurant_api.db import Database
from restaurant_api.schema import RestaurantSchema, build_schema
from restaurant_api.users.models import Role, User
from tests.conftest import gid

PLACE = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  __typename ... on OrderPayload { order { id tickets { id } } } } }"""

ORDER_FIELDS = """id databaseId status customerCount specialRequests version paymentMethod
  cancelReason createdAt updatedAt closedAt tableId createdById diningOption __typename
  tip { amount cents currency } total { amount cents currency __typename }
  lines { id databaseId position name category quantity modifiers seatNumber note menuItemId
          orderId unitPrice { amount } lineTotal { amount cents }
          menuItem { id databaseId name description category price { amount cents currency }
                     isAvailable displayOrder updatedAt } }
  table { id databaseId tableNumber capacity status version updatedAt currentOrderId
          mergedInto isOccupied seats { id databaseId seatNumber status customerName } }
  tickets { id databaseId station status fireNumber dismissedAt createdAt updatedAt orderId
            isDismissed order { id status }
            lines { id databaseId name quantity modifiers seatNumber note voidedAt voidReason
                    orderLineId isVoid } }"""

# From the benchmark (bench/bench_reads.py) and the test suite (tests/orders, tests/menu,
# tests/tables), plus shapes that exercise the compiler: fragments, aliases, directives.
BENCH_ORDER_FIELDS = """id databaseId status customerCount specialRequests version createdAt
  total { amount }
  table { id tableNumber capacity status }
  lines { id position name category quantity modifiers seatNumber unitPrice { amount }
          menuItem { id name category price { amount } } }
  tickets { id station status fireNumber
            lines { id name quantity modifiers seatNumber } }"""
SUITE_ORDERS = """
query($first: Int!, $after: String, $status: OrderStatus, $tableId: ID) {
  orders(first: $first, after: $after, status: $status, tableId: $tableId) {
    edges {
      cursor
      node {
        id total { amount }
        lines { name unitPrice { amount } menuItem { name price { amount } } }
        table { tableNumber seats { seatNumber } }
        tickets { status lines { name } order { id } }
      }
    }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""
TABLE_FIELDS = (
    "id tableNumber capacity status isOccupied currentOrderId mergedInto "
    "seats { seatNumber status customerName }"
)


def corpus(ids: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(document, variables) pairs; every one of them is meant to be planned."""
    return [
        (
            "{ menu { id databaseId name description category price { amount cents } "
            "isAvailable displayOrder } }",
            {},
        ),
        (
            "{ menu { __typename id databaseId name description category "
            "price { __typename amount cents currency } isAvailable displayOrder updatedAt } }",
            {},
        ),
        ('{ menu(category: "Drinks") { name } gone: menu(available: false) { name } }', {}),
        ("query($c: String, $f: Int) { menu(category: $c, first: $f) { name } }", {"f": 2}),
        ("query($c: String, $f: Int) { menu(category: $c, first: $f) { name } }", {"c": "Mains"}),
        ("{ menu(first: null) { id } }", {}),
        ("{ menu(first: 0) { id } }", {}),  # an error: the executor answers
        (
            "query($id: ID!) { menuItem(id: $id) { ...Item } } "
            "fragment Item on MenuItem { id name price { ... on Money { amount } } }",
            {"id": ids["dish"]},
        ),
        ("query($id: ID!) { menuItem(id: $id) { id } }", {"id": gid("MenuItem", 999_999)}),
        ("query($id: ID!) { menuItem(id: $id) { id } }", {"id": "not-an-id"}),
        ("query($id: ID!) { menuItem(id: $id) { id } }", {"id": ids["open"]}),
        (
            "{ orders(first: 50, status: OPEN) { edges { node { " + BENCH_ORDER_FIELDS + " } } } }",
            {},
        ),
        ("query($id: ID!) { order(id: $id) { " + BENCH_ORDER_FIELDS + " } }", {"id": ids["open"]}),
        *[
            ("query($id: ID!) { order(id: $id) { " + ORDER_FIELDS + " } }", {"id": ids[name]})
            for name in ("open", "closed", "cancelled", "counter")
        ],
        ("query($id: ID!) { order(id: $id) { id } }", {"id": gid("Order", 999_999)}),
        ("query($id: ID!) { order(id: $id) { id } }", {"id": ids["dish"]}),
        (SUITE_ORDERS, {"first": 2}),
        (SUITE_ORDERS, {"first": 2, "after": ids["cursor"]}),
        (SUITE_ORDERS, {"first": 10, "status": "CLOSED"}),
        (SUITE_ORDERS, {"first": 10, "tableId": ids["table"]}),
        (SUITE_ORDERS, {"first": 10, "after": "!!!"}),
        (SUITE_ORDERS, {"first": 0}),
        (SUITE_ORDERS, {"first": 10, "after": ""}),
        (
            "{ orders { edges { node { " + ORDER_FIELDS + " } cursor } pageInfo { endCursor } } }",
            {},
        ),
        (
            '{ orders(createdFrom: "2000-01-01T00:00:00Z", createdTo: "2999-01-01T00:00:00Z") '
            "{ pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }",
            {},
        ),
        ("{ orders(status: SPLIT) { edges { cursor } pageInfo { startCursor } } }", {}),
        (
            "query($a: Boolean!, $b: Boolean!) { orders(first: 5) { edges { node { id "
            "lines @include(if: $a) { name } total @skip(if: $b) { amount } "
            "... on Order @include(if: $b) { status } } } } "
            "menu @skip(if: $a) { name } }",
            {"a": True, "b": False},
        ),
        (
            "query($a: Boolean!, $b: Boolean!) { orders(first: 5) { edges { node { id "
            "lines @include(if: $a) { name } total @skip(if: $b) { amount } "
            "... on Order @include(if: $b) { status } } } } "
            "menu @skip(if: $a) { name } }",
            {"a": False, "b": True},
        ),
        (
            "query { __typename orders(first: 3) { __typename edges { __typename node { "
            "x: id id y: lines { name } lines { quantity } lines { name note } "
            "...OrderBits ... on Node { id } } } } } "
            "fragment OrderBits on Order { status table { ...TableBits } "
            "tickets { ... on KitchenTicket { station } ... on Node { __typename } } } "
            "fragment TableBits on Table { tableNumber number: tableNumber }",
            {},
        ),
        ("query Menu { menu { name } } query Other { menuItem(id: 1) { id } }", {}),
        ("{ menu @include(if: false) { name } }", {}),
        ("{ tables { " + TABLE_FIELDS + " } }", {}),
        (
            "{ tables(status: OCCUPIED) { id databaseId version updatedAt "
            "seats { id databaseId } currentOrder { id total { amount } } } }",
            {},
        ),
        ("query($id: ID!) { table(id: $id) { " + TABLE_FIELDS + " } }", {"id": ids["table"]}),
        ("query($id: ID!) { table(id: $id) { id } }", {"id": "x"}),
        ('{ orders(createdFrom: "2026-01-01T10:00") { edges { cursor } } }', {}),
    ]


UNPLANNED = [
    "{ menu { name } me { name } }",
    '{ node(id: "TWVudUl0ZW06MQ==") { id } }',
    "{ __schema { queryType { name } } }",
    "{ kitchenTickets { id } }",
    "{ orders { edges { node { tickets { timeline { edges { cursor } } } } } } }",
    "mutation { createTable(input: {tableNumber: 77, capacity: 2}) { __typename } }",
    # The check is priced by the executor (pricing.service), not compiled.
    "{ orders { edges { node { diningOption total { amount } check { subtotal { amount } "
    "total { amount } taxes { name rate amount { amount } } lines { lineId total { amount } } "
    "} } } } }",
]


def graphql_schema(app: FastAPI) -> RestaurantSchema:
    """The schema the app's /graphql router executes."""
    for route in app.routes:
        schema = getattr(getattr(route, "original_router", None), "schema", None)
        if isinstance(schema, RestaurantSchema):
            return schema
    raise AssertionError("no GraphQL router")


async def answer(
    schema: Any, db: Database, app: FastAPI, user: User | None, query: str, variables: Any
) -> str:
    context = Context(db=db, settings=app.state.settings, user=user)
    result = await schema.execute(query, variable_values=variables, context_value=context)
    errors = [error.formatted for error in result.errors or []]
    return json.dumps({"data": result.data, "errors": errors, "extensions": result.extensions})


@pytest.fixture
async def restaurant(gql: Any, manager: Any, server: Any, kitchen: Any) -> dict[str, Any]:
    """Menu items, tables with seats, and orders in every state with tickets."""

    async def mutate(query: str, variables: dict[str, Any], staff: Any = manager) -> Any:
        body = await gql(query, variables, staff=staff)
        assert "errors" not in body, body
        return body["data"]

    items = {}
    for name, price, category, available in [
        ("Soup", "6.50", "Starters", True),
        ("Steak", "24.99", "Mains", True),
        ("Fish", "19.00", "Mains", False),
        ("Cola", "3.10", "Drinks", True),
        ("Cake", "7.25", "Desserts", True),
    ]:
        created = await mutate(
            "mutation($input: MenuItemInput!) { createMenuItem(input: $input) { "
            "... on MenuItemPayload { menuItem { id } } } }",
            {"input": {"name": name, "price": price, "category": category,
                       "isAvailable": available, "description": None if name == "Cola"
                       else f"{name} of the day"}},
        )  # fmt: skip
        items[name] = created["createMenuItem"]["menuItem"]["id"]
    tables = []
    for number in (1, 2, 3):
        created = await mutate(
            "mutation($n: Int!) { createTable(input: {tableNumber: $n, capacity: 2}) { "
            "... on TablePayload { table { id } } } }",
            {"n": number},
        )
        tables.append(created["createTable"]["table"]["id"])
    await mutate(
        'mutation($t: ID!) { assignSeat(tableId: $t, seatNumber: 2, customerName: "Ann") '
        "{ __typename } }",
        {"t": tables[2]},
    )

    async def place(lines: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        data = await mutate(PLACE, {"input": {"lines": lines, **extra}}, server)
        return data["placeOrder"]["order"]

    steak, cola, cake = items["Steak"], items["Cola"], items["Cake"]
    open_order = await place(
        [
            {"menuItemId": steak, "quantity": 2, "modifiers": ["rare", "no salt"], "seatNumber": 1},
            {"menuItemId": cola, "note": "ice"},
            {"menuItemId": cake},
            {"name": "Corkage", "price": "5.00", "category": "Wine"},
        ],
        tableId=tables[0],
        customerCount=2,
        specialRequests="window",
    )
    closed = await place([{"menuItemId": cola, "quantity": 3}], tableId=tables[1])
    cancelled = await place([{"menuItemId": steak}, {"menuItemId": cake}])
    counter = await place([{"name": "Tea", "price": "2.00", "category": "Drinks"}])
    await mutate(
        'mutation($id: ID!) { closeOrder(orderId: $id, paymentMethod: "card", tip: "1.50") '
        "{ __typename } }",
        {"id": closed["id"]},
    )
    await mutate(
        'mutation($id: ID!) { cancelOrder(orderId: $id, reason: "mistake") { __typename } }',
        {"id": cancelled["id"]},
    )
    # A removed line is voided on its ticket (voidedAt, voidReason); one more fired later.
    lines = await gql(
        "query($id: ID!) { order(id: $id) { lines { id } } }",
        {"id": open_order["id"]},
        staff=server,
    )
    await mutate(
        "mutation($id: ID!, $input: UpdateOrderInput!) { updateOrder(orderId: $id, "
        "input: $input) { __typename } }",
        {
            "id": open_order["id"],
            "input": {
                "removeLineIds": [lines["data"]["order"]["lines"][1]["id"]],
                "addLines": [{"menuItemId": items["Soup"], "seatNumber": 2}],
            },
        },
        server,
    )
    ticket = open_order["tickets"][0]["id"]
    await mutate(
        "mutation($id: ID!) { updateTicketStatus(ticketId: $id, status: PREPARING) "
        "{ __typename } }",
        {"id": ticket},
        kitchen,
    )
    await mutate(
        "mutation($id: ID!) { removeTicket(ticketId: $id) { __typename } }",
        {"id": open_order["tickets"][-1]["id"]},
        kitchen,
    )
    first = await gql(SUITE_ORDERS, {"first": 1}, staff=server)
    return {
        "dish": steak,
        "open": open_order["id"],
        "closed": closed["id"],
        "cancelled": cancelled["id"],
        "counter": counter["id"],
        "table": tables[0],
        "cursor": first["data"]["orders"]["pageInfo"]["endCursor"],
    }


async def test_plans_answer_exactly_as_the_executor(
    app: FastAPI, db: Database, restaurant: dict[str, Any], make_staff: Any
) -> None:
    planned = build_schema(app.state.settings)
    plain = build_schema(app.state.settings.model_copy(update={"graphql_compiled_plans": False}))
    assert planned.plans is not None and plain.plans is None
    viewers: list[User | None] = [None]
    for role in Role:
        viewers.append((await make_staff(role)).user)
    documents = corpus(restaurant)
    planned_documents = 0
    for query, variables in documents:
        seen = planned.plans.answered + planned.plans.abandoned
        for user in viewers:
            expected = await answer(plain, db, app, user, query, variables)
            answered = planned.plans.answered
            assert await answer(planned, db, app, user, query, variables) == expected, (
                query,
                variables,
                user and user.role,
            )
            if not json.loads(expected)["errors"]:  # answers without errors are the plan's
                assert planned.plans.answered == answered + 1, (query, variables)
        ran = planned.plans.answered + planned.plans.abandoned - seen
        # Refused before execution (several operations without a name, over the cost
        # budget) reaches neither; anything executed went through the plan first.
        body = json.loads(expected)
        codes = {e.get("extensions", {}).get("code") for e in body["errors"]}
        refused = bool(codes & {"QUERY_TOO_COSTLY", "OPERATION_NAME_REQUIRED"}) or (
            body["data"] is None and "cost" not in body["extensions"]  # invalid literal
        )
        assert ran == (0 if refused else len(viewers)), (variables, expected[:300])
        planned_documents += ran > 0
    assert planned_documents >= len(documents) - 3  # refused before execution
    # The corpus reached the rarer values: a voided ticket line, a dismissed ticket, nulls.
    full = await answer(planned, db, app, viewers[1], documents[13][0], {"id": restaurant["open"]})
    assert '"isVoid": true' in full and '"isDismissed": true' in full
    assert '"note": null' in full and '"menuItem": null' in full
    assert planned.plans.answered > planned_documents * len(viewers) // 2


async def test_unknown_fields_and_other_operations_fall_back(
    app: FastAPI, db: Database, restaurant: dict[str, Any], admin: Any
) -> None:
    planned = build_schema(app.state.settings)
    plain = build_schema(app.state.settings.model_copy(update={"graphql_compiled_plans": False}))
    for query in UNPLANNED:
        expected = await answer(plain, db, app, admin.user, query, {})
        got = await answer(planned, db, app, admin.user, query, {})
        if query.startswith("mutation"):  # the first created the table: compare shapes
            assert json.loads(got)["data"]["createTable"]["__typename"] == "ConflictError"
        else:
            assert got == expected, query
    assert planned.plans is not None
    assert planned.plans.answered == planned.plans.abandoned == 0


async def test_http_requests_run_the_plan(
    app: FastAPI, gql: Any, restaurant: dict[str, Any], server: Any
) -> None:
    plans = graphql_schema(app).plans
    assert plans is not None
    if app.state.response_cache is not None:
        app.state.response_cache.clear()  # a cached answer would not reach execution
    before = plans.answered
    body = await gql("{ menu { name price { amount } } }")
    assert [item["name"] for item in body["data"]["menu"]][:2] == ["Cake", "Cola"]
    body = await gql(SUITE_ORDERS, {"first": 1}, staff=server)
    assert body["data"]["orders"]["pageInfo"]["hasNextPage"] is True
    assert plans.answered == before + 2
    # An error (no token) is the executor's answer, as before.
    body = await gql(SUITE_ORDERS, {"first": 1})
    assert body["errors"][0]["message"] == "Not authenticated"
    assert plans.answered == before + 2


async def test_plan_statements_do_not_grow_with_the_page(
    app: FastAPI, gql: Any, server: Any, count_statements: Any, restaurant: dict[str, Any]
) -> None:
    schema = graphql_schema(app)
    assert schema.plans is not None
    query = "{ orders(first: 50) { edges { node { " + ORDER_FIELDS + " } } } }"
    counts = {}
    for extra in (0, 6):
        for _ in range(extra):
            await gql(
                PLACE,
                {"input": {"lines": [{"menuItemId": restaurant["dish"]}] * 3}},
                staff=server,
            )
        answered = schema.plans.answered
        with count_statements() as counter:
            body = await gql(query, staff=server)
        assert schema.plans.answered == answered + 1
        counts[len(body["data"]["orders"]["edges"])] = counter.count
    # 1 caller + orders + lines (total shares it) + menu items + table + seats + tickets
    # + ticket lines + ticket orders.
    assert set(counts.values()) == {9}, counts
    assert len(counts) == 2
