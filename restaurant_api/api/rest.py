"""REST plumbing shared by every domain: sessions, the current user, error rendering."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Annotated, Any

import psycopg
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel, PlainSerializer
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import Receive, Scope, Send

from restaurant_api.config import Settings
from restaurant_api.db import Database
from restaurant_api.errors import AuthenticationFailed, DomainError, TooManyAttempts
from restaurant_api.raw_reads import NotPrebuilt
from restaurant_api.users import service as users_service
from restaurant_api.users.service import Role, User, require_role

# tokenUrl makes the Authorize button of /docs log in through the form variant.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/users/login", auto_error=False)


# Async on purpose: FastAPI runs a plain-function dependency in the thread pool (a hop
# per dependency per request); these only read an attribute.
async def get_database(request: Request) -> Database:
    return request.app.state.db


async def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


async def _write_session(db: DatabaseDep) -> AsyncIterator[AsyncSession]:
    async with db.session() as session:
        yield session


# The read dependencies take the database from the request themselves: one level of
# FastAPI's dependency solving less per request on the hot read paths.
async def _read_session(request: Request) -> AsyncIterator[AsyncSession]:
    db: Database = request.app.state.db
    async with db.session(read_only=True) as session:
        yield session


async def _snapshot_session(request: Request) -> AsyncIterator[AsyncSession]:
    db: Database = request.app.state.db
    async with db.session(read_only=True, snapshot=True) as session:
        yield session


# scope="function": the transaction commits before the response is sent, so a client never
# sees a success that was not durable, and a failing commit still becomes an error response.
SessionDep = Annotated[AsyncSession, Depends(_write_session, scope="function")]
ReadSessionDep = Annotated[AsyncSession, Depends(_read_session, scope="function")]
# Reads of several statements that must agree (an order and its lines): one snapshot.
SnapshotSessionDep = Annotated[AsyncSession, Depends(_snapshot_session, scope="function")]


async def _current_user(
    request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> User:
    if not token:
        raise AuthenticationFailed("Not authenticated")
    settings: Settings = request.app.state.settings
    db: Database = request.app.state.db
    # Authenticate in a short read of its own, before the handler's session.
    user, _ = await users_service.caller_of_token(db, token, settings)
    request.state.user = user
    return user


CurrentUser = Annotated[User, Depends(_current_user)]


# --- hot reads: GETs every screen polls, served without FastAPI's routing tree and
# dependency solving (a third of a menu read's CPU) ----------------------------------------

_HOT_ARGUMENTS_KEY = "restaurant_api.hot_read_arguments"
# A query parameter's reader: its value as FastAPI would pass it, or ValueError when it is
# not in a form read exactly alike here (FastAPI then validates it, errors included).
QueryReader = Callable[[str], Any]


def query_text(value: str) -> str:
    return value


def query_bool(value: str) -> bool:
    if value not in ("true", "false"):
        raise ValueError(value)
    return value == "true"


def query_int(low: int, high: int) -> QueryReader:
    def read(value: str) -> int:
        if not (value.isascii() and value.isdigit() and len(value) <= 10):
            raise ValueError(value)
        number = int(value)
        if not low <= number <= high:
            raise ValueError(value)
        return number

    return read


class HotRead(BaseRoute):
    """`GET path` answered by `endpoint` directly, with the same session and user as its
    FastAPI dependencies (`ReadSessionDep` / `SnapshotSessionDep`, `CurrentUser`).

    Placed before the documented route of the same path, it matches only requests whose
    query it reads exactly as FastAPI would: known parameters, each once, values its
    readers accept. Any other request (a bad value, a repeated or unknown parameter, HEAD)
    matches nothing here and reaches the documented route, which validates and answers as
    before. Errors raised here (401, 403, database) go to the same exception handlers.
    Not in the OpenAPI document: the documented route describes the operation.
    A path may end with one parameter (`/api/orders/{order_id}`), read by `path_reader`
    the same way: a segment it refuses goes to the documented route.
    """

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Awaitable[Response]],
        query: Mapping[str, QueryReader],
        *,
        user: bool = False,
        snapshot: bool = False,
        raw_endpoint: Callable[..., Awaitable[Response]] | None = None,
        path_reader: QueryReader | None = None,
    ) -> None:
        self.path = self.path_format = path
        # "/api/orders/{order_id}": the prefix before the parameter, and its name.
        self.prefix, _, parameter = path.partition("{")
        self.parameter = parameter.removesuffix("}") if parameter else None
        if (self.parameter is None) != (path_reader is None):
            raise ValueError(f"{path}: a path parameter needs a reader, and only then")
        self.path_reader = path_reader
        self.endpoint = endpoint
        # The same answer from a `raw_reads` connection (PostgreSQL), without a session.
        self.raw_endpoint = raw_endpoint
        self.query = dict(query)
        self.user = user
        self.snapshot = snapshot

    def _arguments(self, query_string: bytes) -> dict[str, Any] | None:
        if not query_string:
            return {}
        arguments: dict[str, Any] = {}
        for name, value in QueryParams(query_string).multi_items():
            reader = self.query.get(name)
            if reader is None or name in arguments:
                return None
            try:
                arguments[name] = reader(value)
            except ValueError:
                return None
        return arguments

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] != "GET":
            return Match.NONE, {}
        path: str = scope["path"]
        value = None
        if self.path_reader is None:
            if path != self.path:
                return Match.NONE, {}
        elif path.startswith(self.prefix):
            try:
                value = self.path_reader(path[len(self.prefix) :])
            except ValueError:
                return Match.NONE, {}
        else:
            return Match.NONE, {}
        arguments = self._arguments(scope["query_string"])
        if arguments is None:
            return Match.NONE, {}
        if self.parameter is not None:
            arguments[self.parameter] = value
        return Match.FULL, {_HOT_ARGUMENTS_KEY: arguments}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        arguments = scope[_HOT_ARGUMENTS_KEY]
        if self.user:
            arguments["user"] = await _current_user(request, await oauth2_scheme(request))
        db: Database = request.app.state.db
        response = None
        if self.raw_endpoint is not None and db.raw_reads is not None:
            try:
                async with db.raw_reads.connection() as connection:
                    if self.snapshot:
                        async with connection.snapshot():
                            response = await self.raw_endpoint(connection=connection, **arguments)
                    else:
                        response = await self.raw_endpoint(connection=connection, **arguments)
            except (NotPrebuilt, psycopg.Error):
                # Not prebuilt, or the connection failed: the session path answers (and
                # reports a database error the usual way).
                response = None
        if response is None:
            # Committed (closed) before the response goes out, like the dependencies' scope.
            async with db.session(read_only=True, snapshot=self.snapshot) as session:
                response = await self.endpoint(session=session, **arguments)
        await response(scope, receive, send)


def require_roles(*roles: Role) -> Any:
    """A dependency admitting only `roles` (403 "Not enough permissions" otherwise)."""
    allowed = frozenset(roles)

    async def dependency(user: CurrentUser) -> User:
        return require_role(user, allowed)

    return Depends(dependency)


def _money_number(value: Decimal) -> float:
    # JSON has only one number type. The Decimal has at most two decimals, and its float's
    # shortest repr is exactly those digits ("12.98"), so nothing inexact reaches the wire.
    return float(value)


MoneyNumber = Annotated[Decimal, PlainSerializer(_money_number, return_type=float)]


class ErrorBody(BaseModel):
    """Every error the REST adapters return: FastAPI's `{"detail": ...}`."""

    detail: str


# The confirmation a route answers with when there is nothing else to return:
# `{"message": "..."}`. (No docstring: it would become the OpenAPI schema's description.)
class Message(BaseModel):
    message: str


# The same body under the OpenAPI component name the tables and users routes always
# documented (a generated client's type name): the name only, never another shape.
class MessageResponse(Message):
    pass


_ERROR_DESCRIPTIONS = {
    400: "Rejected by a business rule (see `detail`)",
    401: "Missing, malformed, expired or forged token",
    403: "Not enough permissions",
    404: "Not found",
    409: "Conflicts with the current state (taken, stale version, closed)",
    429: "Too many failed login attempts; `Retry-After` says when to try again",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of the `{"detail": ...}` errors a router's routes may return."""
    return {
        status: {"model": ErrorBody, "description": _ERROR_DESCRIPTIONS[status]}
        for status in statuses
    }


async def _domain_error_handler(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    headers = {"WWW-Authenticate": "Bearer"} if error.http_status == 401 else None
    if isinstance(error, TooManyAttempts):
        headers = {"Retry-After": str(error.retry_after_seconds)}
    return JSONResponse({"detail": error.message}, status_code=error.http_status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error_handler)
