"""Races on PostgreSQL: concurrent requests through the same ASGI app, each with its own
connection from the pool."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import func, select

from restaurant_api.kitchen.models import KitchenTicket
from restaurant_api.orders.models import IdempotencyRecord, Order
from tests.conftest import gid

ITEM = {"name": "Tea", "price": 2, "category": "Drinks"}


@pytest.fixture
def only_postgres(backend):
    if backend.name != "postgresql":
        pytest.skip("a PostgreSQL race test")


async def _count(db, model):
    async with db.session() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


async def test_twenty_concurrent_keyed_orders_create_one(only_postgres, client, db, server):
    headers = {**server.headers, "Idempotency-Key": "same-key"}
    responses = await asyncio.gather(
        *(client.post("/api/orders", json={"order": [ITEM]}, headers=headers) for _ in range(20))
    )
    assert {r.status_code for r in responses} == {200}
    assert len({r.text for r in responses}) == 1
    assert await _count(db, Order) == 1
    assert await _count(db, IdempotencyRecord) == 1
    assert await _count(db, KitchenTicket) == 1


async def test_twenty_concurrent_keyed_graphql_orders_create_one(only_postgres, gql, db, server):
    query = """
    mutation($key: String) {
      placeOrder(input: {lines: [{name: "Tea", price: "2", category: "Drinks"}]},
                 idempotencyKey: $key) {
        __typename ... on OrderPayload { order { id total { amount } } }
        ... on Error { code }
      }
    }"""
    results = await asyncio.gather(*(gql(query, {"key": "g-key"}, staff=server) for _ in range(20)))
    assert len({str(result) for result in results}) == 1
    assert results[0]["data"]["placeOrder"]["__typename"] == "OrderPayload"
    assert await _count(db, Order) == 1


async def test_two_updates_with_one_version(only_postgres, client, server):
    placed = await client.post("/api/orders", json={"order": [ITEM]}, headers=server.headers)
    order_id = placed.json()["id"]
    responses = await asyncio.gather(
        *(
            client.put(
                f"/api/orders/{order_id}",
                json={"customer_count": count, "version": 1},
                headers=server.headers,
            )
            for count in (2, 3)
        )
    )
    assert sorted(r.status_code for r in responses) == [200, 409]


async def test_two_graphql_updates_with_one_version(only_postgres, gql, client, server):
    placed = await client.post("/api/orders", json={"order": [ITEM]}, headers=server.headers)
    query = """
    mutation($id: ID!, $count: Int!) {
      updateOrder(orderId: $id, input: {version: 1, customerCount: $count}) {
        __typename ... on Error { code }
      }
    }"""
    results = await asyncio.gather(
        *(
            gql(query, {"id": gid("Order", placed.json()["id"]), "count": n}, staff=server)
            for n in (2, 3)
        )
    )
    outcomes = sorted(r["data"]["updateOrder"].get("code", "OK") for r in results)
    assert outcomes == ["OK", "VERSION_CONFLICT"]


async def test_concurrent_orders_for_one_table(only_postgres, client, server, add_table):
    table = await add_table(12)
    responses = await asyncio.gather(
        *(
            client.post(
                "/api/orders", json={"order": [ITEM], "table_id": table.id}, headers=server.headers
            )
            for _ in range(5)
        )
    )
    assert sorted(r.status_code for r in responses) == [200, 400, 400, 400, 400]
