"""Domain errors: a stable code, a message for people, and the HTTP status REST renders.

GraphQL renders the same errors as typed union members chosen by `kind`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum

from restaurant_api.enums import DescribedEnum


class ErrorCode(DescribedEnum):
    """Stable machine-readable codes; clients branch on these, never on messages."""

    NOT_FOUND = "NOT_FOUND", "The object named by an id does not exist (or no longer)."
    VALIDATION_ERROR = "VALIDATION_ERROR", "An input is invalid; `field` names it when it can."
    PERMISSION_DENIED = "PERMISSION_DENIED", "The caller's role may not do this."
    UNAUTHENTICATED = "UNAUTHENTICATED", "No valid access token was sent: sign in."
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS", "Wrong email or password."
    INVALID_TOKEN = "INVALID_TOKEN", "The token is malformed, expired, revoked or reused."
    INACTIVE_USER = "INACTIVE_USER", "The account is deactivated."
    EMAIL_TAKEN = "EMAIL_TAKEN", "Another account already uses this email."
    REGISTRATION_CLOSED = "REGISTRATION_CLOSED", "Self-registration is turned off on this server."
    LAST_ADMIN = "LAST_ADMIN", "The change would leave no active admin."
    CONFLICT = "CONFLICT", "The object's current state does not allow this change."
    DUPLICATE = "DUPLICATE", "An object with this unique value already exists."
    VERSION_CONFLICT = (
        "VERSION_CONFLICT",
        "Someone changed the object since you read it: re-read it and retry with its new "
        "`version`.",
    )
    IDEMPOTENCY_MISMATCH = (
        "IDEMPOTENCY_MISMATCH",
        "The idempotency key was used for a different request.",
    )
    INVALID_TRANSITION = (
        "INVALID_TRANSITION",
        "The status cannot move from its current value to the one asked.",
    )
    ORDER_CLOSED = "ORDER_CLOSED", "The order is no longer open (closed, cancelled or split)."
    TABLE_OCCUPIED = "TABLE_OCCUPIED", "The table already holds another order."
    TABLE_MERGED = "TABLE_MERGED", "The table is merged into another table (or has one merged in)."
    SEAT_TAKEN = "SEAT_TAKEN", "The seat is already occupied."
    SEAT_OCCUPIED = "SEAT_OCCUPIED", "Occupied seats cannot be removed or changed this way."
    TOO_MANY_ATTEMPTS = (
        "TOO_MANY_ATTEMPTS",
        "Too many failed sign-ins for this account or address: wait `retryAfterSeconds`.",
    )
    INVALID_INVITATION = (
        "INVALID_INVITATION",
        "The invitation code is unknown, used, revoked or expired (all look the same).",
    )


class ErrorKind(StrEnum):
    """Which GraphQL error type renders the error."""

    VALIDATION = "validation"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    PERMISSION = "permission"
    AUTHENTICATION = "authentication"
    THROTTLED = "throttled"


def camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def input_path(
    path: Sequence[str | int], renames: Mapping[str, str | None] | None = None
) -> str | None:
    """The input path a client wrote: ("lines", 2, "seat_number") -> "lines.2.seatNumber".

    Services name inputs in Python spelling; `renames` maps a first segment whose GraphQL
    name differs (None: the error names no single input).
    """
    if not path:
        return None
    first, *rest = path
    if renames and isinstance(first, str) and first in renames:
        renamed = renames[first]
        if renamed is None:
            return None
        first = renamed
    return ".".join(
        str(part) if isinstance(part, int) else camel_case(part) for part in (first, *rest)
    )


class DomainError(Exception):
    """An expected failure of a use case."""

    code: ErrorCode = ErrorCode.VALIDATION_ERROR
    kind: ErrorKind = ErrorKind.VALIDATION
    http_status: int = 400
    # True when the changes made before the error must still be committed (e.g. revoking
    # a refresh-token family after reuse is detected): the boundary commits, then reports.
    keeps_changes: bool = False

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode | None = None,
        field: str | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        # Where the offending input sits: field names (Python spelling) and list indexes.
        self.path: tuple[str | int, ...] = (field,) if field else ()
        if code is not None:
            self.code = code
        if http_status is not None:
            self.http_status = http_status

    def inside(self, *prefix: str | int) -> DomainError:
        """Prefix the input path, e.g. `error.inside("lines", 2)`: the third line is at fault."""
        self.path = (*prefix, *self.path)
        return self

    @property
    def extensions(self) -> dict[str, str]:
        """Read by graphql-core when the error surfaces as a GraphQL error."""
        field = input_path(self.path)
        return {"code": self.code.value, **({"field": field} if field else {})}


class InvalidInput(DomainError):
    code = ErrorCode.VALIDATION_ERROR
    kind = ErrorKind.VALIDATION
    http_status = 422


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND
    kind = ErrorKind.NOT_FOUND
    http_status = 404


class Conflict(DomainError):
    code = ErrorCode.CONFLICT
    kind = ErrorKind.CONFLICT
    http_status = 409


class PermissionDenied(DomainError):
    code = ErrorCode.PERMISSION_DENIED
    kind = ErrorKind.PERMISSION
    http_status = 403

    def __init__(
        self,
        message: str = "Not enough permissions",
        *,
        code: ErrorCode | None = None,
        field: str | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message, code=code, field=field, http_status=http_status)


class AuthenticationFailed(DomainError):
    code = ErrorCode.UNAUTHENTICATED
    kind = ErrorKind.AUTHENTICATION
    http_status = 401


class TooManyAttempts(DomainError):
    """Too many failed logins: refused, without checking the password, until the cool-down ends."""

    code = ErrorCode.TOO_MANY_ATTEMPTS
    kind = ErrorKind.THROTTLED
    http_status = 429
    # The lock-out recorded before refusing must be committed.
    keeps_changes = True

    def __init__(self, retry_after_seconds: int) -> None:
        self.retry_after_seconds = max(1, retry_after_seconds)
        super().__init__(
            f"Too many failed login attempts; try again in {self.retry_after_seconds} seconds"
        )

    @property
    def extensions(self) -> dict[str, str]:
        return {"code": self.code.value, "retryAfter": str(self.retry_after_seconds)}
