from __future__ import annotations


async def test_health_and_readiness(client):
    assert (await client.get("/health")).json() == {"status": "healthy"}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


async def test_openapi_documents_the_contract_paths(client):
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in ("/users/register", "/users/login", "/users/me", "/users/", "/api/menu"):
        assert path in paths
    login = paths["/users/login"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/x-www-form-urlencoded"} <= set(login)
