"""How every mutation field runs: in its savepoint, with domain errors as typed results.

A resolver is written once, as its body (`@domain_mutation`): this module opens the
savepoint (or, for SELF_MANAGED_MUTATIONS, leaves the transactions to the service), refuses
NUL characters, and turns a `DomainError` into the `Error` member of the field's union.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar, overload

from sqlalchemy.exc import DataError
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info
from strawberry.types.nodes import convert_arguments
from strawberry.utils.str_converters import to_camel_case

from restaurant_api.api.context import Context
from restaurant_api.api.graphql import ValidationError, graphql_error
from restaurant_api.db import commit_hooks_mark, drop_commit_hooks_since
from restaurant_api.errors import DomainError, ErrorCode, InvalidInput

T = TypeVar("T")
Resolver = TypeVar("Resolver", bound=Callable[..., Awaitable[Any]])

# Mutations that run their own short transactions (a password hash runs between them, on a
# worker thread): a document made only of these takes no write turn and holds no transaction.
# Filled by `@domain_mutation(self_managed=True)` as the domains' modules are imported.
SELF_MANAGED_MUTATIONS: set[str] = set()


@overload
def domain_mutation(resolver: Resolver, /) -> Resolver: ...


@overload
def domain_mutation(
    *, renames: Mapping[str, str | None] | None = None, self_managed: bool = False
) -> Callable[[Resolver], Resolver]: ...


def domain_mutation(
    resolver: Resolver | None = None,
    /,
    *,
    renames: Mapping[str, str | None] | None = None,
    self_managed: bool = False,
) -> Resolver | Callable[[Resolver], Resolver]:
    """Make a mutation resolver's body run as every mutation runs (under `strawberry.mutation`).

    The body takes `info` and a `session` parameter, which is the request's session inside the
    field's savepoint (`run_mutation`) and is hidden from the GraphQL arguments. It returns
    the payload or raises a `DomainError`, which the client receives as a typed error.
    With `self_managed=True` the body takes no session: it opens its own transactions
    (`run_self_managed`). `renames` maps service field names to GraphQL input names.
    """

    def wrap(body: Resolver) -> Resolver:
        signature = inspect.signature(body)
        if ("session" in signature.parameters) == self_managed:
            raise TypeError(f"{body.__name__}: a `session` parameter unless self-managed")

        @functools.wraps(body)
        async def resolve(*args: Any, info: Info[Context, None], **kwargs: Any) -> Any:
            if self_managed:
                return await run_self_managed(info, lambda: body(*args, info=info, **kwargs))

            def operation(session: AsyncSession) -> Awaitable[Any]:
                return body(*args, info=info, session=session, **kwargs)

            return await run_mutation(info, operation, renames=renames)

        # Strawberry reads the arguments from the signature: `session` is none of them.
        arguments = [p for p in signature.parameters.values() if p.name != "session"]
        resolve.__signature__ = signature.replace(parameters=arguments)  # type: ignore[attr-defined]
        resolve.__annotations__ = {
            name: hint for name, hint in body.__annotations__.items() if name != "session"
        }
        if self_managed:
            SELF_MANAGED_MUTATIONS.add(to_camel_case(body.__name__))
        return resolve  # type: ignore[return-value]

    return wrap if resolver is None else wrap(resolver)


async def run_mutation(
    info: Info[Context, None],
    operation: Callable[[AsyncSession], Awaitable[T]],
    *,
    renames: Mapping[str, str | None] | None = None,
) -> T | Any:
    """Run one mutation field in a savepoint and turn domain errors into typed results.

    A failed mutation leaves no trace, while earlier mutations of the same document keep
    their effects (they commit together when the operation ends). `renames` maps service
    field names to the mutation's GraphQL input names where they differ.
    """
    context = info.context
    nul_field = _field_with_nul(info)
    if nul_field is not None:
        # PostgreSQL cannot store NUL (a 500 before); refused the same on every backend.
        return graphql_error(
            InvalidInput(f"{nul_field} must not contain NUL characters", field=nul_field)
        )
    async with context.use_session() as session:
        # After-commit hooks registered inside a savepoint that rolls back must not run.
        hooks = commit_hooks_mark(session)
        # The only field of its operation: rolling back the whole transaction undoes exactly
        # this mutation, so it needs no savepoint (two statements less).
        savepoint = None if _sole_root_field(info) else await session.begin_nested()
        undo = savepoint.rollback if savepoint is not None else session.rollback
        try:
            result = await operation(session)
        except DomainError as error:
            if error.keeps_changes:
                if savepoint is not None:
                    await savepoint.commit()
            else:
                await undo()
                drop_commit_hooks_since(session, hooks)
            return graphql_error(error, renames)
        except (DataError, OverflowError):
            # A value the database cannot store (as REST's 422): a typed error, not a 500.
            await undo()
            drop_commit_hooks_since(session, hooks)
            return graphql_error(InvalidInput("Invalid input: a value is out of range"))
        except BaseException:
            await undo()
            drop_commit_hooks_since(session, hooks)
            raise
        if savepoint is not None:
            await savepoint.commit()
        return result


def _sole_root_field(info: Info[Context, None]) -> bool:
    """True when this mutation field is all its operation selects (no sibling, no fragment)."""
    raw = getattr(info, "_raw_info", None)  # absent on a bare test double
    if raw is None:
        return False
    selections = raw.operation.selection_set.selections
    return len(selections) == 1 and selections[0] is raw.field_nodes[0]


async def run_self_managed(
    info: Info[Context, None], operation: Callable[[], Awaitable[T]]
) -> T | Any:
    """Run a SELF_MANAGED_MUTATIONS field, turning domain errors into typed results.

    Mixed into a document with other mutations it is refused: that document holds a write
    transaction (SQLite: the only write lock) which a password hash must not keep waiting.
    """
    if not info.context.read_only:
        return ValidationError(
            code=ErrorCode.VALIDATION_ERROR,
            message=f"Send `{info.field_name}` in a mutation without other kinds of fields",
            field=None,
        )
    try:
        return await operation()
    except DomainError as error:
        return graphql_error(error)


def nul_path(value: Any, path: str) -> str | None:
    """The input path (names and list indexes) of the first string holding a NUL, if any."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return where
        elif isinstance(item, dict):
            children = [(child, f"{where}.{key}" if where else key) for key, child in item.items()]
            stack.extend(reversed(children))  # the first in the client's order is reported
        elif isinstance(item, list):
            children = [(child, f"{where}.{index}") for index, child in enumerate(item)]
            stack.extend(reversed(children))
    return None


def _field_with_nul(info: Info[Context, None]) -> str | None:
    raw = getattr(info, "_raw_info", None)  # absent on a bare test double
    if raw is None:
        return None
    # The field's own arguments only (`info.selected_fields` converts the whole selection).
    path = nul_path(convert_arguments(raw, raw.field_nodes[0].arguments), "")
    # Input paths are relative to the mutation's arguments and its `input` (ValidationError).
    return path.removeprefix("input.") if path else path
