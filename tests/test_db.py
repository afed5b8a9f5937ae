"""The unit of work under concurrent writers (SQLite queues them in-process)."""

from __future__ import annotations

import asyncio

# register hashes outside any transaction; createMenuItem writes in the document's own.
CREATE_ITEM = """mutation($name: String!) {
  createMenuItem(input: {name: $name, price: "1.00", category: "Test"}) { __typename } }"""


async def test_concurrent_writers_over_graphql_and_rest_all_commit(client, db, manager):
    async def by_graphql(n: int) -> str:
        response = await client.post(
            "/graphql",
            json={"query": CREATE_ITEM, "variables": {"name": f"Item {n}"}},
            headers=manager.headers,
        )
        return response.json()["data"]["createMenuItem"]["__typename"]

    async def by_rest(n: int) -> int:
        response = await client.post(
            "/users/register",
            json={"name": "Writer", "email": f"r{n}@example.com", "password": "password123"},
        )
        return response.status_code

    results = await asyncio.gather(
        *(by_graphql(n) for n in range(10)), *(by_rest(n) for n in range(10))
    )
    assert results == ["MenuItemPayload"] * 10 + [200] * 10
    # A failed mutation (duplicate) and a malformed document release their turn too.
    failed = await by_graphql(0)
    assert failed == "ConflictError"
    broken = await client.post("/graphql", json={"query": "mutation { createMenuItem( }"})
    assert broken.status_code in (200, 400)
    assert await asyncio.wait_for(by_rest(99), timeout=10) == 200
