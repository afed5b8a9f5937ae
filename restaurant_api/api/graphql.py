"""GraphQL plumbing shared by every domain: enums, money, typed errors, permissions.

Schema assembly lives in `restaurant_api.schema` (it imports every domain, and every
domain imports this module). The request context is `api.context`, how mutations run
`api.mutations`, the schema extensions `api.extensions`.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from typing import Annotated, Any, Protocol, TypeVar, Union

import strawberry
from sqlmodel import SQLModel
from strawberry.permission import BasePermission
from strawberry.types import Info

from restaurant_api.api.context import Context, EventContext
from restaurant_api.enums import DescribedEnum
from restaurant_api.errors import DomainError, ErrorCode, ErrorKind, input_path
from restaurant_api.money import format_cents
from restaurant_api.users.service import Role, User

# Context is imported from here by most domains' adapters.
__all__ = [
    "ERROR_TYPES",
    "AuthenticationError",
    "ConflictError",
    "Context",
    "Error",
    "ErrorCodeType",
    "EventContext",
    "IsAuthenticated",
    "Money",
    "NotFoundError",
    "PermissionDeniedError",
    "RoleType",
    "TooManyAttemptsError",
    "ValidationError",
    "current_user",
    "described_enum",
    "from_row",
    "graphql_error",
    "require_roles",
    "result_union",
    "signed_in",
]

D = TypeVar("D", bound=DescribedEnum)
N = TypeVar("N")


class PersistedRow(Protocol):
    id: int


@functools.cache
def _copied_fields(node_type: type, row_type: type[SQLModel]) -> tuple[tuple[str, str], ...]:
    """(field, column) pairs: same-named columns, and `<name>_db_id` fields from `<name>_id`."""
    columns = row_type.model_fields
    pairs = []
    for field in dataclasses.fields(node_type):
        column = (
            field.name.removesuffix("_db_id") + "_id"
            if field.name.endswith("_db_id")
            else field.name
        )
        if field.init and field.name != "id" and column in columns:
            pairs.append((field.name, column))
    return tuple(pairs)


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def from_row(node_type: type[N], row: PersistedRow, **values: Any) -> N:
    """A node type's object for a row: its `id` (global, by the type's GraphQL name) and
    `databaseId` from the row's id; every other field the row has a column of the same name
    for copied (a JSON list column as a list of its own: the object never shares the row's),
    and a private `<name>_db_id` (a reference, shown as a global id by its own field) from the
    column `<name>_id`; `values` for the rest, and where a column needs converting.
    """
    from restaurant_api.api.node import to_global_id  # api.node imports this module

    name = node_type.__strawberry_definition__.name  # type: ignore[attr-defined]
    fields = _copied_fields(node_type, type(row))  # type: ignore[arg-type]
    copied = {field: _copy(getattr(row, column)) for field, column in fields}
    ids = {"id": to_global_id(name, row.id), "database_id": row.id}
    return node_type(**(ids | copied | values))  # `values` win over copied columns


def described_enum(enum: type[D], *, description: str) -> type[D]:
    """`strawberry.enum` with every value's description, which the domain declares on its
    members (`restaurant_api.enums.DescribedEnum`), for clients' generated docs. The GraphQL
    name is the domain enum's own."""
    missing = [member.name for member in enum if not member.description]
    if missing:
        raise ValueError(f"{enum.__name__}: describe {', '.join(missing)}")
    wrapped = strawberry.enum(enum, description=description)
    for value in wrapped.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = enum[value.name].description
    return wrapped


ErrorCodeType = described_enum(
    ErrorCode,
    description="Stable machine-readable error codes: branch on these, never on messages.",
)
RoleType = described_enum(Role, description="What a staff member may do.")


@strawberry.type(description="An exact amount of money.")
class Money:
    amount: str = strawberry.field(description='Exact decimal string, e.g. "12.98".')
    cents: int = strawberry.field(description="The amount in cents (integer).")
    currency: str = strawberry.field(description="ISO 4217 currency code.")

    @classmethod
    def from_cents(cls, cents: int, currency: str) -> Money:
        return cls(amount=format_cents(cents), cents=cents, currency=currency)


# ---------------------------------------------------------------------------------------
# Typed errors: every mutation returns a union of its payload and these error types.
# ---------------------------------------------------------------------------------------


@strawberry.interface(description="An expected failure the client should handle.")
class Error:
    code: ErrorCodeType = strawberry.field(description="Stable code to branch on.")
    message: str = strawberry.field(description="Human-readable explanation.")


@strawberry.type(description="The input was invalid; `field` names the offending input.")
class ValidationError(Error):
    field: str | None = strawberry.field(
        default=None,
        description="Path of the input at fault as the client wrote it: argument or input "
        "field names (camelCase) and list indexes joined by dots, relative to the mutation's "
        "arguments and its `input`, e.g. `lines.2.quantity`. Null when no single input is "
        "at fault.",
    )


@strawberry.type(description="A referenced object does not exist.")
class NotFoundError(Error):
    pass


@strawberry.type(
    description="The request conflicts with the current state (taken, stale version, ...)."
)
class ConflictError(Error):
    pass


@strawberry.type(description="The caller's role may not do this.")
class PermissionDeniedError(Error):
    pass


@strawberry.type(description="The caller is not authenticated, or the credentials are wrong.")
class AuthenticationError(Error):
    pass


@strawberry.type(description="Too many failed login attempts: refused until the cool-down ends.")
class TooManyAttemptsError(Error):
    retry_after_seconds: int = strawberry.field(
        description="Seconds until an attempt is considered again (as HTTP `Retry-After`)."
    )


ERROR_TYPES: tuple[type, ...] = (
    ValidationError,
    NotFoundError,
    ConflictError,
    PermissionDeniedError,
    AuthenticationError,
)

_ERROR_TYPE_BY_KIND: dict[ErrorKind, type] = {
    ErrorKind.VALIDATION: ValidationError,
    ErrorKind.NOT_FOUND: NotFoundError,
    ErrorKind.CONFLICT: ConflictError,
    ErrorKind.PERMISSION: PermissionDeniedError,
    ErrorKind.AUTHENTICATION: AuthenticationError,
    ErrorKind.THROTTLED: TooManyAttemptsError,
}


def result_union(
    name: str, success: type, description: str, *, extra: tuple[type, ...] = ()
) -> Any:
    """`success | <every error type>`: one pattern for every mutation's result.

    `extra` adds error types only some mutations raise (TooManyAttemptsError: logins).
    """
    return Annotated[
        Union[(success, *ERROR_TYPES, *extra)],
        strawberry.union(name, description=description),
    ]


def graphql_error(error: DomainError, renames: Mapping[str, str | None] | None = None) -> Any:
    error_type = _ERROR_TYPE_BY_KIND[error.kind]
    if error_type is ValidationError:
        return ValidationError(
            code=error.code, message=error.message, field=input_path(error.path, renames)
        )
    if error_type is TooManyAttemptsError:
        retry_after = int(getattr(error, "retry_after_seconds", 1))
        return TooManyAttemptsError(
            code=error.code, message=error.message, retry_after_seconds=retry_after
        )
    return error_type(code=error.code, message=error.message)


# ---------------------------------------------------------------------------------------
# Permissions for queries (mutations report denials as typed errors instead).
# ---------------------------------------------------------------------------------------


class IsAuthenticated(BasePermission):
    message = "Not authenticated"
    error_extensions = {"code": ErrorCode.UNAUTHENTICATED.value}

    def has_permission(self, source: Any, info: Info[Context, None], **kwargs: Any) -> bool:
        context = info.context
        if context.user is None and context.auth_error is not None:
            # Raised, not stored on `self.message`: one instance serves every request, and a
            # stored message would reach the next anonymous caller (and concurrent ones).
            raise self.error_class(context.auth_error.message, extensions=self.error_extensions)
        return context.user is not None


def signed_in(description: str) -> Any:
    """A field any signed-in role may read, not cached (the resolver narrows by role where
    it must). Used as `@signed_in("...")`."""
    return strawberry.field(description=description, permission_classes=[IsAuthenticated])


def require_roles(*roles: Role) -> type[BasePermission]:
    """A permission class admitting only the given roles."""

    class HasRole(BasePermission):
        message = "Not enough permissions"
        error_extensions = {"code": ErrorCode.PERMISSION_DENIED.value}

        def has_permission(self, source: Any, info: Info[Context, None], **kwargs: Any) -> bool:
            user = info.context.user
            return user is not None and user.role in roles

    HasRole.__name__ = "Has" + "Or".join(role.value.title() for role in roles)
    return HasRole


def current_user(info: Info[Context, None]) -> User | None:
    return info.context.user
