"""Two `python -m restaurant_api serve` processes on one PostgreSQL database: a write
acknowledged by A is never followed by a stale cached answer from B.

B's LISTEN connection often frees the entry before the next read arrives; it is the
generation check that makes it certain. tests/api/test_response_cache.py runs the same
sequence on two apps without listeners, where only the generations can tell B.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import psycopg
import pytest

from restaurant_api.db import Database
from restaurant_api.menu.models import MenuItem
from restaurant_api.users import service as users_service
from restaurant_api.users.models import Role
from tests.conftest import PASSWORD, gid
from tests.servers import access_token, migrated_postgres_database, running_servers

MENU = "{ menu { databaseId price { cents } } }"
ORDERS = "{ orders(first: 100, status: OPEN) { edges { node { id } } } }"
PLACE = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  __typename ... on OrderPayload { order { id } } } }"""


@dataclass
class Pair:
    database_url: str
    a: httpx.AsyncClient
    b: httpx.AsyncClient
    item_id: int
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def pair_database() -> str:
    return migrated_postgres_database("restaurant_cache")


@pytest.fixture(scope="module")
async def pair(pair_database: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Pair]:
    workdir = tmp_path_factory.mktemp("cache-pair")
    db = Database(pair_database)
    try:
        async with running_servers(pair_database, workdir, count=2) as (server_a, server_b):
            tokens = {}
            async with db.session() as session:
                item = MenuItem(name="Soup", name_key="soup", category="Starters", price_cents=100)
                session.add(item)
                for role in (Role.ADMIN, Role.MANAGER, Role.SERVER):
                    user = await users_service.create_user(
                        session,
                        name=role.value,
                        email=f"{role.value}@example.com",
                        password=PASSWORD,
                        role=role,
                    )
                    tokens[role.value] = access_token(user)
                await session.flush()
            async with (
                httpx.AsyncClient(base_url=server_a.url, timeout=10) as a,
                httpx.AsyncClient(base_url=server_b.url, timeout=10) as b,
            ):
                yield Pair(pair_database, a, b, item.id, tokens)
    finally:
        await db.dispose()


async def graphql(http: httpx.AsyncClient, query: str, variables=None, token=None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def menu_price(http: httpx.AsyncClient) -> int:
    return (await graphql(http, MENU))["data"]["menu"][0]["price"]["cents"]


async def test_b_serves_from_its_cache(pair: Pair):
    """Sanity: B really caches (a write no session saw is not visible through B)."""
    before = await menu_price(pair.b)
    assert await menu_price(pair.b) == before
    with psycopg.connect(pair.database_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("UPDATE menu_items SET price_cents = price_cents + 1")
    assert await menu_price(pair.b) == before  # served from B's cache
    # A write through A bumps the generations: B reads again at once.
    price = await pair.a.put(
        f"/api/menu/{pair.item_id}",
        json={"price": "9.99"},
        headers={"Authorization": f"Bearer {pair.tokens['manager']}"},
    )
    assert price.status_code == 200, price.text
    assert await menu_price(pair.b) == 999


async def test_menu_written_through_a_is_never_stale_through_b(pair: Pair):
    manager = {"Authorization": f"Bearer {pair.tokens['manager']}"}
    for round_number in range(40):
        await menu_price(pair.b)
        await menu_price(pair.b)  # cached on B now
        cents = 1000 + round_number
        if round_number % 2:
            response = await pair.a.put(
                f"/api/menu/{pair.item_id}", json={"price": cents / 100}, headers=manager
            )
            assert response.status_code == 200, response.text
        else:
            result = await graphql(
                pair.a,
                "mutation($id: ID!, $p: Decimal!) { updateMenuItem(id: $id, input: {price: $p}) "
                "{ __typename } }",
                {"id": gid("MenuItem", pair.item_id), "p": f"{cents / 100:.2f}"},
                pair.tokens["manager"],
            )
            assert result["data"]["updateMenuItem"]["__typename"] == "MenuItemPayload"
        # Immediately, through the other process: the acknowledged price.
        assert await menu_price(pair.b) == cents, round_number


async def test_orders_placed_through_a_are_never_missing_through_b(pair: Pair):
    server = pair.tokens["server"]
    line = {"menuItemId": gid("MenuItem", pair.item_id), "quantity": 1}
    for round_number in range(25):
        seen = len((await graphql(pair.b, ORDERS, token=server))["data"]["orders"]["edges"])
        await graphql(pair.b, ORDERS, token=server)
        placed = await graphql(pair.a, PLACE, {"input": {"lines": [line]}}, server)
        assert placed["data"]["placeOrder"]["__typename"] == "OrderPayload", placed
        edges = (await graphql(pair.b, ORDERS, token=server))["data"]["orders"]["edges"]
        assert len(edges) == seen + 1, round_number
        assert edges[0]["node"]["id"] == placed["data"]["placeOrder"]["order"]["id"]


async def test_a_user_deactivated_through_a_is_refused_at_once_by_b(pair: Pair):
    db = Database(pair.database_url)
    try:
        for round_number in range(5):
            async with db.session() as session:
                user = await users_service.create_user(
                    session,
                    name="Temp",
                    email=f"temp{round_number}@example.com",
                    password=PASSWORD,
                    role=Role.SERVER,
                )
            token = access_token(user)
            for _ in range(2):  # the second answer and the user come from B's cache
                assert (await graphql(pair.b, ORDERS, token=token))["data"]["orders"] is not None
            changed = await pair.a.patch(
                f"/users/{user.id}",
                json={"is_active": False},
                headers={"Authorization": f"Bearer {pair.tokens['admin']}"},
            )
            assert changed.status_code == 200, changed.text
            refused = await graphql(pair.b, ORDERS, token=token)
            assert refused["data"]["orders"] is None, round_number
            assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    finally:
        await db.dispose()
