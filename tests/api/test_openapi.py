"""OpenAPI: short, stable operationIds from route names; GraphQL is not an OpenAPI operation."""

from __future__ import annotations

import re


async def test_operation_ids_are_short_unique_and_stable(client):
    spec = (await client.get("/openapi.json")).json()
    ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][A-Za-z]{1,40}", op_id) for op_id in ids), ids
    by_path = {
        (path, method): op["operationId"]
        for path, item in spec["paths"].items()
        for method, op in item.items()
    }
    assert (
        by_path[("/api/tables/merge-tables/{table_id}/{other_table_id}", "post")] == "mergeTables"
    )
    assert by_path[("/api/menu/{item_id}", "get")] == "getMenuItem"
    assert not [path for path in spec["paths"] if path.startswith("/graphql")]
