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


async def test_cors_allows_configured_origins_only(backend):
    import httpx

    from restaurant_api.main import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(backend.url, cors_origins="https://pos.example.com"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as http:
        allowed = await http.options(
            "/graphql",
            headers={
                "Origin": "https://pos.example.com",
                "Access-Control-Request-Method": "POST",
            },
        )
        denied = await http.options(
            "/graphql",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
    await app.state.db.dispose()
    assert allowed.headers["access-control-allow-origin"] == "https://pos.example.com"
    assert "access-control-allow-origin" not in denied.headers
