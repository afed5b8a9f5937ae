"""The HTTP edge: what every response carries, whatever produced it.

- `HardenedFastAPI` puts `SecurityHeaders` outside Starlette's ServerErrorMiddleware, so a
  500, a 413 from the body limit and a 400 from the host check carry the headers too.
- `SlashInsensitivePaths` serves `/x/` as `/x` (and the reverse) without a redirect: the
  redirect Starlette would send is built from the request's `Host` header.
- `validation_error_handler` renders FastAPI's 422 without echoing the input back.

Pure ASGI middleware (not BaseHTTPMiddleware, which buffers streaming and costs a task).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.routing import BaseRoute, Match, get_route_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
    """Adds the security headers to every HTTP response (set by the app or not).

    The header lines are encoded once, here; per response only the path and the content
    type are looked at (no MutableHeaders rebuilt and searched per header).
    """

    def __init__(self, app: ASGIApp, *, hsts_seconds: int | None) -> None:
        self.app = app
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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
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

        await self.app(scope, receive, send_with_headers)


BODY_TOO_LARGE = "Content Too Large"  # the words of FastAPI's own limit, for one message


class DeclaredBodyLimit:
    """413 for a declared `Content-Length` over the limit, before the app runs or a byte
    of the body is read. FastAPI's `max_body_size` counts the bytes of chunked bodies."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int | None) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.max_body_bytes is not None:
            for name, value in scope["headers"]:
                # (Length first: int() of thousands of digits is slow, then refused.)
                too_large = value.isdigit() and (
                    len(value) > 15 or int(value) > self.max_body_bytes
                )
                if name == b"content-length" and too_large:
                    # Closing the connection spares the server reading the rest.
                    response = JSONResponse(
                        {"detail": BODY_TOO_LARGE}, status_code=413, headers={"Connection": "close"}
                    )
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


class HardenedFastAPI(FastAPI):
    """FastAPI with the edge outside everything else, Starlette's error middleware included:
    `edge_hsts_seconds` is the HSTS max-age (None or 0: no header); the body limit is
    FastAPI's own `max_body_size`."""

    edge_hsts_seconds: int | None = None

    def build_middleware_stack(self) -> ASGIApp:
        app = DeclaredBodyLimit(super().build_middleware_stack(), max_body_bytes=self.max_body_size)
        return SecurityHeaders(app, hsts_seconds=self.edge_hsts_seconds)


def _matches(routes: Iterable[BaseRoute], scope: Scope) -> bool:
    return any(route.matches(scope)[0] is not Match.NONE for route in routes)


class SlashInsensitivePaths:
    """`/users/me/` is served as `/users/me` directly: no redirect, so no URL is ever built
    from the `Host` header. (The other direction needs nothing: every route declared with
    a trailing slash, the contract's collection paths, is also declared without one.)"""

    def __init__(self, app: ASGIApp, *, routes: list[BaseRoute]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Only paths ending in "/" pay for the extra route matching (~0.1 ms).
        path: str = scope.get("path", "")
        if scope["type"] in ("http", "websocket") and len(path) > 1 and path.endswith("/"):
            scope = self._resolved(scope, path)
        await self.app(scope, receive, send)

    def _resolved(self, scope: Scope, path: str) -> Scope:
        if _matches(self.routes, scope) or not path.rstrip("/"):
            return scope
        candidate = dict(scope, path=path.rstrip("/"))
        raw = scope.get("raw_path")
        if isinstance(raw, bytes):
            candidate["raw_path"] = raw.rstrip(b"/")
        return candidate if _matches(self.routes, candidate) else scope


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
