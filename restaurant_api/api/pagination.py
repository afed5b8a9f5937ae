"""Relay cursor connections: the shared PageInfo, page-size checks and opaque cursors.

Lists that grow with time (orders, users, kitchen ticket history, a ticket's timeline) are
connections with `first` (1 to MAX_PAGE) and `after`; bounded lists (menu, tables) stay
plain lists.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Generic, Protocol, TypeVar

import strawberry

from restaurant_api.api.cost import Page
from restaurant_api.db import is_valid_id
from restaurant_api.errors import InvalidInput

MAX_PAGE = 100
DEFAULT_PAGE = 20
MAX_CURSOR_CHARS = 200  # a real cursor is about 60: a forged megabyte is not decoded


@strawberry.type(description="Where a page of a connection stands.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow `endCursor`.")
    has_previous_page: bool = strawberry.field(description="Items precede `startCursor`.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first edge.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last edge.")


# The arguments of every connection field: `first: First = DEFAULT_PAGE, after: After = None`.
First = Annotated[int, strawberry.argument(description=f"Page size, 1 to {MAX_PAGE}.")]
After = Annotated[str | None, strawberry.argument(description="Continue after this cursor.")]

NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")


class _Row(Protocol):
    @property
    def id(self) -> int: ...


class _TimedRow(_Row, Protocol):
    @property
    def created_at(self) -> datetime: ...


IdRowT = TypeVar("IdRowT", bound=_Row)


# The bases of what `connection_type` builds: how mypy sees a built `<Type>Connection` (the
# plugin in tools/mypy_plugin.py aliases it to `Connection[<node type>]`), and their
# constructors. Strawberry reads only the built subclasses' own fields.
@dataclasses.dataclass
class Edge(Generic[NodeT]):
    node: NodeT
    cursor: str


@dataclasses.dataclass
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    edge_type: ClassVar[type[Edge[Any]]]


def connection_type(
    node_type: type[NodeT], type_name: str, *, noun: str, item: str, node: str, description: str
) -> type[Connection[NodeT]]:
    """`<type_name>Connection` and its `<type_name>Edge`, described alike for every type.

    `noun` is the plural ("The orders of this page."), `item` the edge's description, `node`
    its node's, `description` the connection's.
    """
    edge = strawberry.type(
        type(
            f"{type_name}Edge",
            (Edge,),
            {
                "__annotations__": {"node": node_type, "cursor": str},
                "node": strawberry.field(description=node),
                "cursor": strawberry.field(
                    description="Pass as `after` to continue after this one."
                ),
            },
        ),
        description=item,
    )
    connection = strawberry.type(
        type(
            f"{type_name}Connection",
            (Connection,),
            {
                "__annotations__": {"edges": list[edge], "page_info": PageInfo},  # type: ignore[valid-type]
                "edges": strawberry.field(description=f"The {noun} of this page."),
                "page_info": strawberry.field(description="Pagination state."),
                "edge_type": edge,
            },
        ),
        description=description,
    )
    return connection


def connection_page(
    kind: type[Connection[NodeT]],
    rows: Sequence[RowT],
    *,
    first: int,
    node: Callable[[RowT], NodeT],
    cursor: Callable[[RowT], str],
    has_previous_page: bool,
) -> Connection[NodeT]:
    """The first `first` of `rows` (read one past the page) as a `kind` connection."""
    edges = [kind.edge_type(node=node(row), cursor=cursor(row)) for row in rows[:first]]
    return kind(
        edges=edges,
        page_info=page_info(
            cursors=[edge.cursor for edge in edges],
            has_next_page=len(rows) > first,
            has_previous_page=has_previous_page,
        ),
    )


def id_cursor(row: _Row) -> str:
    """The cursor of a page keyed by id (see `after_id_page`)."""
    return encode_cursor(row.id)


def time_id_cursor(row: _TimedRow) -> str:
    """The cursor of a page keyed by (created_at, id) (see `decode_time_id_cursor`)."""
    return encode_cursor(row.created_at.isoformat(), row.id)


def id_connection_page(
    kind: type[Connection[NodeT]],
    rows: Sequence[IdRowT],
    first: int,
    node: Callable[[IdRowT], NodeT],
    has_previous_page: bool,
    cursor: Callable[[IdRowT], str] = id_cursor,
) -> Connection[NodeT]:
    """`connection_page` of a page keyed by id, or by (created_at, id) with
    `cursor=time_id_cursor`."""
    return connection_page(
        kind,
        rows,
        first=first,
        node=node,
        cursor=cursor,
        has_previous_page=has_previous_page,
    )


# The page of every connection: the same rule (and message) as the cost check's pages.
CONNECTION_PAGE = Page(default=DEFAULT_PAGE, maximum=MAX_PAGE)


def check_first(first: int) -> int:
    return CONNECTION_PAGE.size(first)


def encode_cursor(*parts: object) -> str:
    return base64.urlsafe_b64encode("|".join(str(part) for part in parts).encode()).decode()


def decode_cursor(cursor: str, parts: int) -> list[str]:
    """The `parts` fields of a cursor made by `encode_cursor`; else a VALIDATION_ERROR."""
    if len(cursor) > MAX_CURSOR_CHARS:
        raise InvalidInput("Invalid cursor", field="after")
    try:
        fields = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
    except (ValueError, binascii.Error, UnicodeError):
        raise InvalidInput("Invalid cursor", field="after") from None
    if len(fields) != parts:
        raise InvalidInput("Invalid cursor", field="after")
    return fields


def decode_id_cursor(cursor: str) -> int:
    try:
        value = int(decode_cursor(cursor, 1)[0])
    except ValueError:
        raise InvalidInput("Invalid cursor", field="after") from None
    if not is_valid_id(value):  # forged: no row has this id (and the database could not bind it)
        raise InvalidInput("Invalid cursor", field="after")
    return value


def after_id_page(first: int, after: str | None) -> int | None:
    """Checks `first`; the id an id-keyed page continues after (None: from the start)."""
    check_first(first)
    return decode_id_cursor(after) if after else None


def decode_time_id_cursor(cursor: str) -> tuple[datetime, int]:
    """A (created_at, id) keyset cursor, the time in UTC; forged values are a VALIDATION_ERROR."""
    at, row_id = decode_cursor(cursor, 2)
    try:
        when = datetime.fromisoformat(at)
        # Naive means UTC; past year 9999 in UTC is forged (and would overflow).
        when = (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)
        value = int(row_id)
    except (ValueError, OverflowError):
        raise InvalidInput("Invalid cursor", field="after") from None
    if not is_valid_id(value):
        raise InvalidInput("Invalid cursor", field="after")
    return when, value


def page_info(*, cursors: list[str], has_next_page: bool, has_previous_page: bool) -> PageInfo:
    return PageInfo(
        has_next_page=has_next_page,
        has_previous_page=has_previous_page,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )
