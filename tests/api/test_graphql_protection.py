"""Limits and masking of the GraphQL endpoint."""

from __future__ import annotations

from typing import Any

from restaurant_api.config import Environment
from restaurant_api.main import create_app
from tests.conftest import make_settings


async def test_query_nested_past_depth_limit_is_rejected(backend):
    shallow = create_app(make_settings(backend.url, graphql_max_depth=1))
    query = """mutation { login(input: {email: "a@b.co", password: "x"}) {
        ... on AuthPayload { user { id } } } }"""
    import httpx

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=shallow), base_url="http://test"
    ) as http:
        response = await http.post("/graphql", json={"query": query})
    await shallow.state.db.dispose()
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert "exceeds maximum operation depth of 1" in body["errors"][0]["message"]


async def test_too_many_aliases_is_rejected(client):
    aliases = " ".join(f"a{i}: __typename" for i in range(40))
    response = await client.post("/graphql", json={"query": "{ " + aliases + " }"})
    assert "aliases" in response.json()["errors"][0]["message"].lower()


async def test_garbage_requests_never_500(client):
    cases: list[dict[str, Any]] = [
        {"content": b"{nope", "headers": {"content-type": "application/json"}},
        {"json": {"query": "{ me { "}},
        {"json": {"query": 42}},
        {"json": {"query": "{ nonsenseField }"}},
        {"json": {"query": "query($x: ID!) { user(id: $x) { id } }", "variables": {"x": ["a"]}}},
    ]
    for case in cases:
        response = await client.post("/graphql", **case)
        assert response.status_code in (200, 400), response.text
        assert response.status_code != 500


async def test_unexpected_errors_are_masked(client, app):
    # A database that does not exist makes resolvers fail unexpectedly.
    broken = create_app(make_settings("sqlite:////nonexistent-dir/x.db"))
    import httpx

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=broken), base_url="http://test"
    ) as http:
        response = await http.post("/graphql", json={"query": "{ menu { id } }"})
        ready = await http.get("/health/ready")
    await broken.state.db.dispose()
    assert response.status_code == 200
    assert response.json()["errors"][0]["message"] == "Unexpected error."
    assert "nonexistent" not in response.text
    assert ready.status_code == 503


async def test_production_hides_introspection_and_graphiql(backend):
    prod = create_app(make_settings(backend.url, environment=Environment.PRODUCTION))
    import httpx

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=prod), base_url="http://test"
    ) as http:
        introspection = await http.post(
            "/graphql", json={"query": "{ __schema { types { name } } }"}
        )
        ide = await http.get("/graphql", headers={"accept": "text/html"})
        suggestion = await http.post("/graphql", json={"query": "{ men { id } }"})
    await prod.state.db.dispose()
    assert "introspection" in introspection.json()["errors"][0]["message"].lower()
    assert ide.status_code != 200 or "graphiql" not in ide.text.lower()
    assert "Did you mean" not in suggestion.text


async def test_graphiql_served_in_development(client):
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_token_limit_rejects_huge_documents(client):
    fields = " ".join("__typename" for _ in range(2500))
    response = await client.post("/graphql", json={"query": "{ " + fields + " }"})
    assert response.status_code in (200, 400)
    assert "token" in response.json()["errors"][0]["message"].lower()


async def test_expected_errors_are_not_logged_but_unexpected_ones_are(gql, caplog):
    import logging

    with caplog.at_level(logging.ERROR):
        denied = await gql("{ me { id } }")
        invalid = await gql("{ nonsense }")
    assert denied["errors"] and invalid["errors"]
    assert not [record for record in caplog.records if record.name.startswith("strawberry")]

    broken = create_app(make_settings("sqlite:////nonexistent-dir/x.db"))
    import httpx

    caplog.clear()
    with caplog.at_level(logging.ERROR):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=broken), base_url="http://test"
        ) as http:
            await http.post("/graphql", json={"query": "{ menu { id } }"})
    await broken.state.db.dispose()
    assert [record for record in caplog.records if record.name.startswith("strawberry")]
