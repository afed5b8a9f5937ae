"""The front door (restaurant_api.api.front_door) answers proven documents exactly as the
normal path does: same status, media type and JSON (the same values and keys in the same
order; on PostgreSQL the JSON of most of them is spelled by PostgreSQL, `api.plan_sql`), for
every role and anonymously, on SQLite and PostgreSQL; anything it cannot answer the same way
goes on to the normal path."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
from fastapi import FastAPI

from restaurant_api.api.front_door import PlanDoor
from restaurant_api.users.models import Role
from tests.api import test_plans
from tests.api.test_plans import SUITE_ORDERS, corpus
from tests.conftest import gid

MENU = "{ menu { id name price { amount } } }"
restaurant = test_plans.restaurant  # the plans' fixture: the same menu, tables and orders


def in_order(body: bytes) -> Any:
    """The JSON of a body with every object as its list of (key, value) pairs: equal only
    for the same keys in the same order (orjson's dicts would compare keys in any order)."""

    def ordered(value: Any) -> Any:
        if isinstance(value, dict):
            return [(key, ordered(item)) for key, item in value.items()]
        if isinstance(value, list):
            return [ordered(item) for item in value]
        return value

    return ordered(orjson.loads(body))


def door_of(app: FastAPI) -> PlanDoor:
    door = app.state.plan_door
    assert isinstance(door, PlanDoor)
    return door


async def post(
    app: FastAPI,
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, str, bytes]:
    if app.state.response_cache is not None:
        app.state.response_cache.clear()  # a hit would answer before the door
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers or {}
    )
    return response.status_code, response.headers["content-type"], response.content


async def test_proven_documents_answer_as_the_normal_path(
    app: FastAPI, client: httpx.AsyncClient, restaurant: dict[str, Any], make_staff: Any
) -> None:
    door = door_of(app)
    callers: list[dict[str, str]] = [{}]
    for role in Role:
        callers.append((await make_staff(role)).headers)
    callers.append({"Authorization": "Bearer not-a-token"})
    answered_by_door = 0
    for query, variables in corpus(restaurant):
        for headers in callers:
            for accept in ("application/json", "application/graphql-response+json"):
                sent = {**headers, "Accept": accept}
                first = await post(app, client, query, variables, sent)  # proves it, if planned
                before = door.answered
                second = await post(app, client, query, variables, sent)
                assert second[:2] == first[:2], (query, variables, headers)
                assert in_order(second[2]) == in_order(first[2]), (query, variables, headers)
                answered_by_door += door.answered - before
                if b'"errors"' in first[2]:
                    assert door.answered == before, (query, first)  # errors: the normal path
    # Most of the corpus is answered at the door on its second request.
    assert answered_by_door > len(corpus(restaurant)) * 2
    # On PostgreSQL, the JSON of the documents whose every field has a SQL twin (the menu,
    # tables, an order by id...) was built by PostgreSQL.
    if app.state.db.is_sqlite:
        assert door.built_by_postgres == 0
    else:
        assert door.built_by_postgres > len(callers) * 2 * 5, door.built_by_postgres


async def test_request_checks_still_apply_to_proven_documents(
    app: FastAPI, client: httpx.AsyncClient, restaurant: dict[str, Any], server: Any
) -> None:
    door = door_of(app)
    query = "query($c: String, $f: Int) { menu(category: $c, first: $f) { name } }"
    status, _, body = await post(app, client, query, {"f": 2})
    assert status == 200 and b'"errors"' not in body
    before = door.answered
    assert (await post(app, client, query, {"f": 1}))[2].count(b'"name"') == 1
    assert door.answered == before + 1
    # The cost budget, input bounds and argument checks are the normal path's errors.
    for variables, code in (
        ({"c": "a\u0000b"}, b"VALIDATION_ERROR"),
        ({"f": "two"}, b"invalid value"),
        ({"f": 0}, b'"errors"'),
    ):
        _, _, body = await post(app, client, query, variables)
        assert code in body, (variables, body)
    assert door.answered == before + 1
    # The cost budget, with the variables of this request.
    nested = (
        "query($f: Int!) { orders(first: $f) { edges { node { id lines { id } "
        "tickets { lines { id } } } } } }"
    )
    assert b'"errors"' not in (await post(app, client, nested, {"f": 2}, server.headers))[2]
    before = door.answered
    _, _, body = await post(app, client, nested, {"f": 500}, server.headers)
    assert b"QUERY_TOO_COSTLY" in body and door.answered == before
    # A signed-in read without a valid token: the executor's error, not the door's answer.
    await post(app, client, SUITE_ORDERS, {"first": 1}, server.headers)
    before = door.answered
    for headers in ({}, {"Authorization": "Bearer nope"}):
        _, _, body = await post(app, client, SUITE_ORDERS, {"first": 1}, headers)
        assert b"UNAUTHENTICATED" in body, body
    assert door.answered == before
    _, _, body = await post(app, client, SUITE_ORDERS, {"first": 1}, server.headers)
    assert orjson.loads(body)["data"]["orders"]["pageInfo"]["hasNextPage"] is True
    assert door.answered == before + 1


async def test_the_door_reads_what_was_just_written(
    app: FastAPI, client: httpx.AsyncClient, gql: Any, manager: Any, restaurant: dict[str, Any]
) -> None:
    door = door_of(app)
    raw: list[str] = []
    reads = app.state.db.raw_reads
    observers = reads.statements.observers if reads is not None else []
    observers.append(raw.append)
    await post(app, client, MENU)
    before = door.answered
    item = restaurant["dish"]
    for price in ("12.34", "12.35"):
        body = await gql(
            "mutation($id: ID!, $p: Decimal!) { updateMenuItem(id: $id, input: {price: $p}) "
            "{ __typename } }",
            {"id": item, "p": price},
            staff=manager,
        )
        assert body["data"]["updateMenuItem"]["__typename"] == "MenuItemPayload", body
        _, _, answer = await post(app, client, MENU)
        menu = orjson.loads(answer)["data"]["menu"]
        assert {row["id"]: row["price"]["amount"] for row in menu}[item] == price
    assert door.answered == before + 2
    observers.remove(raw.append)
    # On PostgreSQL the door read on psycopg directly (one prebuilt statement per answer),
    # and so did every authentication (the manager's, for the mutations).
    answers = [statement for statement in raw if "menu_items" in statement]
    assert len(answers) == (0 if reads is None else 2), raw
    callers = [statement for statement in raw if statement.startswith("SELECT users.")]
    assert len(callers) == (0 if reads is None else 2), raw


async def test_a_deactivated_user_is_refused_at_once(
    app: FastAPI, client: httpx.AsyncClient, gql: Any, admin: Any, make_staff: Any
) -> None:
    door = door_of(app)
    waiter = await make_staff(Role.SERVER)
    query = "{ orders(first: 5) { edges { node { id } } } }"
    await post(app, client, query, headers=waiter.headers)
    before = door.answered
    assert b'"errors"' not in (await post(app, client, query, headers=waiter.headers))[2]
    assert door.answered == before + 1
    body = await gql(
        "mutation($id: ID!) { deactivateUser(userId: $id) { __typename } }",
        {"id": gid("User", waiter.user.id)},
        staff=admin,
    )
    assert "errors" not in body, body
    _, _, answer = await post(app, client, query, headers=waiter.headers)
    assert b'"errors"' in answer and door.answered == before + 1
