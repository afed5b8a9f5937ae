"""GraphQL over HTTP: application/graphql-response+json when the client asks for it."""

from __future__ import annotations

from restaurant_api.api.live import wants_graphql_response_json

MEDIA = "application/graphql-response+json"


def test_accept_negotiation():
    assert wants_graphql_response_json(MEDIA)
    assert wants_graphql_response_json(f"{MEDIA}, application/json;q=0.9")
    assert wants_graphql_response_json(f"application/json;q=0.5, {MEDIA}")
    assert not wants_graphql_response_json(f"{MEDIA};q=0.5, application/json")
    assert not wants_graphql_response_json("application/json")
    assert not wants_graphql_response_json("*/*")
    assert not wants_graphql_response_json(None)


async def _post(client, body, accept=MEDIA, **headers):
    return await client.post("/graphql", json=body, headers={"accept": accept, **headers})


async def test_graphql_response_json_status_codes(client, manager):
    ok = await _post(client, {"query": "{ menu { name } }"})
    assert (ok.status_code, ok.headers["content-type"]) == (200, MEDIA)
    assert ok.json() == {
        "data": {"menu": []},
        "extensions": {"cost": {"requested": 200, "maximum": 50_000}},
    }
    # Execution started: 200 even with a field error (the menu still answers).
    partial = await _post(client, {"query": "{ menu { name } me { id } }"})
    assert partial.status_code == 200 and partial.json()["data"] == {"menu": [], "me": None}
    # Request errors (nothing executed): 400 with the same media type.
    for body in (
        {"query": "{ menu { nope } }"},
        {"query": "{"},
        {
            "query": "query($d: DateTime) { orders(createdFrom: $d) { edges { cursor } } }",
            "variables": {"d": "2026-01-01T00:00:00"},
        },
    ):
        failed = await _post(client, body, **manager.headers)
        assert failed.status_code == 400, (body, failed.text)
        assert failed.headers["content-type"] == MEDIA
        assert "data" not in failed.json() and failed.json()["errors"]
    # application/json keeps today's behaviour: 200 with the errors.
    legacy = await _post(client, {"query": "{ menu { nope } }"}, accept="application/json")
    assert legacy.status_code == 200 and legacy.headers["content-type"] == "application/json"
