"""Hostile input is a clear 4xx on REST and a GraphQL error or typed ValidationError on
/graphql, on both backends: never a 5xx, never "Unexpected error."."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest

from restaurant_api import limits
from restaurant_api.api import input_guard
from tests.conftest import gid

LINE = {"name": "Soup", "category": "Starters", "price": "4.50"}
PLACE = """mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { __typename
    ... on OrderPayload { order { id } } ... on ValidationError { code message field } } }"""
PREVIEW = """query($t: ID!, $s: SplitInput!) { splitPreview(tableId: $t, split: $s) {
    shares { label } } }"""
SPLIT = """mutation($t: ID!, $s: SplitInput!) { splitBill(tableId: $t, split: $s) {
    __typename ... on ValidationError { code message } } }"""


async def post_raw(client, path: str, body: bytes | str, headers: dict[str, str] | None = None):
    return await client.post(
        path, content=body, headers={**(headers or {}), "content-type": "application/json"}
    )


def graphql_errors(response) -> list[str]:
    assert response.status_code < 500, response.text
    return [error["message"] for error in response.json().get("errors", [])]


async def seated_order(client, server, manager, lines: int = 2) -> tuple[int, int]:
    table = await client.post(
        "/api/tables", json={"table_number": 7, "capacity": 4}, headers=manager.headers
    )
    assert table.status_code == 200, table.text
    table_id = table.json()["id"]
    order = await client.post(
        "/api/orders",
        json={"order": [LINE] * lines, "table_id": table_id},
        headers=server.headers,
    )
    assert order.status_code in (200, 201), order.text
    return table_id, order.json()["id"]


# --- JSON at the edge -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/orders", "/graphql"])
async def test_lone_surrogate_is_refused(client, server, path):
    body = (
        '{"order": [{"name": "\\ud800", "category": "c", "price": "1.00"}]}'
        if path == "/api/orders"
        else '{"query": "query($c: String) { menu(category: $c) { id } }",'
        ' "variables": {"c": "\\udfff"}}'
    )
    response = await post_raw(client, path, body, server.headers)
    assert response.status_code in (400, 422)
    assert "surrogate" in response.text


async def test_surrogate_pair_is_fine(client, server):
    body = '{"order": [{"name": "Soup \\ud83c\\udf72", "category": "c", "price": "1.00"}]}'
    response = await post_raw(client, "/api/orders", body, server.headers)
    assert response.status_code in (200, 201), response.text
    assert response.json()["order"][0]["name"] == "Soup \U0001f372"


async def test_lone_surrogate_in_a_graphql_document_is_a_syntax_error(client):
    body = '{"query": "{ menu(category: \\"\\\\ud800\\") { id } }"}'
    response = await post_raw(client, "/graphql", body)
    assert any("Unicode" in message for message in graphql_errors(response))


@pytest.mark.parametrize("path", ["/api/orders", "/graphql"])
async def test_deep_json_is_refused(client, server, path):
    response = await post_raw(client, path, "[" * 10_000 + "]" * 10_000, server.headers)
    assert response.status_code in (400, 422)
    assert "nested more than" in response.text


async def test_deep_json_in_an_object_is_refused_and_the_limit_is_exact(client, server):
    deep = '{"query": "{ __typename }", "variables": {"a": ' + "[" * 40 + "]" * 40 + "}}"
    response = await post_raw(client, "/graphql", deep, server.headers)
    assert response.status_code == 400
    inside = limits.MAX_JSON_DEPTH - 2  # the body object and `variables` are two levels
    fine = '{"query": "{ __typename }", "variables": {"a": ' + "[" * inside + "]" * inside
    response = await post_raw(client, "/graphql", fine + "}}", server.headers)
    assert response.status_code == 200, response.text
    # Brackets inside strings do not count.
    quoted = json.dumps({"query": "{ __typename }", "variables": {"a": "[" * 5000}})
    assert (await post_raw(client, "/graphql", quoted)).status_code == 200


@pytest.mark.parametrize("body", [b'"x"', b"null", b"1", b"[]", b"true", b"\xff\xfe{", b"{nope"])
async def test_graphql_body_must_be_a_json_object(client, body):
    response = await post_raw(client, "/graphql", body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors and errors[0]["message"]
    assert "Unexpected error" not in response.text


async def test_graphql_get_variables_are_checked(client, server):
    for variables, message in (
        ("[1]", "JSON object"),
        ("[" * 100 + "]" * 100, "nested"),
        ("{x", "JSON"),
    ):
        response = await client.get(
            "/graphql",
            params={"query": "{ __typename }", "variables": variables},
            headers=server.headers,
        )
        assert response.status_code == 400
        assert message in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_subscription_over_http_says_use_the_websocket(client, kitchen, method):
    query = "subscription { kitchenTickets { kind } }"
    if method == "POST":
        response = await client.post("/graphql", json={"query": query}, headers=kitchen.headers)
    else:
        response = await client.get("/graphql", params={"query": query}, headers=kitchen.headers)
    assert response.status_code in (200, 400), response.text
    body = response.json()
    assert body.get("data") is None
    assert "websockets" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"1e999990"', "out of range"),
        ('"-1e999999999"', "out of range"),
        ('"1e-999999999"', "more than two decimals"),
        ("1e-25", "more than two decimals"),
        ('"0.001"', "more than two decimals"),
        ("1e1000000", "exponent"),
        ("1" * 500, "characters"),
        ('"' + "1" * 500 + '"', "digits"),
        ('"NaN"', "finite"),
    ],
)
async def test_rest_money_is_parsed_with_its_bounds_first(client, server, manager, value, message):
    started = time.perf_counter()
    order = '{"order": [{"name": "x", "category": "c", "price": VALUE}]}'
    total = '{"order": [{"name": "x", "category": "c", "price": "1.00"}], "total": VALUE}'
    menu = '{"name": "x", "category": "c", "price": VALUE}'
    order, total, menu = (body.replace("VALUE", value) for body in (order, total, menu))
    for path, body, who in (
        ("/api/orders", order, server),
        ("/api/orders", total, server),
        ("/api/menu", menu, manager),
    ):
        response = await post_raw(client, path, body, who.headers)
        assert response.status_code == 422, (path, body, response.text)
        # A total that is not an amount is reported as not matching (the contract's words).
        assert message in response.text or "Total does not match" in response.text
    assert time.perf_counter() - started < 5  # sanity only: it used to take 28 s per request


async def test_rest_tip_is_bounded(client, server, manager):
    _, order_id = await seated_order(client, server, manager)
    for tip in ('"1e999990"', '"1e-999999999"', "1e999"):
        response = await post_raw(
            client,
            f"/api/orders/{order_id}/close",
            '{"payment_method": "card", "tip": TIP}'.replace("TIP", tip),
            server.headers,
        )
        assert response.status_code == 422, response.text
    closed = await client.post(
        f"/api/orders/{order_id}/close",
        json={"payment_method": "card", "tip": "1.50"},
        headers=server.headers,
    )
    assert closed.status_code == 200, closed.text


@pytest.mark.parametrize(
    "price", ["1e999990", "1e-999999999", "-1e999999999", "Infinity", "NaN", "1" * 100]
)
async def test_graphql_decimals_are_parsed_with_their_bounds_first(gql, server, price):
    # The Decimal scalar takes plain decimal strings only (schema 1.0): exponents, special
    # values and overlong digit runs are refused while the variables are read, by a
    # bounded pattern, before any conversion.
    started = time.perf_counter()
    for line, total, path in (
        ({**LINE, "price": price}, None, ".lines[0].price"),
        (LINE, price, ".total"),
    ):
        body = await gql(PLACE, {"i": {"lines": [line], "total": total}}, staff=server)
        assert body["data"] is None, body
        [error] = body["errors"]
        assert error["extensions"]["code"] == "VALIDATION_ERROR", body
        assert "Decimal" in error["message"] and path in error["message"], body
    assert time.perf_counter() - started < 5  # sanity only: it used to take 28 s per request


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("999999999999999", "out of range"),
        ("-999999999999999.99", "out of range"),
        ("0.001", "more than two decimals"),
        ("1.000000000000001", "more than two decimals"),
    ],
)
async def test_graphql_money_past_its_bounds_is_a_typed_error(gql, server, price, message):
    # Plain decimals the scalar reads are still bounded as money, with typed errors.
    for line, total in (({**LINE, "price": price}, None), (LINE, price)):
        body = await gql(PLACE, {"i": {"lines": [line], "total": total}}, staff=server)
        result = body["data"]["placeOrder"]
        assert result["__typename"] == "ValidationError", body
        assert result["code"] == "VALIDATION_ERROR"
        assert message in result["message"] or "Total does not match" in result["message"]


async def test_graphql_inline_huge_float_is_a_validation_error(gql, server):
    query = (
        'mutation { placeOrder(input: {lines: [{name: "x", category: "c", price: 1e1000000}]})'
        " { __typename ... on ValidationError { message } } }"
    )
    body = await gql(query, staff=server)
    assert body["data"] is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "VALIDATION_ERROR", body
    assert "Decimal" in error["message"]


async def test_graphql_tip_is_bounded(client, gql, server, manager):
    _, order_id = await seated_order(client, server, manager)
    query = """mutation($o: ID!, $t: Decimal) { closeOrder(orderId: $o, paymentMethod: "card",
        tip: $t) { __typename ... on ValidationError { message field } } }"""
    for tip in ("1e999990", "1e-999999999"):
        body = await gql(query, {"o": gid("Order", order_id), "t": tip}, staff=server)
        assert body["data"] is None, body
        assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR", body
    for tip in ("999999999999999", "0.001"):
        body = await gql(query, {"o": gid("Order", order_id), "t": tip}, staff=server)
        assert body["data"]["closeOrder"]["__typename"] == "ValidationError", body
        assert body["data"]["closeOrder"]["field"] == "tip", body


# --- seat numbers agree everywhere ----------------------------------------------------------


async def test_seat_numbers_share_one_bound(client, gql, server, manager):
    table_id, order_id = await seated_order(client, server, manager)
    too_far = limits.MAX_SEAT + 1
    body = await gql(PLACE, {"i": {"lines": [{**LINE, "seatNumber": too_far}]}}, staff=server)
    assert body["data"]["placeOrder"]["__typename"] == "ValidationError"
    rest = await client.post(
        "/api/orders", json={"order": [{**LINE, "seat_number": too_far}]}, headers=server.headers
    )
    assert rest.status_code == 422
    for seat in (2_147_483_647, too_far):
        split = {"mode": "SEATS", "seatAssignments": [{"seatNumber": seat, "items": [0, 1]}]}
        body = await gql(SPLIT, {"t": gid("Table", table_id), "s": split}, staff=server)
        assert body["data"]["splitBill"]["__typename"] == "ValidationError", body
        response = await client.post(
            f"/api/tables/split-bill/{table_id}",
            json={"method": "seats", "seat_assignments": {str(seat): [0, 1]}},
            headers=server.headers,
        )
        assert response.status_code in (400, 422), response.text
    ok = {"method": "seats", "seat_assignments": {str(limits.MAX_SEAT): [0, 1]}}
    response = await client.post(
        f"/api/tables/split-bill/{table_id}", json=ok, headers=server.headers
    )
    assert response.status_code == 200, response.text
    assert order_id


# --- input lists ----------------------------------------------------------------------------


async def test_place_order_with_100000_lines_is_refused_before_any_work(client, gql, server):
    # 100,000 lines (5 MB) never pass the edge's body limit (413); the most that fits in
    # the 1 MiB limit is refused by the list bound before any work.
    huge = {"query": PLACE, "variables": {"i": {"lines": [LINE] * 100_000}}}
    response = await client.post("/graphql", json=huge, headers=server.headers)
    assert (response.status_code, response.json()) == (413, {"detail": "Content Too Large"})
    started = time.perf_counter()
    body = await gql(PLACE, {"i": {"lines": [LINE] * 15_000}}, staff=server)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"
    assert "more than 200 items" in body["errors"][0]["message"]
    assert time.perf_counter() - started < 10  # sanity only; was 10-14 s plus the writes
    orders = await client.get("/api/orders", headers=server.headers)
    assert orders.json() == []


async def test_graphql_list_caps_match_rest(client, gql, server):
    over = limits.MAX_LINES + 1
    body = await gql(PLACE, {"i": {"lines": [LINE] * over}}, staff=server)
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"
    rest = await client.post("/api/orders", json={"order": [LINE] * over}, headers=server.headers)
    assert rest.status_code == 422
    at_cap = await gql(PLACE, {"i": {"lines": [LINE] * limits.MAX_LINES}}, staff=server)
    assert at_cap["data"]["placeOrder"]["__typename"] == "OrderPayload", at_cap
    # Per-field caps below the list bound are typed ValidationErrors, like REST's 422.
    modifiers = [{**LINE, "modifiers": ["m"] * (limits.MAX_MODIFIERS + 1)}]
    body = await gql(PLACE, {"i": {"lines": modifiers}}, staff=server)
    assert body["data"]["placeOrder"]["__typename"] == "ValidationError"
    # The same bound on a list written in the document.
    inline = ", ".join(["1"] * over)
    query = 'mutation { updateOrder(orderId: "%s", input: {removeLineIds: [%s]}) { __typename } }'
    body = await gql(query % (gid("Order", 1), inline), staff=server)
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR", body
    assert "more than 200 items" in body["errors"][0]["message"]


async def test_update_order_lists_are_bounded(client, gql, server, manager):
    _, order_id = await seated_order(client, server, manager)
    query = """mutation($o: ID!, $i: UpdateOrderInput!) { updateOrder(orderId: $o, input: $i)
        { __typename } }"""
    line = gid("OrderLine", 1)
    for changes in (
        {"addLines": [LINE] * 10_000},
        {"removeLineIds": [line] * 20_000},
        {"changeLines": [{"lineId": line}] * 1000},
    ):
        body = await gql(query, {"o": gid("Order", order_id), "i": changes}, staff=server)
        assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR", changes


async def test_split_with_a_million_items_is_refused(client, gql, server, manager):
    table_id, _ = await seated_order(client, server, manager)
    # A million items (7 MB) never pass the edge's body limit (413); 100,000 (under 1 MiB)
    # are refused by the list bound before any work.
    million = {"mode": "ITEMS", "items": [list(range(1_000_000))]}
    huge = {"query": PREVIEW, "variables": {"t": gid("Table", table_id), "s": million}}
    response = await client.post("/graphql", json=huge, headers=server.headers)
    assert response.status_code == 413
    started = time.perf_counter()
    split = {"mode": "ITEMS", "items": [list(range(100_000))]}
    body = await gql(PREVIEW, {"t": gid("Table", table_id), "s": split}, staff=server)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"
    # Many short lists: each within the bound, too many items in all.
    split = {"mode": "ITEMS", "items": [[0] * 200] * 200}
    body = await gql(PREVIEW, {"t": gid("Table", table_id), "s": split}, staff=server)
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"
    for rest_body in (
        {"split_1": list(range(100_000))},
        {"method": "items", "splits": [{"items": [0]}] * 50_000},
        {f"split_{i}": [0] for i in range(1000)},
    ):
        response = await client.post(
            f"/api/tables/split-bill/{table_id}", json=rest_body, headers=server.headers
        )
        assert response.status_code in (400, 422), response.text
        assert "at most" in response.json()["detail"]
    assert time.perf_counter() - started < 10  # sanity only


# --- dates, cursors, NUL ----------------------------------------------------------------------

ORDERS = """query($a: String, $f: DateTime, $t: DateTime) {
    orders(after: $a, createdFrom: $f, createdTo: $t) { edges { cursor } } }"""


@pytest.mark.parametrize(
    "when",
    [
        "99999-01-01T00:00:00Z",
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:00:00+14:00",
        "-0001-01-01T00:00:00Z",
        "2024-13-45T00:00:00Z",
        "2024-01-01T00:00:00+24:00",
        "1" * 5000,
        "2024-01-01T00:00:00",  # no offset (schema 1.0)
    ],
)
async def test_absurd_dates_are_refused(client, server, when):
    for name in ("f", "t"):
        response = await client.post(
            "/graphql",
            json={"query": ORDERS, "variables": {name: when}},
            headers=server.headers,
        )
        errors = graphql_errors(response)
        assert errors and "Unexpected error" not in errors[0], errors


async def test_filter_times_up_to_the_last_utc_day_work(client, gql, server, manager):
    await seated_order(client, server, manager)
    body = await gql(
        ORDERS, {"f": "2000-01-01T00:00:00Z", "t": "9999-12-31T00:00:00Z"}, staff=server
    )
    assert len(body["data"]["orders"]["edges"]) == 1, body
    body = await gql(ORDERS, {"f": "2000-01-01T00:00:00+02:00"}, staff=server)
    assert len(body["data"]["orders"]["edges"]) == 1, body
    # Times without an offset are refused with an error that says so (schema 1.0).
    body = await gql(ORDERS, {"f": "2000-01-01T00:00:00"}, staff=server)
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR", body
    assert "no offset" in body["errors"][0]["message"]


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "zzz",
        "",
        "=",
        _cursor("2024-01-01T00:00:00+00:00|99999999999999999999"),
        _cursor("2024-01-01T00:00:00+00:00|-1"),
        _cursor("2024-01-01T00:00:00+00:00|" + "9" * 5000),
        _cursor("9999-12-31T23:00:00-05:00|1"),
        _cursor("not a date|1"),
        base64.urlsafe_b64encode(b"\xff\xfe|1").decode(),
        "A" * 100_000,
        # Shaped like the id cursors of users and a ticket's timeline.
        _cursor("99999999999999999999"),
        _cursor("2147483648"),
        _cursor("0"),
        _cursor("-1"),
        _cursor("9" * 5000),
        _cursor("1|2|3"),
    ],
)
async def test_forged_cursors_are_a_validation_error(gql, db, admin, cursor):
    from tests.live.conftest import make_ticket

    await make_ticket(db)  # a ticket, so that its timeline is read
    # Every connection: the cursor is refused in the field that reads it, whose siblings
    # (and the rest of the document) still answer.
    for name, query in (
        ("orders", ORDERS),
        ("users", "query($a: String) { users(after: $a) { edges { cursor } } }"),
        (
            "kitchenTicketHistory",
            "query($a: String) { kitchenTicketHistory(after: $a) { edges { cursor } } }",
        ),
        (
            "kitchenTicketHistory",
            """query($a: String) { kitchenTicketHistory { edges { node {
                timeline(after: $a) { edges { cursor } } } } } }""",
        ),
    ):
        body = await gql(query, {"a": cursor}, staff=admin)
        if cursor == "":
            assert "errors" not in body or body["errors"][0]["message"] == "Invalid cursor"
            continue
        assert body["data"] == {name: None}, (query, body)
        [error] = body["errors"]
        assert error["message"] == "Invalid cursor", (query, body)
        assert error["extensions"] == {"code": "VALIDATION_ERROR", "field": "after"}


async def test_real_cursors_still_page(client, gql, server):
    for _ in range(3):
        response = await client.post("/api/orders", json={"order": [LINE]}, headers=server.headers)
        assert response.status_code in (200, 201)
    query = """query($a: String) { orders(first: 2, after: $a) {
        edges { cursor } pageInfo { hasNextPage endCursor } } }"""
    first = (await gql(query, staff=server))["data"]["orders"]
    second = (await gql(query, {"a": first["pageInfo"]["endCursor"]}, staff=server))["data"]
    assert len(first["edges"]) == 2 and len(second["orders"]["edges"]) == 1


LOGIN = """mutation($i: LoginInput!) { login(input: $i) {
    __typename ... on ValidationError { code message field } } }"""
REGISTER = """mutation($i: RegisterInput!) { register(input: $i) {
    __typename ... on ValidationError { code message field } } }"""


@pytest.mark.parametrize(
    ("query", "values", "field"),
    [
        (LOGIN, {"email": "a\x00@example.com", "password": "whatever1"}, "email"),
        (LOGIN, {"email": "a@example.com", "password": "pass\x00word"}, "password"),
        (
            REGISTER,
            {"name": "N\x00", "email": "new@example.com", "password": "longenough1"},
            "name",
        ),
        (
            REGISTER,
            {"name": "N", "email": "n\x00@example.com", "password": "longenough1"},
            "email",
        ),
    ],
)
async def test_nul_in_graphql_text_is_a_typed_validation_error(gql, query, values, field):
    body = await gql(query, {"i": values})
    result = next(iter(body["data"].values()))
    assert result["__typename"] == "ValidationError", body
    assert result["code"] == "VALIDATION_ERROR"
    assert result["message"]
    # The input path as the client wrote it, relative to the mutation's `input`.
    assert result["field"] == field


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"lines": [LINE, {**LINE, "note": "x\x00"}]}, "lines.1.note"),
        ({"lines": [{**LINE, "modifiers": ["ok", "n\x00"]}]}, "lines.0.modifiers.1"),
        ({"lines": [LINE], "specialRequests": "\x00"}, "specialRequests"),
    ],
)
async def test_nul_deep_in_an_input_names_its_path(client, gql, server, values, field):
    body = await gql(PLACE, {"i": values}, staff=server)
    result = body["data"]["placeOrder"]
    assert result == {
        "__typename": "ValidationError",
        "code": "VALIDATION_ERROR",
        "message": f"{field} must not contain NUL characters",
        "field": field,
    }
    orders = await client.get("/api/orders", headers=server.headers)
    assert orders.json() == []


async def test_nul_in_a_graphql_query_argument_is_refused(gql, server):
    for query, variables in (
        ("query($c: String) { menu(category: $c) { id } }", {"c": "a\x00"}),
        ('{ menu(category: "a\\u0000") { id } }', None),
    ):
        body = await gql(query, variables, staff=server)
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"
        assert "NUL" in body["errors"][0]["message"]


async def test_nul_in_rest_text_stays_a_422(client, server):
    body: dict[str, Any] = {"order": [{**LINE, "name": "So\x00up"}]}
    response = await client.post("/api/orders", json=body, headers=server.headers)
    assert response.status_code == 422


async def test_a_body_without_content_type_is_checked_too(client, server):
    response = await client.post(
        "/api/orders", content=b"[" * 5000 + b"]" * 5000, headers=server.headers
    )
    assert response.status_code in (400, 415, 422), response.text
    surrogate = b'{"order": [{"name": "\\ud800", "category": "c", "price": "1.00"}]}'
    response = await client.post("/api/orders", content=surrogate, headers=server.headers)
    assert response.status_code in (400, 415, 422), response.text


HUGE_INTS = ["99999999999999999999999999", "2147483648", "-1", "0", "9" * 5000, "1e999"]
PATHS = [
    ("GET", "/api/orders/{n}"),
    ("PUT", "/api/orders/{n}"),
    ("POST", "/api/orders/{n}/close"),
    ("GET", "/api/menu/{n}"),
    ("GET", "/api/tables/{n}"),
    ("POST", "/api/tables/{n}/assign-seat/{n}"),
    ("POST", "/api/tables/{n}/release-seat/{n}"),
    ("POST", "/api/tables/{n}/assign/{n}"),
    ("POST", "/api/tables/merge-tables/{n}/{n}"),
    ("POST", "/api/tables/transfer/{n}/{n}"),
    ("POST", "/api/tables/split-bill/{n}"),
    ("GET", "/api/kitchen/orders/{n}"),
    ("GET", "/users/{n}"),
]


async def test_out_of_range_ids_in_paths_are_4xx(client, admin):
    for method, template in PATHS:
        for number in HUGE_INTS:
            path = template.replace("{n}", number)
            response = await client.request(method, path, json={}, headers=admin.headers)
            assert 400 <= response.status_code < 500, (method, path[:80], response.text[:200])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": "{ __typename }", "variables": "x"}, "variables must be a JSON object"),
        ({"query": "{ __typename }", "variables": [1]}, "variables must be a JSON object"),
        ({"query": "{ __typename }", "extensions": 1}, "extensions must be a JSON object"),
        ({"query": 42}, "query must be a string"),
        ({"query": "{ __typename }", "operationName": ["x"]}, "operationName must be a string"),
    ],
)
async def test_graphql_request_members_have_their_types(client, body, message):
    response = await client.post("/graphql", json=body)
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": message}]}


async def test_graphql_null_variables_are_no_variables(client):
    response = await client.post("/graphql", json={"query": "{ __typename }", "variables": None})
    assert response.json()["data"] == {"__typename": "Query"}
    assert "errors" not in response.json()
    response = await client.get("/graphql", params={"query": "{ __typename }", "variables": "null"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("opening", "closing"), [("[", "]"), ('{"a": ', "}"), ('{"a": [', "]}"), ('[{"a": ', "}]")]
)
def test_depth_limit_is_exact_for_any_mix_of_arrays_and_objects(opening, closing):
    # Depth counts every bracket, whichever its kind; strings holding brackets do not count.
    levels = limits.MAX_JSON_DEPTH // (opening.count("[") + opening.count("{"))
    at_limit = opening * levels + '"[[{{"' + closing * levels
    assert input_guard.parse_json(at_limit.encode()) is not None
    over = "[" + at_limit + "]"
    with pytest.raises(input_guard.InputRefused, match="nested more than"):
        input_guard.parse_json(over.encode())


def test_depth_of_a_wide_document_is_its_deepest_branch():
    # 17,000 arrays 30 deep (about 1 MB): 31 levels in all, within the limit; 34 are not.
    wide = ("[" * 30 + "1" + "]" * 30 + ",") * 17_000
    document = ("[" + wide[:-1] + "]").encode()
    input_guard._check_depth(document)  # no error: 31 levels
    with pytest.raises(input_guard.InputRefused):
        input_guard._check_depth(b"[" * 3 + document + b"]" * 3)


@pytest.mark.parametrize(
    "document",
    [
        '{"query": "{ menu { id } }", "variables": {"first": 50, "ids": [1, 2, 3]}}',
        '{"a": 18446744073709551615, "b": -9223372036854775808, "c": -0}',
        '{"a": 1234567890123456789012345}',  # beyond 64 bits: an int all the same
        '{"a": 6.8, "b": [1.5e3, {"c": 0.1}]}',
        '{"a": "\\ud83d\\ude00 \\u0000 \\u00e9", "a": "last one wins"}',
        '[true, false, null, "x", [], {}]',
        ' \t\n{"deep": [[[[{"x": [1]}]]]]}\r\n',
    ],
)
def test_the_fast_decoder_gives_what_the_checked_one_gives(document):
    # orjson first; what it gives must be exactly what json.loads would, types included.
    parsed = input_guard.parse_json(document.encode())
    expected = json.loads(document)
    assert parsed == expected
    assert json.dumps(parsed) == json.dumps(expected)  # ints stay ints, floats floats


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ('{"a": ' + "9" * 41 + "}", "more than 40 characters"),
        ('{"a": 1e400}', "exponent is out of range"),
        ('{"a": NaN}', "NaN and Infinity"),
        ('{"a": "\\ud800"}', "lone UTF-16 surrogate"),
        ('{"a": 1,}', "not valid JSON"),
    ],
)
def test_refusals_are_worded_by_the_checked_decoder(document, message):
    with pytest.raises(input_guard.InputRefused, match=message):
        input_guard.parse_json(document.encode())
    with pytest.raises(input_guard.InputRefused, match="not valid UTF-8"):
        input_guard.parse_json(b'{"a": "\xff"}')
