"""Cost, list bounds, depth, operation choice and suggestions of the GraphQL endpoint."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from graphql import GraphQLList, GraphQLNonNull, assert_object_type, get_named_type, parse
from graphql import build_schema as build_graphql_schema

from restaurant_api.api.cost import (
    Feed,
    FeedRows,
    Fixed,
    Page,
    document_cost,
    unbounded_list_fields,
)
from restaurant_api.config import Environment, Settings
from restaurant_api.graphql_bounds import list_bounds
from restaurant_api.main import create_app
from restaurant_api.menu.models import MenuItem
from restaurant_api.schema import build_schema
from tests.conftest import gid, make_settings

SETTINGS = Settings(environment="development")
SCHEMA = build_schema(SETTINGS)._schema
BOUNDS = list_bounds(SETTINGS)


def cost_of(query: str, variables: dict[str, Any] | None = None) -> int:
    return document_cost(SCHEMA, BOUNDS, parse(query), None, variables)


@asynccontextmanager
async def app_with(backend: Any, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(make_settings(backend.url, **overrides))
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as http:
            yield http
    finally:
        await app.state.db.dispose()


async def post(http: httpx.AsyncClient, query: str, staff: Any = None, **body: Any) -> Any:
    headers = staff.headers if staff else {}
    response = await http.post("/graphql", json={"query": query, **body}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


# --- every list is bounded ----------------------------------------------------------------


def test_every_list_field_of_the_schema_has_a_bound():
    assert unbounded_list_fields(SCHEMA, BOUNDS) == []


def test_the_walk_finds_a_list_field_without_a_bound():
    # The check above can fail: drop one declaration and it names the field.
    fewer = {key: value for key, value in BOUNDS.items() if key != "Order.lines"}
    assert unbounded_list_fields(SCHEMA, fewer) == ["Order.lines"]


def test_every_declared_bound_names_a_list_or_paged_field():
    feed_messages = set()
    for key, bound in BOUNDS.items():
        if isinstance(bound, Feed):
            type_name, field_name = key.split(".")
            field = assert_object_type(SCHEMA.type_map[type_name]).fields[field_name]
            assert type_name == "Subscription" and bound.argument in field.args, key
            feed_messages.add(get_named_type(field.type).name)
    for key, bound in BOUNDS.items():
        type_name, field_name = key.split(".")
        field = assert_object_type(SCHEMA.type_map[type_name]).fields[field_name]
        field_type = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        if isinstance(bound, Page):
            assert "first" in field.args, key
            assert field.args["first"].default_value == bound.default, key
        elif isinstance(bound, FeedRows):
            # Sized by the subscription field whose messages hold this list.
            assert type_name in feed_messages, key
            assert isinstance(field_type, GraphQLList), key
        elif not isinstance(bound, Feed):
            assert isinstance(field_type, GraphQLList), key


def test_relay_convention_bounds_connections_and_first_without_declarations():
    # New connections (issue 10) need no entry: `first` max 100, `edges` sized by it.
    sdl = """
      type Query { things(first: Int): ThingConnection! paged(first: Int = 5): [Thing!]! }
      type ThingConnection { edges: [ThingEdge!]! }
      type ThingEdge { node: Thing! }
      type Thing { id: ID! tags: [Thing!]! }
    """
    schema = build_graphql_schema(sdl)
    assert unbounded_list_fields(schema, {}) == ["Thing.tags"]

    def cost(query: str) -> int:
        return document_cost(schema, {}, parse(query), None, None)

    assert cost("{ things { edges { node { id } } } }") == 1 + 100 * 2
    assert cost("{ things(first: 3) { edges { node { id } } } }") == 1 + 3 * 2
    assert cost("{ paged { id } }") == 5
    assert cost("{ paged(first: 2) { tags { id } } }") == 2 * (1 + 100)


# --- the cost model -------------------------------------------------------------------------


def test_cost_multiplies_list_sizes_down_the_nesting():
    assert cost_of("{ me { id } }") == 1
    assert cost_of("{ __typename }") == 0
    # menu: default page 200; each item and its price object count.
    assert cost_of("{ menu { id price { amount } } }") == 200 * (1 + 1)
    assert cost_of("{ menu(first: 3) { id } }") == 3
    bound = BOUNDS["Order.lines"]
    assert isinstance(bound, Fixed)
    lines = bound.maximum
    # orders(first: 10): the connection, 10 edges, 10 nodes, their lines.
    assert cost_of("{ orders(first: 10) { edges { node { lines { name } } } } }") == 1 + 10 * (
        1 + 1 + lines
    )


def test_fragments_inline_fragments_and_aliases_all_count():
    inline = "{ orders(first: 5) { edges { node { id lines { name } } } } }"
    with_fragment = """
      fragment L on Order { lines { name } }
      { orders(first: 5) { edges { node { id ...L } } } }"""
    with_inline = "{ orders(first: 5) { edges { node { ... on Order { lines { name } } } } } }"
    aliased = """{ a: orders(first: 5) { edges { node { lines { name } } } }
                   b: orders(first: 5) { edges { node { lines { name } } } } }"""
    assert cost_of(with_fragment) == cost_of(inline) == cost_of(with_inline)
    assert cost_of(aliased) == 2 * cost_of(inline)


def test_cost_reads_first_from_variables_and_their_defaults():
    query = "query($n: Int = 7) { menu(first: $n) { name } }"
    assert cost_of(query) == 7
    assert cost_of(query, {"n": 40}) == 40
    assert cost_of(query, {"n": None}) == 200  # null: the field's default page
    # A connection's edges take the connection field's `first` the same way.
    users = "query($n: Int = 7) { users(first: $n) { edges { node { id } } } }"
    assert cost_of(users) == 1 + 7 * 2
    assert cost_of(users, {"n": 40}) == 1 + 40 * 2


def test_following_one_order_costs_one_order():
    # Every open order: the snapshot bound (200) of orders; one followed order: one order.
    order = "{ id lines { id modifiers } tickets { id } }"  # 1 + 50 + 10 = 61 per order
    every = f"subscription {{ orderUpdates {{ kind orders {order} removedOrderIds }} }}"
    assert cost_of(every) == 1 + 200 * 61
    one = f"subscription($id: ID) {{ orderUpdates(orderId: $id) {{ orders {order} }} }}"
    assert cost_of(one, {"id": gid("Order", 1)}) == 1 + 61
    assert cost_of(one, {"id": None}) == cost_of(one) == 1 + 200 * 61
    inline = f'subscription {{ orderUpdates(orderId: "{gid("Order", 1)}") {{ orders {order} }} }}'
    assert cost_of(inline) == 1 + 61


def test_nested_fragments_are_not_walked_exponentially():
    # Each fragment spreads the previous one twice: 2^40 copies if walked naively.
    fragments = ["fragment F0 on Order { lines { name } }"]
    for i in range(1, 41):
        fragments.append(f"fragment F{i} on Order {{ ...F{i - 1} ...F{i - 1} }}")
    query = "\n".join(fragments) + "\n{ orders(first: 1) { edges { node { ...F40 } } } }"
    started = time.perf_counter()
    cost = cost_of(query)
    assert time.perf_counter() - started < 0.5
    assert cost > 2**40  # counted as written: far over any budget


# --- refused before execution, reported in extensions --------------------------------------

FRAGMENTS = """
fragment Line on OrderLine { id name quantity unitPrice { amount } menuItem { id name } }
fragment Ticket on KitchenTicket {
  id status lines { name } timeline(first: 10) { edges { node { status at } } }
}
fragment Full on Order { id total { amount } lines { ...Line } tickets { ...Ticket } }
"""


def issue_document() -> str:
    """The issue's attack: 30 aliased `orders(first: 100)` with nested fragments, ~1.5 KB."""
    alias = "o{}: orders(first: 100) {{ edges {{ node {{ ...Full }} }} }}"
    return FRAGMENTS + "{ " + " ".join(alias.format(i) for i in range(30)) + " }"


async def test_issue_document_is_refused_before_execution(
    backend, kitchen, client, count_statements
):
    document = issue_document()
    assert 1400 < len(document.encode()) < 2600
    with count_statements() as counter:
        started = time.perf_counter()
        body = await post(client, document, kitchen)
        elapsed = time.perf_counter() - started
    assert body["data"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert "exceeds the maximum of 50000" in error["message"]
    assert body["extensions"]["cost"]["maximum"] == 50_000
    assert body["extensions"]["cost"]["requested"] == cost_of(document) > 50_000
    # Only the token's user was read: no order was loaded.
    assert not any("orders" in statement for statement in counter.statements), counter.statements
    assert elapsed < 1.0


async def test_cost_is_reported_for_an_executed_query(backend, client):
    body = await post(client, "{ menu(first: 5) { id price { amount } } }")
    assert body["data"] == {"menu": []}
    assert body["extensions"] == {"cost": {"requested": 10, "maximum": 50_000}}


async def test_budget_boundary_is_exact(backend, server):
    query = "{ menu(first: 10) { id price { amount } } }"  # cost 20
    async with app_with(backend, graphql_max_cost=20) as http:
        allowed = await post(http, query, server)
    async with app_with(backend, graphql_max_cost=19) as http:
        refused = await post(http, query, server)
    assert allowed["data"] == {"menu": []}
    assert allowed["extensions"]["cost"] == {"requested": 20, "maximum": 20}
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert refused["extensions"]["cost"] == {"requested": 20, "maximum": 19}


async def test_mutation_over_budget_changes_nothing(backend, manager, db):
    mutation = """mutation { createMenuItem(input: {name: "Soup", price: "4.50", category: "S"}) {
        ... on MenuItemPayload { menuItem { id } } } }"""
    async with app_with(backend, graphql_max_cost=1) as http:
        body = await post(http, mutation, manager)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    async with db.session(read_only=True) as session:
        assert await session.get(MenuItem, 1) is None


# --- page sizes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "table", "maximum"),
    [
        ("users", "users", 100),
        ("menu", "menu_items", 500),
        ("kitchenTickets", "kitchen_tickets", 200),
        ("kitchenTicketHistory", "kitchen_tickets", 100),
        ("orders", "orders", 100),
        ("invitations", "invitations", 100),
    ],
)
async def test_first_outside_its_bounds_is_refused_before_loading(
    backend, client, admin, count_statements, field, table, maximum
):
    connection = field in ("orders", "users", "kitchenTicketHistory")
    selection = "{ edges { cursor } }" if connection else "{ id }"
    for bad in (0, -1, maximum + 1):
        # Refused by the field itself (schema 1.0: its siblings still answer), before
        # anything of the list is read; the cost check counts it at its maximum.
        with count_statements() as counter:
            body = await post(client, f"{{ {field}(first: {bad}) {selection} me {{ id }} }}", admin)
        assert body["data"] == {field: None, "me": {"id": gid("User", admin.user.id)}}, body
        [error] = body["errors"]
        assert error["path"] == [field]
        assert error["message"] == f"first must be between 1 and {maximum}"
        assert error["extensions"] == {"code": "VALIDATION_ERROR", "field": "first"}
        pages = [s for s in counter.statements if f"FROM {table}" in s and "LIMIT" in s]
        assert not pages, counter.statements
    # The same refusal through a variable.
    query = f"query($n: Int!) {{ {field}(first: $n) {selection} }}"
    body = await post(client, query, admin, variables={"n": maximum + 1})
    assert body["data"] == {field: None}
    assert body["errors"][0]["extensions"] == {"code": "VALIDATION_ERROR", "field": "first"}
    ok = await post(client, query, admin, variables={"n": maximum})
    assert "errors" not in ok, ok


def test_first_outside_its_bounds_costs_the_maximum():
    assert cost_of("{ orders(first: 100) { edges { cursor } } }") == 1 + 100
    for bad in (0, -1, 101, 10**9):
        assert cost_of(f"{{ orders(first: {bad}) {{ edges {{ cursor }} }} }}") == 1 + 100
    assert cost_of("query($n: Int!) { menu(first: $n) { id } }", {"n": 10**9}) == 500


async def test_first_limits_root_lists(backend, gql, admin, make_staff, db):
    async with db.session() as session:
        for name in ("Soup", "Tea", "Cake"):
            session.add(MenuItem(name=name, name_key=name.casefold(), category="M", price_cents=1))
    for _ in range(2):
        await make_staff()
    menu = await gql("{ menu(first: 2) { name } }")
    assert [item["name"] for item in menu["data"]["menu"]] == ["Cake", "Soup"]
    assert len((await gql("{ menu { name } }"))["data"]["menu"]) == 3
    assert len((await gql("{ menu(first: null) { name } }"))["data"]["menu"]) == 3
    users = await gql("{ users(first: 2) { edges { node { id } } } }", staff=admin)
    assert len(users["data"]["users"]["edges"]) == 2
    every = await gql("{ users { edges { node { id } } } }", staff=admin)
    assert len(every["data"]["users"]["edges"]) == 3


async def test_first_limits_kitchen_tickets(backend, gql, kitchen, db):
    from tests.live.conftest import make_ticket

    for _ in range(3):
        await make_ticket(db)
    body = await gql("{ kitchenTickets(first: 2) { id } }", staff=kitchen)
    assert len(body["data"]["kitchenTickets"]) == 2
    assert (
        len((await gql("{ kitchenTickets { id } }", staff=kitchen))["data"]["kitchenTickets"]) == 3
    )


# --- depth ----------------------------------------------------------------------------------


ORDER_1 = gid("Order", 1)


def nested(levels: int) -> str:
    """`levels` levels of fields: order -> table -> currentOrder -> table ... -> id."""
    inner = "id"
    for level in reversed(range(levels - 2)):
        inner = f"{('table', 'currentOrder')[level % 2]} {{ {inner} }}"
    return f'{{ order(id: "{ORDER_1}") {{ {inner} }} }}'


async def test_depth_limit_admits_exactly_max_depth_levels(backend, server):
    assert nested(4) == f'{{ order(id: "{ORDER_1}") {{ table {{ currentOrder {{ id }} }} }} }}'
    async with app_with(backend, graphql_max_depth=4) as http:
        at_limit = await post(http, nested(4), server)
        over = await post(http, nested(5), server)
        with_fragment = await post(
            http,
            "fragment T on Table { currentOrder { table { id } } } "
            f'{{ order(id: "{ORDER_1}") {{ table {{ ...T }} }} }}',
            server,
        )
    assert at_limit == {
        "data": {"order": None},
        "extensions": {"cost": {"requested": 3, "maximum": 50_000}},
    }
    assert over["data"] is None
    assert over["errors"][0]["message"] == "'anonymous' exceeds maximum operation depth of 4"
    assert with_fragment["errors"][0]["message"] == (
        "'anonymous' exceeds maximum operation depth of 4"
    )


async def test_default_depth_limit_is_ten_levels(backend, client, server):
    assert (await post(client, nested(10), server)).get("errors") is None
    over = await post(client, nested(11), server)
    assert over["errors"][0]["message"] == "'anonymous' exceeds maximum operation depth of 10"


# --- several operations ----------------------------------------------------------------------

TWO_OPERATIONS = """
mutation Create { createMenuItem(input: {name: "Soup", price: "4.50", category: "S"}) {
  ... on MenuItemPayload { menuItem { id } } } }
query Read { menu { name } }
"""


async def test_two_operations_without_operation_name_is_an_error(backend, client, manager, db):
    body = await post(client, TWO_OPERATIONS, manager)
    assert body == {
        "data": None,
        "errors": [
            {
                "message": "Must provide operation name if query contains multiple operations.",
                "extensions": {"code": "OPERATION_NAME_REQUIRED"},
            }
        ],
    }
    async with db.session(read_only=True) as session:
        assert await session.get(MenuItem, 1) is None  # the first operation did not run
    chosen = await post(client, TWO_OPERATIONS, manager, operationName="Read")
    assert chosen["data"] == {"menu": []}
    created = await post(client, TWO_OPERATIONS, manager, operationName="Create")
    assert created["data"]["createMenuItem"]["menuItem"]["id"] is not None


# --- suggestions -----------------------------------------------------------------------------

MISTAKES: list[tuple[str, dict[str, Any]]] = [
    ("{ men { id } }", {}),  # field
    ("{ tables(status: AVAILABL) { id } }", {}),  # enum value
    ('{ menu(categry: "x") { id } }', {}),  # argument
    ("query($x: Strin) { menu(category: $x) { id } }", {}),  # type
    ("{ me { ... on Usr { id } } }", {}),  # type condition
    ("fragment F on Usr { id } { me { ...F } }", {}),  # fragment type
    ('mutation { login(input: {emial: "a@b.co", password: "x"}) { __typename } }', {}),
    ("query($s: TableStatus) { tables(status: $s) { id } }", {"s": "AVAILABL"}),  # variable
    (
        "mutation($i: LoginInput!) { login(input: $i) { __typename } }",
        {"i": {"emial": "a@b.co", "password": "x"}},
    ),  # input field in a variable
    (
        'mutation { login(input: {email: "a@b.co", password: "x"}) { code } }',
        {},
    ),  # "to use an inline fragment on"
]


@pytest.mark.parametrize("environment", [Environment.PRODUCTION, Environment.DEVELOPMENT])
async def test_no_suggestions_of_any_kind_in_production(backend, server, environment):
    async with app_with(backend, environment=environment) as http:
        bodies = [await post(http, query, server, variables=v) for query, v in MISTAKES]
    messages = [" | ".join(error["message"] for error in body["errors"]) for body in bodies]
    for body in bodies:
        assert body["data"] is None, body
    if environment is Environment.PRODUCTION:
        assert not [m for m in messages if "Did you mean" in m or "did you mean" in m], messages
        assert messages[1] == "Value 'AVAILABL' does not exist in 'TableStatus' enum."
        assert messages[3] == "Unknown type 'Strin'."
    else:
        # Development keeps them: proof that the production run had something to strip.
        assert all("Did you mean" in m for m in messages), messages


async def test_subscription_over_http_is_a_clear_error(backend, client, kitchen):
    body = await post(client, "subscription { kitchenTickets { kind } }", kitchen)
    assert body == {
        "data": None,
        "errors": [
            {
                "message": "Subscriptions are served over websockets (graphql-transport-ws) "
                "at /graphql, not over HTTP",
                "extensions": {"code": "VALIDATION_ERROR"},
            }
        ],
    }
