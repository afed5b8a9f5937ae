"""The edge's input checks parse a /graphql body once: the router gets their value."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from restaurant_api.api.edge import Edge
from restaurant_api.api.input_guard import parsed_body


def _app() -> tuple[Any, list[tuple[bool, Any]]]:
    seen: list[tuple[bool, Any]] = []

    async def endpoint(request: Request) -> JSONResponse:
        seen.append(parsed_body(await request.body()))
        return JSONResponse({})

    app = Starlette(routes=[Route(p, endpoint, methods=["POST"]) for p in ("/graphql", "/api")])
    return Edge(app, hsts_seconds=None, max_body_bytes=1 << 20, routes=app.routes), seen


async def _post(app: Any, path: str, body: bytes) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post(path, content=body, headers={"content-type": "application/json"})


async def test_the_router_reuses_the_guards_parse_of_the_same_body():
    app, seen = _app()
    body = b'{"query": "{ menu { name } }", "variables": {"n": 1.5}}'
    assert (await _post(app, "/graphql", body)).status_code == 200
    assert seen == [(True, {"query": "{ menu { name } }", "variables": {"n": 1.5}})]


async def test_other_bytes_and_rest_bodies_are_not_taken_for_it():
    app, seen = _app()
    assert (await _post(app, "/api", b'{"a": 1}')).status_code == 200
    assert seen == [(False, None)]  # REST bodies are checked, FastAPI parses them
    assert parsed_body(b'{"a": 1}') == (False, None)  # outside any request
