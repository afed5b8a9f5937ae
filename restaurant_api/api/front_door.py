"""The front door of `POST /graphql`: cached answers, then compiled plans, before routing.

One ASGI layer, the innermost middleware (the edge's checks and headers apply to all it
answers), in front of FastAPI's routing, dependencies and Strawberry's request pipeline:

1. **The response cache** (restaurant_api.api.response_cache): a hit returns the bytes of an
   earlier answer; a miss is left in the scope for the router (or the plan below) to store.
2. **Proven plans**: a query document that Strawberry's pipeline has already run once
   through its compiled plan (restaurant_api.api.plans) was parsed, validated, checked for
   depth, aliases and tokens, and found to have a plan. Later requests with the same text
   and operation run that plan here: the checks that depend on the request (variables
   coerced, input bounds, the cost budget, the caller) run again, and anything a plan would
   answer with an error (`Abandon`: no token, a bad argument...) goes on to the normal path,
   so every error keeps its usual shape. What is saved is Strawberry's per-request work
   (the context getter and FastAPI's dependencies, the extension hooks, result
   processing), which was most of a planned read's CPU.

3. **Proven mutations**: a mutation document (none of its fields self-managed) that the
   normal path executed without an error runs here through graphql-core's executor, in the
   same unit of work (the write turn, one transaction, committed when no error, the
   after-commit hooks before the answer). An execution with any error is rolled back and
   handed to the normal path, which runs it again from the same state and words its errors;
   nothing of a rolled-back execution is visible (events and generations follow commits).

A document is proven by the normal path itself: the layer leaves a `_Candidate` in a
context variable, and `schema._run_plan` (a plan answered) or `schema._watch_mutation`
(a mutation ran without errors) fills it in. A proven document is only a cache of that
verdict: the normal path never changes.
"""

from __future__ import annotations

import logging
import sys
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import orjson
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Send
from starlette.types import Scope as ASGIScope
from strawberry.types.graphql import OperationType

from restaurant_api.api import plan_sql
from restaurant_api.api.context import Context
from restaurant_api.api.cost import ListBounds, document_cost
from restaurant_api.api.extensions import UNEXPECTED_ERROR, input_refusal
from restaurant_api.api.input_guard import buffer_body, parsed_body
from restaurant_api.api.live import (
    GRAPHQL_RESPONSE_JSON,
    LOOKUP_SCOPE_KEY,
    wants_graphql_response_json,
)
from restaurant_api.api.plan_specs import Abandon
from restaurant_api.api.plans import Plan, PlanRegistry
from restaurant_api.api.response_cache import (
    Authenticate,
    Lookup,
    ResponseCache,
    request_parts,
)
from restaurant_api.config import Settings
from restaurant_api.db import Database
from restaurant_api.raw_reads import NotPrebuilt, RawConnection
from restaurant_api.security import bearer_token

if TYPE_CHECKING:
    from restaurant_api.events import EventBus

logger = logging.getLogger("restaurant_api.front_door")

DocumentKey = tuple[str, str | None]  # the query text and the operation name
# Longer documents are not remembered (256 of them at most, like the parser cache).
MAX_DOCUMENT_CHARS = 16_384


@dataclass(frozen=True, slots=True)
class _Proven:
    document: DocumentNode
    cost: int | None  # the cost when it depends on no variable, else None
    mutation: bool = False


@dataclass(slots=True)
class _Candidate:
    """A request the normal path runs; `document` is set when its plan answered it."""

    key: DocumentKey
    document: DocumentNode | None = None
    mutation: bool = False


_CANDIDATE: ContextVar[_Candidate | None] = ContextVar("front_door_candidate", default=None)


def plan_answered(document: DocumentNode) -> None:
    """Called by the schema when a compiled plan answered this request's document."""
    candidate = _CANDIDATE.get()
    if candidate is not None:
        candidate.document = document


def mutation_answered(document: DocumentNode) -> None:
    """Called by the schema when a mutation of this request's document ran without errors."""
    candidate = _CANDIDATE.get()
    if candidate is not None:
        candidate.document, candidate.mutation = document, True


class CommitUncertain(Exception):
    """A proven mutation executed, then its commit (or an after-commit hook) failed: the
    normal path must not run it again. Answered as the normal path answers it (`UnitOfWork`)."""

    def __init__(self, extensions: bytes) -> None:
        super().__init__("committing a proven mutation failed")
        self.answer = _response(b"null", extensions, errors=_UNEXPECTED_ERRORS)


_UNEXPECTED_ERRORS = orjson.dumps([{"message": UNEXPECTED_ERROR}])


def _response(data: bytes, extensions: bytes, *, errors: bytes | None = None) -> bytes:
    """A GraphQL response from its parts' JSON, in Strawberry's order of keys."""
    middle = b"" if errors is None else b',"errors":' + errors
    return b'{"data":' + data + middle + b',"extensions":' + extensions + b"}"


ExecuteProven = Callable[
    [DocumentNode, "dict[str, Any] | None", "str | None", Context], Awaitable[ExecutionResult]
]


def _as_sqlalchemy(connection: RawConnection) -> AsyncConnection:
    """A raw connection where a plan expects SQLAlchemy's: it calls only `execute`."""
    return cast("AsyncConnection", connection)


def _given(connection: AsyncConnection) -> Callable[[], Awaitable[AsyncConnection]]:
    """What `Plan.run` asks its connection from: one already open."""

    async def connect() -> AsyncConnection:
        return connection

    return connect


class PlanDoor:
    """Runs the compiled plans of proven query documents without Strawberry's pipeline."""

    def __init__(
        self,
        plans: PlanRegistry,
        schema: GraphQLSchema,
        *,
        db: Database,
        settings: Settings,
        bounds: ListBounds,
        events: EventBus | None = None,
        execute_proven: ExecuteProven | None = None,
        max_documents: int = 256,
    ) -> None:
        self.plans = plans
        self.execute_proven = execute_proven  # None: mutations always take the normal path
        self.schema = schema
        self.db = db
        self.settings = settings
        self.bounds = bounds
        self.events = events
        self.max_documents = max_documents
        self._proven: OrderedDict[DocumentKey, _Proven] = OrderedDict()
        # Documents whose plan reads a statement built per request (SQLAlchemy reads them).
        self._through_sqlalchemy: set[DocumentKey] = set()
        self.answered = 0  # by a plan
        self.mutations_answered = 0
        self.built_by_postgres = 0  # answers whose JSON PostgreSQL built (api.plan_sql)

    def candidate(self, data: Any) -> _Candidate | None:
        """What to watch the normal path for: a query document not proven yet."""
        parts = request_parts(data)
        if parts is None or len(parts[0]) > MAX_DOCUMENT_CHARS:
            return None
        key = (parts[0], parts[2])
        return None if key in self._proven else _Candidate(key)

    def prove(self, candidate: _Candidate) -> None:
        document = candidate.document
        if document is None:
            return
        operation_name = candidate.key[1]
        fixed = not any(
            isinstance(definition, OperationDefinitionNode) and definition.variable_definitions
            for definition in document.definitions
        )
        if candidate.mutation and self.execute_proven is None:
            return
        cost = document_cost(self.schema, self.bounds, document, operation_name, {})
        self._proven[candidate.key] = _Proven(document, cost if fixed else None, candidate.mutation)
        while len(self._proven) > self.max_documents:
            evicted, _ = self._proven.popitem(last=False)
            self._through_sqlalchemy.discard(evicted)

    async def _run(
        self, key: DocumentKey, plan: Plan, variables: Any, context: Context
    ) -> dict[str, Any] | bytes:
        """The plan's `data`: JSON text built by PostgreSQL where every field of the
        document allows it (`api.plan_sql`), else the dict the plan builds."""
        fetches = plan.fetches(variables, context)
        if self.db.raw_reads is not None and key not in self._through_sqlalchemy:
            async with self.db.raw_reads.connection() as raw:
                try:
                    data = await plan_sql.answer_data(plan, fetches, raw)
                    if data is not None:
                        return data
                    return await plan.run(variables, context, _given(_as_sqlalchemy(raw)), fetches)
                except NotPrebuilt:
                    self._through_sqlalchemy.add(key)
        # No ORM session, no transaction to end: a plan reads rows with Core.
        async with self.db.read_connection() as connection:
            if not self.db.is_sqlite:
                data = await plan_sql.answer_data(plan, fetches, connection)
                if data is not None:
                    return data
            return await plan.run(variables, context, _given(connection), fetches)

    async def answer(
        self, data: Any, token: str | None, lookup: Lookup | None, scope: ASGIScope
    ) -> bytes | None:
        """The response of a proven document, or None: the normal path answers."""
        parts = request_parts(data)
        if parts is None:
            return None
        query, variables, operation_name = parts
        proven = self._proven.get((query, operation_name))
        if proven is None:
            return None
        document = proven.document
        # What Strawberry's pipeline checks per request (the document's own checks passed).
        operation = OperationType.MUTATION if proven.mutation else OperationType.QUERY
        try:
            if input_refusal(variables, document, operation) is not None:
                return None
        except GraphQLError:  # variables nested too deep: refused by the normal path
            return None
        cost = proven.cost
        if cost is None:
            cost = document_cost(self.schema, self.bounds, document, operation_name, variables)
        if cost > self.settings.graphql_max_cost:
            return None
        extensions = orjson.dumps(
            {"cost": {"requested": cost, "maximum": self.settings.graphql_max_cost}}
        )
        if proven.mutation:
            return await self._mutate(proven, variables, operation_name, token, scope, extensions)
        found = self.plans.plan_for(document, operation_name, variables, self.settings.currency)
        if found is None:
            return None
        plan, coerced = found
        context = Context(
            db=self.db, settings=self.settings, user=None, events=self.events, bearer_token=token
        )
        if lookup is not None and lookup.user is not None:
            context.authenticated_as(lookup.user)  # the cache's lookup just read them
        await context.authenticate()
        if context.auth_error is not None:
            return None  # the normal path reports it as the executor would
        try:
            result = await self._run((query, operation_name), plan, coerced, context)
        except Abandon:
            return None
        self.plans.answered += 1
        self.answered += 1
        if isinstance(result, bytes):
            self.built_by_postgres += 1
            return _response(result, extensions)
        return _response(orjson.dumps(result), extensions)

    async def _mutate(
        self,
        proven: _Proven,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        token: str | None,
        scope: ASGIScope,
        extensions: bytes,
    ) -> bytes | None:
        """A proven mutation in its unit of work, as `UnitOfWork` runs one (see module)."""
        assert self.execute_proven is not None
        context = Context(
            db=self.db, settings=self.settings, user=None, events=self.events, bearer_token=token
        )
        context.request = Request(scope)
        await context.authenticate()
        if context.auth_error is not None:
            return None  # the normal path answers each field's typed error
        await context.begin(read_only=False)
        try:
            result = await self.execute_proven(proven.document, variables, operation_name, context)
        except BaseException:
            await context.finish(success=False)
            raise
        if result.errors:
            await context.finish(success=False)
            return None
        try:
            await context.finish(success=True)
        except Exception as error:
            raise CommitUncertain(extensions) from error
        self.mutations_answered += 1
        return _response(orjson.dumps(result.data), extensions)


class FrontDoorMiddleware:
    """`POST /graphql`: a cache hit, else a proven plan, else the normal path (see module)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        cache: ResponseCache | None,
        door: PlanDoor | None,
        authenticate: Authenticate,
        path: str = "/graphql",
    ) -> None:
        self.app = app
        self.cache = cache
        self.door = door
        self.authenticate = authenticate
        self.path = path

    async def __call__(self, scope: ASGIScope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"].rstrip("/") != self.path
        ):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            await self.app(scope, receive, send)
            return
        # The input guard outside has bounded the body already, and parsed it.
        body, replay = await buffer_body(receive, sys.maxsize)
        known, data = parsed_body(body)
        if not known:
            try:
                data = orjson.loads(body)
            except orjson.JSONDecodeError:
                data = None
        token = bearer_token(headers.get("authorization"))
        lookup = await self._lookup(data, token)
        if lookup is not None and lookup.body is not None:
            await self._send(send, headers, lookup.body)
            return
        answer = None
        if self.door is not None and data is not None:
            try:
                answer = await self.door.answer(data, token, lookup, scope)
            except CommitUncertain as error:
                # Executed, then the commit failed: never run twice.
                logger.exception("committing the operation failed")
                answer = error.answer
            except Exception:
                # A value no spec expected, or the database: the normal path answers.
                logger.warning("compiled plan failed at the front door", exc_info=True)
        if answer is not None:
            content = answer
            if lookup is not None and self.cache is not None:
                self.cache.store(lookup, content)
            await self._send(send, headers, content)
            return
        if lookup is not None:
            scope[LOOKUP_SCOPE_KEY] = lookup
        candidate = self.door.candidate(data) if self.door is not None else None
        if candidate is None:
            await self.app(scope, replay, send)
            return
        reset = _CANDIDATE.set(candidate)
        try:
            await self.app(scope, replay, send)
        finally:
            _CANDIDATE.reset(reset)
        assert self.door is not None
        self.door.prove(candidate)

    async def _lookup(self, data: Any, token: str | None) -> Lookup | None:
        if self.cache is None or data is None:
            return None
        try:
            return await self.cache.lookup(data, token, self.authenticate)
        except Exception:
            # The generations could not be read: never serve unchecked, just execute.
            logger.warning("response cache unavailable; executing the query", exc_info=True)
            return None

    @staticmethod
    async def _send(send: Send, headers: Headers, content: bytes) -> None:
        graphql_json = wants_graphql_response_json(headers.get("accept"))
        media_type = GRAPHQL_RESPONSE_JSON if graphql_json else "application/json"
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-length", str(len(content)).encode()),
                    (b"content-type", media_type.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": content})
