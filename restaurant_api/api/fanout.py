"""Subscription fan-out: a change is executed once and serialized once per selection.

A change reaches every subscriber of its topic in this process. Each subscriber's feed
(`api.feeds.live_feed`) still decides on its own what the change means for its screen (its
filter, the rows it shows, which rows left it): that is cheap, shared re-reads. What used
to be repeated per subscriber is the GraphQL execution of the subscriber's selection on
the resulting update, and the JSON encoding of the `next` message. Both are now shared:

- The feed marks each CHANGES update with a *share key* naming exactly what it carries
  (`share_update`): the rows by id and the delivery each was re-read for (so the same row
  objects, from the bus's shared re-reads) and the removed ids. Snapshots are never
  marked: each is its subscriber's own read.
- Strawberry keeps running every subscription (validation, permissions, extensions, the
  graphql-transport-ws protocol and its ids); only the step that executes the selection
  for one event is replaced (`LiveExecutor`, graphql-core's `execute_operation` of a
  per-event executor). For a marked update it looks up the *group*: the operation text
  and name, the coerced variables (filters by station, status or order come from them),
  the caller's role (all resolvers below a subscription root depend on; none reads the
  user otherwise) and the share key. The first subscriber of a group executes (as a task
  of its own, so its socket closing does not cancel it); the others await that result.
  Every subscriber gets its own `ExecutionResult` around the one shared `data`.
- The shared `data` is a `SharedData` dict, which encodes itself to JSON once. The
  websocket handler splices that text into the `next` message with the subscriber's id
  and the operation's `extensions` (its cost: a few bytes, encoded per subscriber): the
  same bytes the per-subscriber encoding produced. A result with errors takes the
  ordinary per-subscriber path (rare; errors are masked per subscriber).

This keeps Strawberry's per-operation generator (no second subscription protocol to
maintain), and the cache is the bus's `shared_read`, keyed by the share key's delivery
sequence numbers, so it never serves one delivery's result for another.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from enum import Enum
from typing import Any, TypeVar

from graphql import ExecutionResult
from graphql.type.definition import GraphQLResolveInfoHelpers
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

U = TypeVar("U")

SHARE_KEY_ATTR = "_live_share_key"


def share_update(update: U, share_key: Hashable | None) -> U:
    """Mark a subscription update: equal keys carry the same rows for the same deliveries."""
    if share_key is not None:
        setattr(update, SHARE_KEY_ATTR, share_key)
    return update


class SharedData(dict[str, Any]):
    """Execution data shared by a group of subscribers; encoded to JSON once."""

    __slots__ = ("_json",)

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(data)
        self._json: str | None = None

    def json(self, encode: Callable[[object], str | bytes]) -> str:
        """This data as JSON text, encoded on first use."""
        if self._json is None:
            self._json = _text(encode(self))
            FANOUT_STATS.serializations += 1
        return self._json


def _text(encoded: str | bytes) -> str:
    return encoded.decode() if isinstance(encoded, bytes) else encoded


class FanoutStats:
    """How many shared executions and payload encodings ran (tests and benchmarks)."""

    def __init__(self) -> None:
        self.executions = 0
        self.serializations = 0


FANOUT_STATS = FanoutStats()


def next_message_text(
    operation_id: str, message: Any, encode: Callable[[object], str | bytes]
) -> str | None:
    """The wire text of a `next` message whose data is shared, or None (encode as usual).

    The same text as encoding the whole message: `{"id":..,"type":"next","payload":
    {"data":..,"extensions":..}}`; only the id and the small extensions (the operation's
    cost, the same for the whole group) are encoded per subscriber.
    """
    if not isinstance(message, dict) or message.get("type") != "next":
        return None
    payload = message.get("payload")
    if not isinstance(payload, dict) or "errors" in payload:
        return None  # errors are masked per subscriber: encode as usual
    data = payload.get("data")
    if type(data) is not SharedData or any(key not in PAYLOAD_KEYS for key in payload):
        return None
    parts = ['{"id":', _text(encode(operation_id)), ',"type":"next","payload":{"data":']
    parts.append(data.json(encode))
    if "extensions" in payload:
        parts += [',"extensions":', _text(encode(payload["extensions"]))]
    parts.append("}}")
    return "".join(parts)


PAYLOAD_KEYS = frozenset({"data", "extensions"})


def _frozen(value: Any) -> Hashable:
    """A hashable, order-independent form of coerced variable values."""
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    if value is None or isinstance(value, str | int | float | bool | Enum):
        return value
    # Anything else (an input object instance) is compared by repr, tagged by its type.
    return (type(value).__qualname__, repr(value))


def _weak_method(method: Callable[..., Any]) -> Callable[..., Any]:
    """`method`, holding its object weakly (it only runs while the object executes)."""
    reference = weakref.WeakMethod(method)

    def call(*args: Any) -> Any:
        bound = reference()
        assert bound is not None, "an executor's helper outlived its execution"
        return bound(*args)

    return call


class LiveExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, executing a marked subscription update once per group."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # graphql-core's resolver helpers are bound methods of the executor, which holds
        # them: a reference cycle that left every executed request's executor, context,
        # session rows and loaders to the cyclic collector (175 objects a GraphQL placing;
        # measured: about three times REST's collections under load). Held weakly instead,
        # the request's objects go when it ends.
        self.async_helpers = GraphQLResolveInfoHelpers(
            gather=_weak_method(self.gather_async_work), track=_weak_method(self.track_async_work)
        )

    def _group_key(self) -> tuple[Hashable, ...] | None:
        share_key = getattr(self.root_value, SHARE_KEY_ATTR, None)
        if share_key is None:
            return None
        context = self.context_value
        user = getattr(context, "user", None)
        operation = self.operation
        if user is None or getattr(context, "events", None) is None or operation.loc is None:
            return None
        return (
            "live-execution",
            operation.loc.source.body,
            operation.name.value if operation.name else None,
            _frozen(self.variable_values.coerced),
            user.role,
            share_key,
        )

    def execute_operation(self, serially: bool | None = None) -> Any:
        key = self._group_key()
        if key is None:
            return super().execute_operation(serially)
        return self._shared_execution(key, serially)

    async def _shared_execution(
        self, key: tuple[Hashable, ...], serially: bool | None
    ) -> ExecutionResult:
        async def execute_once() -> ExecutionResult:
            result = StrawberryGraphQLCoreExecutionContext.execute_operation(self, serially)
            if self.is_awaitable(result):
                result = await result
            FANOUT_STATS.executions += 1
            # Incremental delivery (@defer, @stream) is not enabled: one plain result.
            assert isinstance(result, ExecutionResult)
            data = result.data
            return ExecutionResult(
                data=SharedData(data) if data is not None else None, errors=result.errors
            )

        shared = await self.context_value.events.shared_read(key, execute_once)
        # Each subscriber's own result (its extensions may rewrite errors), shared data.
        return ExecutionResult(
            data=shared.data, errors=list(shared.errors) if shared.errors else None
        )
