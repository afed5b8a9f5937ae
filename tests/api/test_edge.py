"""The HTTP edge: docs, security headers, no-store, Host, CORS, body size, 422 echoes."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from restaurant_api.api.edge import API_CSP, GRAPHIQL_CSP
from restaurant_api.main import create_app
from tests.conftest import PASSWORD, Backend, Staff, make_settings

MakeClient = Callable[..., Any]


@pytest.fixture
def make_client(backend: Backend) -> MakeClient:
    """`async with make_client(environment="production", ...) as http:` a client of an app
    built with these settings on the test's database (its engine disposed afterwards)."""

    @asynccontextmanager
    async def _client(
        *, raise_errors: bool = True, **overrides: Any
    ) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(make_settings(backend.url, **overrides))
        async with _http(app, raise_errors=raise_errors) as http:
            yield http
        await app.state.db.dispose()

    return _client


@asynccontextmanager
async def _http(app: FastAPI, *, raise_errors: bool = True) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_errors)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


PRODUCTION = {"environment": "production", "registration_open": False}
DOC_PATHS = ("/docs", "/redoc", "/openapi.json")


def assert_security_headers(response: httpx.Response, *, csp: str = API_CSP) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["content-security-policy"] == csp
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "server" not in response.headers


# --- 1. API docs --------------------------------------------------------------------------


async def test_production_serves_no_api_docs(make_client: MakeClient) -> None:
    async with make_client(**PRODUCTION) as http:
        for path in DOC_PATHS:
            assert (await http.get(path)).status_code == 404, path
        assert "docs" not in (await http.get("/")).json()


async def test_production_serves_docs_when_enabled(make_client: MakeClient) -> None:
    async with make_client(**PRODUCTION, api_docs_enabled=True) as http:
        for path in DOC_PATHS:
            assert (await http.get(path)).status_code == 200, path


async def test_development_keeps_docs_unless_disabled(make_client: MakeClient) -> None:
    async with make_client(environment="development") as http:
        for path in DOC_PATHS:
            assert (await http.get(path)).status_code == 200, path
        assert (await http.get("/")).json()["docs"] == "/docs"
    async with make_client(environment="development", api_docs_enabled=False) as http:
        assert (await http.get("/openapi.json")).status_code == 404


# --- 2. security headers ------------------------------------------------------------------


async def test_security_headers_on_every_kind_of_response(
    client: httpx.AsyncClient, server: Staff
) -> None:
    responses = {
        "health": await client.get("/health"),
        "rest list": await client.get("/api/menu"),
        "rest 401": await client.get("/api/orders"),
        "rest 404 route": await client.get("/no/such/path"),
        "rest 404 entity": await client.get("/api/orders/999", headers=server.headers),
        "rest 422": await client.post("/users/login", json={"email": 1}),
        "rest 405": await client.delete("/health"),
        "graphql": await client.post("/graphql", json={"query": "{ __typename }"}),
        "graphql error": await client.post("/graphql", json={"query": "{ nope }"}),
        "graphql 400": await client.post("/graphql", content=b"{", headers=JSON_TYPE),
    }
    for name, response in responses.items():
        assert response.status_code < 500, name
        assert_security_headers(response)
        assert "strict-transport-security" not in response.headers, name  # not production


async def test_unexpected_error_still_carries_the_headers(make_client: MakeClient) -> None:
    async with make_client(raise_errors=False) as http:
        app = http._transport.app

        @app.get("/boom")
        async def boom() -> None:
            raise RuntimeError("boom")

        app.middleware_stack = None  # rebuilt with the route
        response = await http.get("/boom")
    assert response.status_code == 500
    assert_security_headers(response)


async def test_graphiql_page_has_its_own_policy(make_client: MakeClient) -> None:
    async with make_client(environment="development") as http:
        page = await http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert_security_headers(page, csp=GRAPHIQL_CSP)
    assert "script-src 'self'" in GRAPHIQL_CSP and "default-src 'self'" in GRAPHIQL_CSP
    # Its assets are served by the app: the policy names no other host.
    assert "https:" not in GRAPHIQL_CSP and "http:" not in GRAPHIQL_CSP


def _directives(policy: str) -> dict[str, list[str]]:
    parsed = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in parsed}


def _allows(policy: dict[str, list[str]], directive: str, origin: str) -> bool:
    return origin in policy.get(directive, policy.get("default-src", []))


@pytest.mark.parametrize("path", ["/graphql", "/docs", "/redoc"])
async def test_page_policies_allow_what_each_page_loads(make_client: MakeClient, path: str) -> None:
    """Every external script, stylesheet and icon the served page references is allowed
    by its policy, and so are its inline scripts (checked on the HTML, not in a browser)."""
    async with make_client(environment="development") as http:
        page = await http.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = _directives(page.headers["content-security-policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    html = page.text
    tags = re.findall(r"<(script|link)\b([^>]*)>", html)
    assert tags, html[:200]
    for tag, attributes in tags:
        url = re.search(r'(?:src|href)="(https://[^/"]+)', attributes)
        if tag == "script" and url is None:
            assert _allows(policy, "script-src", "'unsafe-inline'"), attributes
        elif url is not None:
            directive = "script-src" if tag == "script" else "style-src"
            if "icon" in attributes:
                directive = "img-src"
            assert _allows(policy, directive, url.group(1)), (directive, url.group(1))


async def test_hsts_only_in_production(make_client: MakeClient) -> None:
    async with make_client(**PRODUCTION) as http:
        response = await http.get("/health")
        assert response.headers["strict-transport-security"] == "max-age=31536000"
        assert_security_headers(response)
        missing = await http.get("/nope")
        assert missing.headers["strict-transport-security"] == "max-age=31536000"
    async with make_client(**PRODUCTION, hsts_seconds=0) as http:
        assert "strict-transport-security" not in (await http.get("/health")).headers
    async with make_client(environment="development") as http:
        assert "strict-transport-security" not in (await http.get("/health")).headers


# --- 3. Cache-Control: no-store where tokens travel ---------------------------------------

JSON_TYPE = {"Content-Type": "application/json"}


async def test_token_responses_are_not_stored(client: httpx.AsyncClient, server: Staff) -> None:
    email = server.user.email
    login = await client.post("/users/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200 and "access_token" in login.json()
    form = await client.post("/users/login", data={"username": email, "password": PASSWORD})
    assert form.status_code == 200 and "access_token" in form.json()
    refresh = await client.post(
        "/users/refresh", json={"refresh_token": login.json()["refresh_token"]}
    )
    assert refresh.status_code == 200 and "access_token" in refresh.json()
    graphql_login = await client.post(
        "/graphql",
        json={
            "query": "mutation($i: LoginInput!) { login(input: $i) { __typename } }",
            "variables": {"i": {"email": email, "password": PASSWORD}},
        },
    )
    assert graphql_login.status_code == 200
    register = await client.post(
        "/users/register",
        json={"name": "Ada", "email": "ada@example.com", "password": "password123"},
    )
    failed = await client.post("/users/login", json={"email": email, "password": "wrong-one"})
    assert failed.status_code == 401
    for response in (login, form, refresh, graphql_login, register, failed):
        assert response.headers["cache-control"] == "no-store", response.request.url
    # Public data elsewhere is left to the client's cache rules.
    assert "cache-control" not in (await client.get("/api/menu")).headers


# --- 5. no redirect built from the Host header; ALLOWED_HOSTS ------------------------------


async def test_trailing_slash_is_served_directly_whatever_the_host(
    client: httpx.AsyncClient, server: Staff
) -> None:
    forged = {**server.headers, "Host": "evil.example"}
    for path in ("/users/me/", "/users/me", "/api/orders/", "/api/orders", "/api/tables/"):
        response = await client.get(path, headers=forged)
        assert response.status_code == 200, path
        assert "location" not in response.headers
    me = await client.get("/users/me/", headers=forged)
    assert me.json()["email"] == server.user.email
    graphql = await client.post("/graphql/", json={"query": "{ me { email } }"}, headers=forged)
    assert graphql.json()["data"]["me"]["email"] == server.user.email
    unknown = await client.get("/api/nothing/", headers=forged)
    assert unknown.status_code == 404 and "location" not in unknown.headers


async def test_allowed_hosts_refuse_other_hosts(make_client: MakeClient) -> None:
    async with make_client(allowed_hosts="api.example.com") as http:
        good = await http.get("/health", headers={"Host": "api.example.com"})
        bad = await http.get("/health", headers={"Host": "evil.example"})
    assert good.status_code == 200
    assert bad.status_code == 400
    assert_security_headers(bad)


# --- 6. CORS ------------------------------------------------------------------------------


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }


async def test_cors_wildcard_never_allows_credentials(make_client: MakeClient) -> None:
    async with make_client(cors_origins="*") as http:
        preflight = await http.options("/graphql", headers=_preflight("https://evil.example"))
        simple = await http.get("/api/menu", headers={"Origin": "https://evil.example"})
    for response in (preflight, simple):
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers


async def test_cors_listed_origins_only(make_client: MakeClient) -> None:
    async with make_client(cors_origins="https://pos.example.com") as http:
        ok = await http.options("/graphql", headers=_preflight("https://pos.example.com"))
        other = await http.options("/graphql", headers=_preflight("https://evil.example"))
    assert ok.headers["access-control-allow-origin"] == "https://pos.example.com"
    assert ok.headers["access-control-allow-credentials"] == "true"
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers


# --- 7. body size and 422 echoes ----------------------------------------------------------


@pytest.mark.parametrize("path", ["/users/login", "/graphql", "/api/orders"])
async def test_declared_oversized_body_is_413(make_client: MakeClient, path: str) -> None:
    async with make_client(max_body_bytes=1024) as http:
        body = json.dumps({"query": "{ __typename }", "padding": "x" * 2000}).encode()
        response = await http.post(path, content=body, headers=JSON_TYPE)
        fits = await http.post("/graphql", json={"query": "{ __typename }", "padding": "x" * 900})
    assert response.status_code == 413
    assert response.json() == {"detail": "Content Too Large"}
    assert_security_headers(response)
    assert fits.status_code == 200 and fits.json()["data"]["__typename"] == "Query"


@pytest.mark.parametrize("path", ["/users/login", "/graphql"])
async def test_streamed_body_is_cut_at_the_limit(make_client: MakeClient, path: str) -> None:
    """A chunked body without Content-Length: refused once the limit is passed, without
    reading the rest (the generator is endless)."""
    chunks_read = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal chunks_read
        yield b'{"query": "'
        while True:
            chunks_read += 1
            yield b"x" * 512

    async with make_client(max_body_bytes=4096) as http:
        response = await http.post(path, content=endless(), headers=JSON_TYPE)
    assert response.status_code == 413
    assert response.json() == {"detail": "Content Too Large"}
    assert chunks_read <= 10


async def test_default_limit_is_one_mebibyte(client: httpx.AsyncClient) -> None:
    big = await client.post("/users/login", content=b"x" * (1024 * 1024 + 1), headers=JSON_TYPE)
    assert big.status_code == 413


async def test_validation_errors_echo_no_secret_and_no_megabytes(
    client: httpx.AsyncClient,
) -> None:
    secret = "hunter2-" + "s" * 200
    huge = "n" * 200_000
    responses = [
        # missing email: FastAPI would echo the whole body, password included
        await client.post("/users/register", json={"name": huge, "password": secret}),
        # a password too long: FastAPI would echo it
        await client.post(
            "/users/register", json={"name": "A", "email": "a@example.com", "password": secret}
        ),
        await client.post("/users/login", json={"email": huge, "password": ["x", secret]}),
        await client.post("/api/menu", json={"name": huge, "price": "nope", "category": huge}),
    ]
    for response in responses:
        assert response.status_code in (401, 422), response.text
        assert "hunter2" not in response.text
        assert len(response.content) < 2000, response.text[:300]
    body = responses[0].json()
    assert isinstance(body["detail"], list)
    assert {"type", "loc", "msg"} <= set(body["detail"][0])
    assert ["body", "email"] in [entry["loc"] for entry in body["detail"]]


async def test_validation_errors_keep_short_harmless_inputs(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/users/register", json={"name": "A", "email": "not-an-email", "password": "x"}
    )
    assert response.status_code == 422
    entries = {tuple(entry["loc"]): entry for entry in response.json()["detail"]}
    assert entries[("body", "email")]["input"] == "not-an-email"
    assert "input" not in entries[("body", "password")]
    assert entries[("body", "password")]["ctx"] == {"min_length": 8}


# --- FastAPI's native OpenTelemetry: off unless asked for -----------------------------------


def _layers(stack: object) -> list[str]:
    names = []
    while hasattr(stack, "app"):
        names.append(type(stack).__name__)
        stack = stack.app
    return names


@pytest.mark.parametrize("wanted", [False, True])
async def test_opentelemetry_follows_its_setting(backend: Backend, wanted: bool) -> None:
    app = create_app(make_settings(backend.url, opentelemetry=wanted))
    try:
        config = app._telemetry
        assert (config["tracing"], config["metrics"], config["logs"]) == (wanted,) * 3
        if not wanted:  # no check for providers on each request
            assert not app._native_telemetry.enabled()
        layers = _layers(app.build_middleware_stack())
        # The exception telemetry layer only when it records; FastAPI's body limit never
        # (the edge bounds bodies); Starlette's error and exception layers always.
        assert ("ExceptionTelemetryMiddleware" in layers) is wanted
        assert "AppBodyLimitMiddleware" not in layers
        assert {"Edge", "ServerErrorMiddleware", "ExceptionMiddleware"} <= set(layers)
        async with _http(app) as http:
            response = await http.get("/health")
        assert response.status_code == 200 and response.json() == {"status": "healthy"}
    finally:
        await app.state.db.dispose()
