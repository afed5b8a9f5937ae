"""A response cache for GraphQL queries many screens send at once (the menu, the floor plan,
the open orders), in front of execution: a hit parses no document, executes nothing and
serializes nothing; it returns the bytes of an earlier answer. Hits are answered by
the front door (restaurant_api.api.front_door), the innermost ASGI middleware, before
FastAPI's routing and dependencies (half of a hit's cost when the lookup ran in the GraphQL
router); a miss is stored once answered, by the front door's plan or by
`LiveGraphQLRouter.run`.

- **What may be cached** is declared per root field (`cached(...)` in the field's metadata):
  PUBLIC fields answer the same for everyone, anonymous callers included (`menu`); ROLE
  fields the same for every user of a role (`orders`, `tables`, `kitchenTickets`); any
  other field (`me`, admin lists, `node`) makes its document uncacheable. A document takes
  the narrowest scope of its root fields. Only queries are cached; only answers without
  errors are stored.
- **The key** is the document text, the operation name, the variables (sorted JSON) and the
  scope: "public", or the caller's role.
- **Freshness** comes from generations (restaurant_api.generations, where the ordering
  argument is): every entry is stamped with the generations of its topics read before its
  data, and is served only while a check that started after the request arrived reads the
  same. Events (LISTEN on PostgreSQL) free entries early; they are not needed to be exact.
- **Who the caller is** on a ROLE hit: the token's user is remembered (user id, role, token
  version, expiry) with the USER generation read before the user was; a deactivation, a
  logout, a password or role change bumps USER, so the next request reads the user again.
- **Bounded**: at most `max_entries` answers and `max_bytes` bytes (keys included), least
  recently used first out; documents and variables over a size are not cached at all.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import orjson
import strawberry
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from strawberry.types.base import StrawberryObjectDefinition

from restaurant_api.api.extensions import root_field_names
from restaurant_api.api.graphql import IsAuthenticated
from restaurant_api.events import Event, Topic
from restaurant_api.generations import TOPIC_INDEX, Generations, Stamp
from restaurant_api.security import AccessClaims
from restaurant_api.users.service import Role, User

logger = logging.getLogger("restaurant_api.response_cache")
CACHE_POLICY_KEY = "response_cache"
# The active user of a valid token and its claims, or None (read from the database).
Authenticate = Callable[[str], Awaitable[tuple[User, AccessClaims] | None]]

# Everything the role-scoped reads (orders with lines, menu items, tables and tickets) show.
DATA_TOPICS = frozenset({Topic.MENU, Topic.ORDER, Topic.KITCHEN_TICKET, Topic.TABLE})
USER_INDEX = TOPIC_INDEX[Topic.USER]


class Scope(IntEnum):
    """Who shares an answer; a larger value is narrower."""

    PUBLIC = 0
    ROLE = 1


@dataclass(frozen=True, slots=True)
class CachePolicy:
    scope: Scope
    topics: frozenset[Topic]


def cached(scope: Scope, topics: frozenset[Topic]) -> dict[str, CachePolicy]:
    """Field metadata declaring that a root Query field may be cached (see module doc)."""
    return {CACHE_POLICY_KEY: CachePolicy(scope, topics)}


def staff_read(description: str) -> Any:
    """A root Query field every signed-in role may read, answered alike for each role: one
    cached answer per role over the data topics. Used as `@staff_read("...")`."""
    return strawberry.field(
        description=description,
        permission_classes=[IsAuthenticated],
        metadata=cached(Scope.ROLE, DATA_TOPICS),
    )


def public_read(description: str, topics: frozenset[Topic]) -> Any:
    """A root Query field anyone may read, anonymous callers included: one cached answer
    for everyone, fresh while `topics` are unchanged."""
    return strawberry.field(description=description, metadata=cached(Scope.PUBLIC, topics))


def field_policies(schema: strawberry.Schema) -> dict[str, CachePolicy]:
    """The cacheable root Query fields of `schema`, by GraphQL name."""
    query = schema.get_type_by_name("Query")
    assert isinstance(query, StrawberryObjectDefinition)
    converter = schema.config.name_converter
    policies: dict[str, CachePolicy] = {}
    for field in query.fields:
        policy = field.metadata.get(CACHE_POLICY_KEY)  # a dataclass field: always a mapping
        if isinstance(policy, CachePolicy):
            policies[converter.get_graphql_name(field)] = policy
    return policies


@dataclass(frozen=True, slots=True)
class Plan:
    """What a cacheable document needs: its scope and the generations its answer reads."""

    scope: Scope
    indexes: tuple[int, ...]


@dataclass(slots=True)
class Entry:
    body: bytes
    indexes: tuple[int, ...]
    stamp: tuple[int, ...]
    size: int


@dataclass(slots=True)
class TokenUser:
    user_id: int
    role: Role
    expires_at: float
    user_generation: int


@dataclass(slots=True)
class Lookup:
    """A request the cache may answer: a hit's body, or where to store the answer."""

    key: tuple[Any, ...] | None
    plan: Plan
    stamp: Stamp
    body: bytes | None = None
    # The caller, when the lookup read them from the database: the miss reuses the read.
    user: User | None = None


def request_parts(data: Any) -> tuple[str, dict[str, Any] | None, str | None] | None:
    """(query, variables, operationName) of a plain single GraphQL request body, else None
    (a batch, wrong types, or `extensions` such as persisted queries: the router decides)."""
    if not isinstance(data, dict):
        return None
    query, variables = data.get("query"), data.get("variables")
    operation_name = data.get("operationName")
    if (
        not isinstance(query, str)
        or not (variables is None or isinstance(variables, dict))
        or not (operation_name is None or isinstance(operation_name, str))
        or data.get("extensions")
    ):
        return None
    return query, variables, operation_name


class ResponseCache:
    def __init__(
        self,
        generations: Generations,
        policies: Mapping[str, CachePolicy],
        *,
        max_entries: int = 2000,
        max_bytes: int = 64 * 1024 * 1024,
        max_document_chars: int = 16_384,
        max_variables_bytes: int = 4096,
        max_tokens: int = 10_000,
        graphql_max_tokens: int = 2000,
    ) -> None:
        self.generations = generations
        self.policies = dict(policies)
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_document_chars = max_document_chars
        self.max_variables_bytes = max_variables_bytes
        self.max_tokens = max_tokens
        self.graphql_max_tokens = graphql_max_tokens
        self._plans: OrderedDict[tuple[str, str | None], Plan | None] = OrderedDict()
        self._entries: OrderedDict[tuple[Any, ...], Entry] = OrderedDict()
        self._tokens: OrderedDict[str, TokenUser] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    # --- documents ---------------------------------------------------------------------

    def plan(self, query: str, operation_name: str | None) -> Plan | None:
        """The plan of a cacheable query document, None when it may not be cached."""
        key = (query, operation_name)
        if key in self._plans:
            self._plans.move_to_end(key)
            return self._plans[key]
        plan = self._make_plan(query, operation_name)
        self._plans[key] = plan
        while len(self._plans) > 512:
            self._plans.popitem(last=False)
        return plan

    def _make_plan(self, query: str, operation_name: str | None) -> Plan | None:
        try:
            document = parse(query, max_tokens=self.graphql_max_tokens, no_location=True)
        except (GraphQLError, RecursionError):
            return None  # the normal path answers with the error
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if operation_name is not None:
            operations = [o for o in operations if o.name and o.name.value == operation_name]
        if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
            return None
        names = root_field_names(document, operation_name)
        policies = [self.policies.get(name) for name in names]
        if not policies or any(policy is None for policy in policies):
            return None
        scope = max(policy.scope for policy in policies if policy is not None)
        topics = frozenset().union(*(policy.topics for policy in policies if policy is not None))
        return Plan(scope, tuple(sorted(TOPIC_INDEX[topic] for topic in topics)))

    # --- lookups -------------------------------------------------------------------------

    async def lookup(
        self, data: Any, bearer_token: str | None, authenticate: Authenticate
    ) -> Lookup | None:
        """A hit or where to store the answer; None when this request is not cacheable.

        May call `authenticate(token)` (a database read of the token's user), after reading
        the generations, so that the user read can be remembered.
        """
        parts = request_parts(data)
        if parts is None or len(parts[0]) > self.max_document_chars:
            return None
        query, variables, operation_name = parts
        plan = self.plan(query, operation_name)
        if plan is None:
            return None
        try:
            variables_key = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            return None
        if len(variables_key) > self.max_variables_bytes:
            return None
        # Read before anything this request reads (the entry's data, the token's user).
        stamp = await self.generations.read()
        scope_key: str = "public"
        user: User | None = None
        if plan.scope is Scope.ROLE:
            caller = await self._role_of(bearer_token, authenticate, stamp)
            if caller is None:
                return None  # no valid user: the normal path answers with its errors
            role, user = caller
            scope_key = str(role)
        key = (query, operation_name, variables_key, scope_key)
        entry = self._entries.get(key)
        if entry is not None:
            if all(stamp[i] == g for i, g in zip(entry.indexes, entry.stamp, strict=True)):
                self._entries.move_to_end(key)
                self.hits += 1
                return Lookup(key, plan, stamp, entry.body)
            self._drop(key)
        self.misses += 1
        return Lookup(key, plan, stamp, user=user)

    async def _role_of(
        self, token: str | None, authenticate: Authenticate, stamp: Stamp
    ) -> tuple[Role, User | None] | None:
        """The caller's role, and their user row when it had to be read (else None)."""
        if token is None:
            return None
        known = self._tokens.get(token)
        if (
            known is not None
            and known.user_generation == stamp[USER_INDEX]
            and time.time() < known.expires_at
        ):
            self._tokens.move_to_end(token)
            return known.role, None
        if known is not None:
            del self._tokens[token]
        # Read after `stamp`: a later deactivation bumps USER past it.
        found = await authenticate(token)
        if found is None:
            return None
        user, claims = found
        self._tokens[token] = TokenUser(
            user.id,
            Role(user.role),
            claims.expires_at.timestamp(),
            stamp[USER_INDEX],
        )
        while len(self._tokens) > self.max_tokens:
            self._tokens.popitem(last=False)
        return Role(user.role), user

    def store(self, lookup: Lookup, body: bytes) -> None:
        """Remember an answer (without errors) under the stamp read before it was built."""
        if lookup.key is None:
            return
        size = len(body) + sum(len(part) for part in lookup.key if isinstance(part, str | bytes))
        if size > self.max_bytes // 8:
            return  # one answer may not take over the cache
        stamp = tuple(lookup.stamp[i] for i in lookup.plan.indexes)
        if lookup.key in self._entries:
            self._drop(lookup.key)
        self._entries[lookup.key] = Entry(body, lookup.plan.indexes, stamp, size)
        self.bytes += size
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            _key, evicted = self._entries.popitem(last=False)
            self.bytes -= evicted.size

    def _drop(self, key: tuple[Any, ...]) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self.bytes -= entry.size

    # --- events --------------------------------------------------------------------------

    def on_events(self, events: Iterable[Event]) -> None:
        """Free what events made stale (an optimisation: generations keep answers exact)."""
        indexes: set[int] = set()
        users: set[int] = set()
        for event in events:
            if event.topic is Topic.RESYNC:
                self.clear()
                return
            if event.topic is Topic.USER:
                users.add(event.id)
            elif event.topic in TOPIC_INDEX:
                indexes.add(TOPIC_INDEX[event.topic])
        if users:
            for token in [t for t, user in self._tokens.items() if user.user_id in users]:
                del self._tokens[token]
        if indexes:
            for key in [k for k, entry in self._entries.items() if indexes & set(entry.indexes)]:
                self._drop(key)

    def clear(self) -> None:
        self._entries.clear()
        self._tokens.clear()
        self.bytes = 0
