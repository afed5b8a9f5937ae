"""Subscription and HTTP transport: websocket authentication, keepalive pings, the router.

Connections authenticate in `connection_init`, are pinged, and close when their user's
access ends. The loop each subscription field runs (snapshot, then changes) is
`api.feeds`; subscribers with the same selection, variables and role share one execution
and one encoding of each change (`api.fanout`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import orjson
import strawberry
from fastapi import Request, Response
from fastapi.responses import HTMLResponse, StreamingResponse
from graphql import GraphQLError, parse
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    SubscribeMessage,
)
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET
from strawberry.utils.operation import get_operation_type

from restaurant_api import security
from restaurant_api.api.cost import operation_count
from restaurant_api.api.fanout import next_message_text
from restaurant_api.api.graphql import Context
from restaurant_api.api.input_guard import parsed_body
from restaurant_api.api.playground import graphiql_html
from restaurant_api.db import utcnow
from restaurant_api.errors import DomainError
from restaurant_api.events import EventBus, SubscriberTooSlow, Topic
from restaurant_api.users import service as users_service

if TYPE_CHECKING:
    from restaurant_api.api.response_cache import Lookup, ResponseCache

logger = logging.getLogger("restaurant_api.live")
# Where the response cache middleware leaves a miss for the router to store its answer.
LOOKUP_SCOPE_KEY = "restaurant_api.response_cache"

# graphql-transport-ws closes refused connections with 4403 Forbidden.
FORBIDDEN_CLOSE_CODE = 4403
ACCESS_REVOKED_REASON = "Access revoked"


# ---------------------------------------------------------------------------------------
# Authentication from `connection_init`, and keepalive pings.
# ---------------------------------------------------------------------------------------


def _token_from(params: Any) -> str | None:
    if not isinstance(params, dict):
        return None
    value = params.get("Authorization", params.get("authorization"))
    return security.bearer_token(value) if isinstance(value, str) else None


async def authenticate_connection(context: Context, header_token: str | None) -> None:
    """Authenticate a websocket from its `connection_init` payload (or handshake header).

    Raises ConnectionRejectionError (closed with 4403 Forbidden) when the token is
    missing, invalid or expired, or the user is inactive.
    """
    token = _token_from(context.connection_params) or header_token
    if token is None:
        raise ConnectionRejectionError({"message": "Not authenticated"})
    settings = context.settings
    try:
        claims = security.decode_access_token(
            token, secret=settings.secret_key, algorithm=settings.jwt_algorithm
        )
        async with context.db.session(read_only=True) as session:
            user = await users_service.user_for_access_token(session, token, settings)
    except (security.TokenError, DomainError) as error:
        raise ConnectionRejectionError({"message": "Invalid token"}) from error
    context.user = user
    context.auth_error = None
    context.connection_expires_at = claims.expires_at
    context.token_version = claims.version


async def still_authorized(context: Context, *, shared_as: Hashable | None = None) -> bool:
    """Whether the socket's user is still active with the token version it connected with.

    `shared_as` names the moment (a delivery): every socket of this process handling it
    shares one read per user instead of one per socket.
    """
    user = context.user
    if user is None:
        return False
    user_id: int = user.id

    async def load() -> tuple[bool, int] | None:
        async with context.db.session(read_only=True) as session:
            current = await users_service.find_active(session, user_id)
        return None if current is None else (current.is_active, current.token_version)

    bus = context.events
    if shared_as is not None and bus is not None:
        state = await bus.shared_read(("user-access", user_id, shared_as), load)
    else:
        state = await load()
    return state is not None and state[1] == context.token_version


async def close_revoked(context: Context) -> None:
    """Close a socket whose access ended (4403, as an invalid token at connect), then park."""
    websocket = context.request
    if not isinstance(websocket, WebSocket):
        raise ConnectionRejectionError({"message": ACCESS_REVOKED_REASON})
    with contextlib.suppress(Exception):
        await websocket.close(code=FORBIDDEN_CLOSE_CODE, reason=ACCESS_REVOKED_REASON)
    # The handler notices the closed socket and cancels this operation.
    await asyncio.Event().wait()


def malformed_message(message: object) -> str | None:
    """Why a graphql-transport-ws message is invalid (close 4400), or None."""
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return "Failed to parse message"
    kind = message["type"]
    if kind in {"subscribe", "complete"}:
        operation_id = message.get("id")
        if not isinstance(operation_id, str) or not operation_id:
            return f'Invalid {kind} message: "id" must be a non-empty string'
    if kind == "subscribe":
        payload = message.get("payload")
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return 'Invalid subscribe message: "payload.query" must be a string'
        for key, expected in (("variables", dict), ("extensions", dict), ("operationName", str)):
            if payload.get(key) is not None and not isinstance(payload[key], expected):
                return f'Invalid subscribe message: "payload.{key}" has the wrong type'
    return None


class LiveTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws with server pings and closing when the access token expires."""

    keepalive_seconds: float = 15.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._keepalive: asyncio.Task[None] | None = None
        self._access_watch: asyncio.Task[None] | None = None

    async def handle_message(self, message: Any) -> None:
        # Strawberry indexes messages as dicts of the right shape: anything else (a list,
        # `null`, a null payload, a numeric id) crashed the socket (1006) or was masked as
        # "Unexpected error.". The protocol's answer to an invalid message is 4400.
        problem = malformed_message(message)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        if message.get("payload", {}) is None:
            # The protocol allows a null payload: no token, so 4403 like any missing token
            # (Strawberry closes it with 4400 "Invalid connection init payload").
            message = {**message, "payload": {}}
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self._keepalive is None:
            self._keepalive = asyncio.create_task(self._keep_alive())
        if self.connection_acknowledged and self._access_watch is None:
            self._access_watch = asyncio.create_task(self._watch_access())

    async def _watch_access(self) -> None:
        """Close the socket (4403) as soon as its user's access ends: a logout, a password
        change, a role change or a deactivation publishes a USER event (across processes on
        PostgreSQL); any such event for this user, or a resync, triggers a re-check."""
        context = self.context
        user_id = context.user.id if context.user is not None else None
        bus = context.events
        if bus is None or user_id is None:
            return
        try:
            while True:
                subscriber = await bus.subscribe(frozenset({Topic.USER}))
                try:
                    while True:
                        delivery = await subscriber.get()
                        if delivery.event.topic is Topic.USER and delivery.event.id != user_id:
                            continue
                        if not await still_authorized(context, shared_as=delivery.seq):
                            await self.websocket.close(FORBIDDEN_CLOSE_CODE, ACCESS_REVOKED_REASON)
                            return
                except SubscriberTooSlow:
                    # Missed events: check now, then listen again.
                    if not await still_authorized(context):
                        await self.websocket.close(FORBIDDEN_CLOSE_CODE, ACCESS_REVOKED_REASON)
                        return
                finally:
                    subscriber.close()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("access watch of a websocket failed", exc_info=True)

    async def send_message(self, message: Any) -> None:
        # A change executed once for a group of subscribers is encoded once too: only the
        # operation id (and the small `extensions`) go around the shared data text (api.fanout).
        websocket = self.websocket
        if isinstance(websocket, ASGIWebSocketAdapter):
            operation_id = message.get("id") if isinstance(message, dict) else None
            text = (
                next_message_text(operation_id, message, self.view.encode_json)
                if isinstance(operation_id, str)
                else None
            )
            if text is not None:
                try:
                    await websocket.ws.send_text(text)
                except WebSocketDisconnect as error:
                    raise WebSocketDisconnected from error
                return
        await super().send_message(message)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged:
            refusal = self._refusal(message)
            if refusal is not None:
                # An `error` message ends this operation only, and says why.
                await self.send_message(
                    {"id": message["id"], "type": "error", "payload": [refusal.formatted]}
                )
                return
        await super().handle_subscribe(message)

    def _refusal(self, message: SubscribeMessage) -> GraphQLError | None:
        """Why this subscribe message is refused before it reaches the schema, if it is."""
        try:
            payload = message["payload"]
            query = payload["query"]
            operation_name = payload.get("operationName")
        except (KeyError, TypeError, AttributeError):
            return None  # malformed: Strawberry answers with the protocol's own close code
        if not isinstance(query, str):
            return None
        try:
            # The same token limit as the schema: parsing here must not be a way around it.
            document = parse(query, max_tokens=self.context.settings.graphql_max_tokens)
        except GraphQLError as error:
            return error  # a syntax error or too many tokens (was a bare `complete`)
        except RecursionError:
            return GraphQLError("Document nested too deeply")
        if operation_name is None and operation_count(document) > 1:
            return GraphQLError(
                "Must provide operation name if query contains multiple operations."
            )
        try:
            operation = get_operation_type(document, operation_name)
        except RuntimeError:
            # Strawberry's answer would be masked as "Unexpected error." (and logged).
            return GraphQLError(f'Unknown operation named "{operation_name}".')
        if operation is not OperationType.SUBSCRIPTION:
            # Queries and mutations go over HTTP: one connection-long context (and session)
            # shared by concurrent operations would mix their units of work.
            return GraphQLError(
                "Only subscriptions are served over websockets; "
                "send queries and mutations to /graphql over HTTP"
            )
        return None

    async def _keep_alive(self) -> None:
        expires_at: datetime | None = getattr(self.context, "connection_expires_at", None)
        try:
            while True:
                delay = self.keepalive_seconds
                if expires_at is not None:
                    delay = min(delay, max((expires_at - utcnow()).total_seconds(), 0.0))
                await asyncio.sleep(delay)
                if expires_at is not None and utcnow() >= expires_at:
                    # Same answer as an expired token at connect: the client logs in again.
                    await self.websocket.close(FORBIDDEN_CLOSE_CODE, "Token expired")
                    return
                await self.send_message({"type": "ping"})
        except asyncio.CancelledError:
            raise
        except Exception:
            return  # the socket is gone; the handler shuts down on its own

    async def shutdown(self) -> None:
        for task in (self._keepalive, self._access_watch):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await super().shutdown()


GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


@functools.cache
def _graphiql_page() -> str:
    return graphiql_html()


def _quality(accept: str, media_type: str) -> float:
    """The q the Accept header gives `media_type` (exact or wildcard), 0 when absent."""
    best = 0.0
    major = media_type.split("/")[0] + "/*"
    for part in accept.split(","):
        kind, *params = (piece.strip() for piece in part.split(";"))
        if kind.lower() not in (media_type, major, "*/*"):
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        # A wildcard only counts for the plain JSON a client without preferences expects.
        if kind.lower() == media_type or media_type == "application/json":
            best = max(best, q)
    return best


def wants_graphql_response_json(accept: str | None) -> bool:
    """GraphQL over HTTP: answer application/graphql-response+json when the client prefers it."""
    if not accept:
        return False
    return _prefers_graphql_response_json(accept)


# A client sends the same Accept header with every request: parsed once (bounded).
@functools.lru_cache(maxsize=256)
def _prefers_graphql_response_json(accept: str) -> bool:
    wanted = _quality(accept, GRAPHQL_RESPONSE_JSON)
    return wanted > 0 and wanted >= _quality(accept, "application/json")


class LiveGraphQLRouter(GraphQLRouter[Context, None]):
    """The GraphQL router with websocket authentication and keepalive for subscriptions,
    the `application/graphql-response+json` media type of the GraphQL-over-HTTP spec, and
    the response cache (restaurant_api.api.response_cache) in front of execution."""

    graphql_transport_ws_handler_class = LiveTransportWSHandler
    response_cache: ResponseCache | None = None

    def decode_json(self, data: str | bytes) -> object:
        # A POST body the JSON input guard already parsed (and checked) is not parsed again.
        known, value = parsed_body(data)
        return value if known else json.loads(data)

    def encode_json(self, data: object) -> str:
        # orjson: compact like Strawberry's json.dumps, UTF-8 instead of \u escapes. A str:
        # websocket messages must stay text frames (bytes would be sent as binary).
        return orjson.dumps(data).decode()

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        # HTTP answers take orjson's bytes as they are (no str round trip).
        response = Response(
            orjson.dumps(response_data),
            media_type="application/json",
            status_code=sub_response.status_code or 200,
        )
        response.headers.raw.extend(sub_response.headers.raw)
        return response

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        if not isinstance(request, Request) or not isinstance(context, Context):
            return await self._run_http(request, context, root_value)  # websockets
        # A miss the cache middleware looked up (hits never get here): keep the answer.
        lookup: Lookup | None = request.scope.get(LOOKUP_SCOPE_KEY)
        if lookup is not None and lookup.user is not None:
            context.authenticated_as(lookup.user)  # the lookup just read them: not twice
        await context.authenticate()
        response = await self._run_http(request, context, root_value)
        if (
            lookup is not None
            and self.response_cache is not None
            and isinstance(response, Response)
            and not isinstance(response, StreamingResponse)
            and response.status_code == 200
            # Conservative: an alias named "errors" is not stored either.
            and b'"errors"' not in response.body
        ):
            self.response_cache.store(lookup, bytes(response.body))
        return response

    async def _run_http(self, request: Any, context: Any, root_value: Any) -> Any:
        response = await super().run(request, context, root_value)
        if (
            not isinstance(request, Request)
            or not isinstance(response, Response)
            or isinstance(response, StreamingResponse)
            or response.media_type != "application/json"
            or not wants_graphql_response_json(request.headers.get("accept"))
        ):
            return response
        # With this media type the status tells a request error (parse, validation or
        # variable errors: nothing executed, so no `data` at all; 400) from a response whose
        # execution started (200, field errors or not). Execution errors carry a `path`.
        status, content = response.status_code, response.body
        try:
            body = orjson.loads(content)
        except ValueError:
            body = None
        if status == 200 and isinstance(body, dict) and body.get("data") is None:
            errors = body.get("errors") or []
            if errors and not any("path" in error for error in errors):
                status = 400
                body.pop("data", None)
                content = orjson.dumps(body)
        headers = {
            key: value
            for key, value in response.headers.items()
            if key.lower() not in ("content-type", "content-length")
        }
        return Response(
            content, status_code=status, media_type=GRAPHQL_RESPONSE_JSON, headers=headers
        )

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        # The page with its assets served by this application (works offline).
        return HTMLResponse(_graphiql_page())

    async def on_ws_connect(self, context: Context) -> None:
        request = context.request
        header = request.headers.get("authorization") if request is not None else None
        await authenticate_connection(context, security.bearer_token(header))


def live_router(
    schema: strawberry.Schema,
    *,
    context_getter: Callable[..., Awaitable[Context]],
    keepalive_seconds: float,
    response_cache: ResponseCache | None = None,
    **kwargs: Any,
) -> LiveGraphQLRouter:
    handler = cast(
        "type[LiveTransportWSHandler]",
        type(
            "LiveTransportWSHandler",
            (LiveTransportWSHandler,),
            {"keepalive_seconds": keepalive_seconds},
        ),
    )
    router = LiveGraphQLRouter(schema, context_getter=context_getter, **kwargs)
    router.graphql_transport_ws_handler_class = handler
    router.response_cache = response_cache
    return router


async def evict_on_events(cache: ResponseCache, bus: EventBus) -> None:
    """Free cached answers (and remembered users) as change events arrive, all processes'."""
    while True:
        try:
            subscriber = await bus.subscribe(frozenset(Topic))
        except Exception:
            logger.warning("response cache cannot listen for events; retrying", exc_info=True)
            await asyncio.sleep(1.0)
            continue
        try:
            while True:
                first = await subscriber.get()
                cache.on_events(delivery.event for delivery in [first, *subscriber.drain()])
        except SubscriberTooSlow:
            cache.clear()  # missed events: start over (generations keep answers exact anyway)
        finally:
            subscriber.close()
