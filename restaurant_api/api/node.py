"""Global Object Identification: the `Node` interface, opaque ids, `node(id:)` and `nodes(ids:)`.

A global id is base64("<GraphQL type name>:<database id>"), e.g. "T3JkZXI6MTI=" for Order 12.
Clients must treat it as opaque; it is stable because both parts are. Every domain registers
its entity types here with the loader that reads them by database id and the permission
classes of the type's own root query, so `node` can never read more than that query.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.permission import BasePermission
from strawberry.types import Info

from restaurant_api.api.graphql import Context
from restaurant_api.db import is_valid_id
from restaurant_api.errors import InvalidInput

# At most this many ids per `nodes` call: each one may cost a read.
MAX_NODES = 100

_DIGITS = re.compile(r"[1-9][0-9]{0,18}")
_TYPE_NAME = re.compile(r"[A-Z][A-Za-z]{0,63}")

M = TypeVar("M")
T = TypeVar("T")


def to_global_id(type_name: str, database_id: int) -> strawberry.ID:
    return strawberry.ID(base64.b64encode(f"{type_name}:{database_id}".encode()).decode())


def optional_global_id(type_name: str, database_id: int | None) -> strawberry.ID | None:
    """The global id of an optional reference: None when there is none."""
    return None if database_id is None else to_global_id(type_name, database_id)


def parse_global_id(value: str) -> tuple[str, int] | None:
    """(type name, database id) of a well-formed global id, else None. Strict: one spelling."""
    if not isinstance(value, str) or len(value) > 120:
        return None
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    type_name, _, number = raw.partition(":")
    if not _TYPE_NAME.fullmatch(type_name) or not _DIGITS.fullmatch(number):
        return None
    database_id = int(number)
    if not is_valid_id(database_id) or to_global_id(type_name, database_id) != value:
        return None
    return type_name, database_id


def decode_id(value: str, type_name: str, *, field: str) -> int:
    """The database id inside a global id of `type_name`; anything else is a VALIDATION_ERROR.

    `field` is the input path as the client wrote it (e.g. `lines.2.menuItemId`).
    """
    parsed = parse_global_id(value)
    if parsed is None:
        raise InvalidInput(f"{field} is not a valid id", field=field)
    if parsed[0] != type_name:
        raise InvalidInput(
            f"{field}: expected an id of type {type_name}, got one of type {parsed[0]}",
            field=field,
        )
    return parsed[1]


def decode_optional_id(value: str | None, type_name: str, *, field: str) -> int | None:
    return None if value is None else decode_id(value, type_name, field=field)


@strawberry.interface(
    name="Node",
    description="An object with a global id (GraphQL Global Object Identification): "
    "refetch any of them with `node(id:)`.",
)
class Node:
    # Set on objects a subscription delivers: their nested fields load through the shared
    # per-event context instead of the connection's (see restaurant_api.api.feeds).
    event_context: strawberry.Private[Context | None] = None

    def context(self, info: Info[Context, None]) -> Context:
        """Where this object's nested fields load from."""
        return self.event_context or info.context

    # A plain attribute set by `from_model` (not a resolver): cheap for live fan-out.
    id: strawberry.ID = strawberry.field(
        description="Opaque, stable global id. Pass it to `node(id:)` and to every argument "
        "that names this object; never parse it."
    )

    async def nested(
        self,
        info: Info[Context, None],
        loader: Callable[[Context], DataLoader[int, list[M]]],
        key: int,
        present: Callable[[M, Context | None], T],
    ) -> list[T]:
        """The rows `loader` groups under `key`, each as its GraphQL type: loaded through
        this object's context and handed on to them (a subscription's shared one, say)."""
        rows = await loader(self.context(info)).load(key)
        return [present(row, self.event_context) for row in rows]

    async def nested_one(
        self,
        info: Info[Context, None],
        loader: Callable[[Context], DataLoader[int, M | None]],
        key: int | None,
        present: Callable[[M, Context | None], T],
    ) -> T | None:
        """`nested` for a reference: the row `key` names, or None (no key, or no row)."""
        if key is None:
            return None
        row = await loader(self.context(info)).load(key)
        return None if row is None else present(row, self.event_context)


Loader = Callable[[Context, Sequence[int]], Awaitable[Sequence[Any | None]]]


@dataclass(frozen=True)
class NodeKind:
    """How `node` reads one entity type, and who may read it (the type's own query)."""

    load: Loader
    permission_classes: tuple[type[BasePermission], ...]


_KINDS: dict[str, NodeKind] = {}


def register_node(
    type_name: str, load: Loader, permission_classes: Sequence[type[BasePermission]]
) -> None:
    _KINDS[type_name] = NodeKind(load, tuple(permission_classes))


def loaded_as(
    loader: Callable[[Context], DataLoader[int, M | None]], present: Callable[[M], T]
) -> Callable[[Context, Sequence[int]], Awaitable[list[T | None]]]:
    """Rows by id through a per-request DataLoader, each as its GraphQL type (None: absent)."""

    async def load(context: Context, ids: Sequence[int]) -> list[T | None]:
        rows = await loader(context).load_many(ids)
        return [present(row) if row is not None else None for row in rows]

    return load


def registered_types() -> frozenset[str]:
    return frozenset(_KINDS)


def _check_permissions(kind: NodeKind, info: Info[Context, None]) -> None:
    for permission_class in kind.permission_classes:
        permission = permission_class()
        if not permission.has_permission(None, info):
            permission.on_unauthorized()  # raises the same error the type's query raises


async def _resolve(info: Info[Context, None], ids: Sequence[str], path: str) -> list[Any]:
    """One object (or None, or the error of that id) per id, one batched read per type."""
    results: list[Any] = [None] * len(ids)
    wanted: dict[str, list[tuple[int, int]]] = {}
    for index, value in enumerate(ids):
        field = path if len(ids) == 1 and path == "id" else f"{path}.{index}"
        parsed = parse_global_id(value)
        if parsed is None or parsed[0] not in _KINDS:
            results[index] = InvalidInput(f"{field} is not a valid id", field=field)
            continue
        type_name, database_id = parsed
        try:
            _check_permissions(_KINDS[type_name], info)
        except Exception as error:  # the permission's own GraphQL error
            results[index] = error
            continue
        wanted.setdefault(type_name, []).append((index, database_id))
    for type_name, entries in wanted.items():
        found = await _KINDS[type_name].load(info.context, [db_id for _, db_id in entries])
        for (index, _), obj in zip(entries, found, strict=True):
            results[index] = obj
    return results


@strawberry.type
class Query:
    @strawberry.field(
        description="Any object by its global id; null when it does not exist. The object's "
        "own query decides who may read it (same errors as that query)."
    )
    async def node(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
    ) -> Node | None:
        (result,) = await _resolve(info, [id], "id")
        if isinstance(result, Exception):
            raise result
        return result

    @strawberry.field(
        description=f"Objects by global id, in the order asked (at most {MAX_NODES}). An id "
        "that does not exist gives null; one that is malformed or not readable by the caller "
        "gives null and an error at its index."
    )
    async def nodes(
        self,
        info: Info[Context, None],
        ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(description=f"Global ids, at most {MAX_NODES}."),
        ],
    ) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise InvalidInput(f"ids: at most {MAX_NODES} ids per call", field="ids")
        # Exceptions in the list become errors at their index, with null there.
        return await _resolve(info, ids, "ids")
