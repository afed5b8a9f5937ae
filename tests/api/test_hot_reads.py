"""Hot reads (api.rest.HotRead) answer exactly as the documented routes they stand before:
same status, body and headers for every query, canonical or not (the documented route
answers whatever a hot read does not read exactly alike)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.routing import Match

from restaurant_api.api.rest import _HOT_ARGUMENTS_KEY, HotRead
from tests.conftest import Staff

MENU_QUERIES = [
    "",
    "?available=true",
    "?available=false",
    "?available=yes",
    "?available=True",
    "?available=maybe",
    "?category=Mains",
    "?category=",
    "?category=Main%20Courses&available=true",
    "?category=%FF%FE",
    "?available=true&available=false",
    "?unknown=1",
]
ORDER_QUERIES = [
    "",
    "?status=open",
    "?status=closed&limit=50",
    "?status=OPEN",
    "?status=nope",
    "?limit=0",
    "?limit=1&offset=1",
    "?limit=01",
    "?limit=%31",
    "?limit=1001",
    "?limit=-1",
    "?limit=+5",
    "?limit=\u0661",
    "?offset=2147483648",
    "?table_id=0",
    "?table_id=1",
    "?status=open&status=closed",
    "?x=1",
]


@contextmanager
def without_hot_reads(app: FastAPI) -> Iterator[None]:
    routes = app.router.routes
    hot = [route for route in routes if isinstance(route, HotRead)]
    assert hot, "the app installs its hot reads"
    for route in hot:
        routes.remove(route)
    try:
        yield
    finally:
        routes[:0] = hot


def _answer(response: httpx.Response) -> tuple[int, bytes, list[tuple[str, str]]]:
    return response.status_code, response.content, sorted(response.headers.multi_items())


async def _both(
    app: FastAPI, client: httpx.AsyncClient, method: str, url: str, headers: dict[str, str]
) -> None:
    hot = await client.request(method, url, headers=headers)
    with without_hot_reads(app):
        documented = await client.request(method, url, headers=headers)
    assert _answer(hot) == _answer(documented), url


async def test_same_answers_with_and_without_hot_reads(
    app: FastAPI, client: httpx.AsyncClient, manager: Staff, make_staff: object
) -> None:
    for name, category in (("Soup", "Starters"), ("Steak", "Mains"), ("Pie", "Main Courses")):
        created = await client.post(
            "/api/menu",
            json={"name": name, "price": 7.5, "category": category},
            headers=manager.headers,
        )
        assert created.status_code == 201, created.text
    item = created.json()["id"]
    for _ in range(3):
        placed = await client.post(
            "/api/orders",
            json={"order": [{"menu_item_id": item, "quantity": 2}], "customer_count": 2},
            headers=manager.headers,
        )
        assert placed.status_code == 200, placed.text

    for query in MENU_QUERIES:
        await _both(app, client, "GET", "/api/menu" + query, {})
        await _both(app, client, "HEAD", "/api/menu" + query, {})
    for query in ORDER_QUERIES:
        await _both(app, client, "GET", "/api/orders" + query, manager.headers)
    order = placed.json()["id"]
    for path in (
        f"{order}",
        f"00{order}",
        f"+{order}",
        f"{order}/",
        f"{order}?status=open",
        f"{order + 1000}",
        "0",
        "-1",
        "abc",
        "2147483648",
        "99999999999999999999",
        "\u0661",
    ):
        await _both(app, client, "GET", f"/api/orders/{path}", manager.headers)
    # Who may not read: no token, a malformed one, a forged one.
    for headers in ({}, {"Authorization": "Basic x"}, {"Authorization": "Bearer forged"}):
        await _both(app, client, "GET", "/api/orders?status=open", headers)
        await _both(app, client, "GET", f"/api/orders/{order}", headers)


AWKWARD_ITEMS = [
    ('Quote " backslash \\ slash /', "0"),
    ("Line\nbreak\ttab\r \u0001 control \u007f", "0.05"),
    ("Crème brûlée \u2028 déjà vu", "1"),
    ("Emoji \U0001f35c 拉麵", "12.90"),
    ("Big", "9999999999.99"),
    ("Ten", "10.10"),
]


async def test_the_menu_built_by_postgresql_is_the_documented_routes_bytes(
    app: FastAPI, client: httpx.AsyncClient, manager: Staff, count_statements: Any
) -> None:
    """On PostgreSQL the hot menu's JSON is built by one statement (`sql_json`): awkward
    names, descriptions and prices answer the bytes the documented route writes."""
    for number, (name, price) in enumerate(AWKWARD_ITEMS):
        body = {
            "name": name,
            "price": price,
            "category": name[:20],
            "description": None if number % 2 else name,
            "is_available": number % 3 > 0,
        }
        created = await client.post("/api/menu", json=body, headers=manager.headers)
        assert created.status_code == 201, created.text
    for query in ("", "?available=true", "?category=Big", "?category=Big&available=false"):
        with count_statements() as counter:
            await _both(app, client, "GET", "/api/menu" + query, {})
        built = [sql for sql in counter.statements if "string_agg" in sql]
        assert len(built) == (0 if app.state.db.is_sqlite else 1), query
    menu = (await client.get("/api/menu")).json()
    prices = {item["name"]: item["price"] for item in menu}
    assert [prices[name] for name, _ in AWKWARD_ITEMS] == [0, 0.05, 1, 12.9, 9999999999.99, 10.1]
    raw = (await client.get("/api/menu?category=Big")).content
    assert b'"price":9999999999.99,' in raw and b'"price":1.0,' not in raw


def test_canonical_queries_take_the_hot_path(app: FastAPI) -> None:
    hot = {route.path: route for route in app.router.routes if isinstance(route, HotRead)}

    def match(path: str, query: bytes, method: str = "GET", route: str = "") -> Match:
        scope = {"type": "http", "method": method, "path": path, "query_string": query}
        return hot[route or path].matches(scope)[0]

    assert match("/api/menu", b"") is Match.FULL
    assert match("/api/menu", b"available=true&category=Mains") is Match.FULL
    assert match("/api/orders", b"status=open&limit=50") is Match.FULL
    assert match("/api/orders", b"limit=1001") is Match.NONE
    assert match("/api/orders", b"limit=5&limit=6") is Match.NONE
    assert match("/api/menu", b"", "HEAD") is Match.NONE
    assert match("/api/menu/", b"", route="/api/menu") is Match.NONE
    one = "/api/orders/{order_id}"
    assert match("/api/orders/42", b"", route=one) is Match.FULL
    _, child_scope = hot[one].matches(
        {"type": "http", "method": "GET", "path": "/api/orders/042", "query_string": b""}
    )
    assert child_scope == {_HOT_ARGUMENTS_KEY: {"order_id": 42}}  # read as FastAPI reads it
    for path in ("/api/orders/0", "/api/orders/x", "/api/orders/42/", "/api/orders/2147483648"):
        assert match(path, b"", route=one) is Match.NONE, path
    assert match("/api/orders/42", b"x=1", route=one) is Match.NONE
    assert match("/api/orders/42", b"", "HEAD", route=one) is Match.NONE
