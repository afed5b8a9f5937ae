"""The HTTP edge: what every response carries, whatever produced it.

- `HardenedFastAPI` puts the `Edge` outside Starlette's ServerErrorMiddleware, so a 500, a
  413 from the body limit and a 400 from the host check carry the security headers too.
- `Edge` is one pure ASGI middleware for all the per-request plumbing: headers, body
  limits, the JSON input checks, and `/x/` served as `/x` without a redirect (the redirect
  Starlette would send is built from the request's `Host` header).
- `validation_error_handler` renders FastAPI's 422 without echoing the input back.

Pure ASGI (not BaseHTTPMiddleware, which buffers streaming and costs a task).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi._body_limit import AppBodyLimitMiddleware
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.telemetry._asgi import ExceptionTelemetryMiddleware
from starlette.exceptions import HTTPException
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.routing import BaseRoute, Match, Router, get_route_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from restaurant_api.api.input_guard import BODY_TOO_LARGE, InputChecks

# Content-Security-Policy of every API response (JSON, errors): nothing may load or frame it.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

# The HTML pages the app serves, and what each needs; any other HTML gets API_CSP.
# GraphiQL (development) loads its assets from the app itself (/graphiql-assets/) and runs
# an inline script (Strawberry's page), hence 'unsafe-inline' and nothing from elsewhere.
GRAPHIQL_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
# FastAPI's /docs (Swagger UI) and /redoc load from jsDelivr (and Google Fonts for ReDoc).
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.jsdelivr.net "
    "https://validator.swagger.io; "
    "font-src 'self' data: https://fonts.gstatic.com; worker-src 'self' blob:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
PAGE_CSP: dict[str, str] = {
    "/graphql": GRAPHIQL_CSP,
    "/docs": DOCS_CSP,
    "/docs/oauth2-redirect": DOCS_CSP,
    "/redoc": DOCS_CSP,
}

# Responses of these paths may carry tokens (login, refresh, register, GraphQL `login`...):
# no cache, browser or proxy, may keep them. Every response of the path, errors included.
NO_STORE_PREFIXES = ("/graphql", "/users")


def _no_store(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in NO_STORE_PREFIXES)


class SecurityHeaders:
    """The security header lines of a response, encoded once, here: per response only the
    path and the content type are looked at (no MutableHeaders rebuilt and searched)."""

    def __init__(self, *, hsts_seconds: int | None) -> None:
        common = {
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer",
        }
        if hsts_seconds:
            common["Strict-Transport-Security"] = f"max-age={hsts_seconds}"
        self._common = [(name.lower().encode(), value.encode()) for name, value in common.items()]
        self._csp = {
            page: (b"content-security-policy", csp.encode()) for page, csp in PAGE_CSP.items()
        }
        self._api_csp = (b"content-security-policy", API_CSP.encode())
        self._no_store = (b"cache-control", b"no-store")
        # Names we set: a value the app set for one of them is replaced, never doubled
        # (Cache-Control only where we set it).
        ours = [name for name, _ in self._common] + [b"content-security-policy"]
        self._ours = frozenset(ours)
        self._ours_no_store = frozenset([*ours, b"cache-control"])

    def _lines(self, path: str, html: bool, no_store: bool) -> list[tuple[bytes, bytes]]:
        csp = self._csp.get(path, self._api_csp) if html else self._api_csp
        lines = [*self._common, csp]
        if no_store:
            lines.append(self._no_store)
        return lines

    def sender(self, scope: Scope, send: Send) -> Send:
        """`send` adding the headers to the response's start."""
        path = get_route_path(scope).rstrip("/") or "/"  # without a proxy's root_path

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                no_store = _no_store(path)
                ours = self._ours_no_store if no_store else self._ours
                html = False
                kept = []
                for name, value in message.get("headers", ()):
                    lowered = name.lower()
                    if lowered == b"content-type":
                        html = value.startswith(b"text/html")
                    if lowered not in ours:
                        kept.append((name, value))
                kept.extend(self._lines(path, html, no_store))
                message["headers"] = kept
            await send(message)

        return send_with_headers


def _declared_too_large(scope: Scope, limit: int) -> bool:
    for name, value in scope["headers"]:
        # (Length first: int() of thousands of digits is slow, then refused.) Every
        # Content-Length line is looked at: a server may pass on more than one.
        if (
            name == b"content-length"
            and value.isdigit()
            and (len(value) > 15 or int(value) > limit)
        ):
            return True
    return False


def _counted(receive: Receive, limit: int) -> Receive:
    """`receive` raising a 413 HTTPException once the body passes `limit` bytes (a chunked
    body declares no length); the exception handlers render it as `{"detail": ...}`."""
    size = 0

    async def receive_counted() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise HTTPException(413, BODY_TOO_LARGE)
        return message

    return receive_counted


def _matches(routes: Iterable[BaseRoute], scope: Scope) -> bool:
    return any(route.matches(scope)[0] is not Match.NONE for route in routes)


def slash_insensitive(scope: Scope, routes: Iterable[BaseRoute]) -> Scope:
    """`/users/me/` is served as `/users/me` directly: no redirect, so no URL is ever built
    from the `Host` header. (The other direction needs nothing: every route declared with
    a trailing slash, the contract's collection paths, is also declared without one.)"""
    # Only paths ending in "/" pay for the extra route matching (~0.1 ms).
    path: str = scope.get("path", "")
    if len(path) <= 1 or not path.endswith("/"):
        return scope
    if _matches(routes, scope) or not path.rstrip("/"):
        return scope
    candidate = dict(scope, path=path.rstrip("/"))
    raw = scope.get("raw_path")
    if isinstance(raw, bytes):
        candidate["raw_path"] = raw.rstrip(b"/")
    return candidate if _matches(routes, candidate) else scope


class Edge:
    """Everything a request passes before the application, in one pure ASGI middleware
    (one layer instead of five, three of them FastAPI's nested body limits), in order:

    1. the security headers on every HTTP response, errors included;
    2. a declared `Content-Length` over the body limit is a 413 before a byte is read;
    3. bodies are counted as they arrive: past the limit, a 413;
    4. hostile JSON is refused (`InputChecks`: REST 422, GraphQL 400);
    5. `/x/` is served as `/x` (`slash_insensitive`).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        hsts_seconds: int | None,
        max_body_bytes: int | None,
        routes: list[BaseRoute],
    ) -> None:
        self.app = app
        self.headers = SecurityHeaders(hsts_seconds=hsts_seconds)
        self.max_body_bytes = max_body_bytes
        self.checks = InputChecks(
            max_body_bytes=sys.maxsize if max_body_bytes is None else max_body_bytes
        )
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                scope = slash_insensitive(scope, self.routes)
            await self.app(scope, receive, send)
            return
        send = self.headers.sender(scope, send)
        limit = self.max_body_bytes
        if limit is not None:
            if _declared_too_large(scope, limit):
                # Closing the connection spares the server reading the rest.
                response = JSONResponse(
                    {"detail": BODY_TOO_LARGE}, status_code=413, headers={"Connection": "close"}
                )
                await response(scope, receive, send)
                return
            receive = _counted(receive, limit)
        try:
            admitted = await self.checks.admit(scope, receive, send)
        except Exception:
            # What Starlette's ServerErrorMiddleware (inside) answers to the unexpected.
            await PlainTextResponse("Internal Server Error", status_code=500)(scope, receive, send)
            raise
        if admitted is not None:
            await self.app(slash_insensitive(scope, self.routes), admitted, send)


def _without_inert_layers(stack: ASGIApp, app: FastAPI) -> ASGIApp:
    """FastAPI's stack without the two layers it adds that do nothing here: the exception
    telemetry (it only records when native telemetry is on, `OPENTELEMETRY`) and the
    app's body limit (only with FastAPI's own `max_body_size`, which stays None: the edge
    bounds bodies). Each is a coroutine frame on every request."""
    # As configured, not `enabled()`: that also asks OpenTelemetry's global providers,
    # which may be installed after the stack is built.
    telemetry_on = any(app._telemetry.get(part) for part in ("tracing", "metrics", "logs"))
    layer, outer = stack, None
    while hasattr(layer, "app"):
        inert = (isinstance(layer, ExceptionTelemetryMiddleware) and not telemetry_on) or (
            isinstance(layer, AppBodyLimitMiddleware) and app.max_body_size is None
        )
        if inert and outer is not None:
            outer.app = layer.app  # skipped: its parent calls what it wrapped
        else:
            outer = layer
        layer = layer.app
        if isinstance(layer, (ExceptionMiddleware, Router)):
            break  # the user middleware and FastAPI's own layers inside are kept
    return stack


class HardenedFastAPI(FastAPI):
    """FastAPI with the `Edge` outside everything else, Starlette's error middleware
    included: `edge_hsts_seconds` is the HSTS max-age (None or 0: no header),
    `edge_max_body_bytes` the body limit (FastAPI's own `max_body_size` stays None: it
    would wrap the app, the router and every route in a layer of its own)."""

    edge_hsts_seconds: int | None = None
    edge_max_body_bytes: int | None = None

    def build_middleware_stack(self) -> ASGIApp:
        return Edge(
            _without_inert_layers(super().build_middleware_stack(), self),
            hsts_seconds=self.edge_hsts_seconds,
            max_body_bytes=self.edge_max_body_bytes,
            routes=self.router.routes,
        )


# ---------------------------------------------------------------------------------------
# 422 without echoes: FastAPI's body puts every rejected `input` back in the response
# (the whole request body for a missing field, passwords included, megabytes of it).
# ---------------------------------------------------------------------------------------

SECRET_WORDS = ("password", "secret", "token")
MAX_ECHO_CHARS = 64
MAX_MESSAGE_CHARS = 200


def _names_secret(loc: Iterable[Any]) -> bool:
    return any(
        isinstance(part, str) and any(w in part.lower() for w in SECRET_WORDS) for part in loc
    )


def _short(value: Any, limit: int = MAX_ECHO_CHARS) -> Any:
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    text = str(value)
    return text[:limit] + "…" if len(text) > limit else text


def safe_validation_errors(errors: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """FastAPI's error entries (`type`, `loc`, `msg`, `ctx`) with `input` kept only when it
    is a short scalar of a field that is not a secret, and long `ctx` strings cut."""
    safe = []
    for error in errors:
        entry = {key: value for key, value in error.items() if key not in ("input", "url")}
        loc = error.get("loc", ())
        value = error.get("input")
        if isinstance(value, (bool, int, float, str)) and not _names_secret(loc):
            entry["input"] = _short(value)
        if isinstance(error.get("ctx"), dict):
            entry["ctx"] = {key: _short(val) for key, val in error["ctx"].items()}
        # A custom validator's message may quote its input.
        entry["msg"] = _short(error.get("msg", ""), MAX_MESSAGE_CHARS)
        safe.append(entry)
    return safe


async def validation_error_handler(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = safe_validation_errors(error.errors())
    return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)
