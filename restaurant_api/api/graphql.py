"""GraphQL plumbing shared by every domain: context, typed errors, permissions, unit of work.

Schema assembly lives in `restaurant_api.schema` (it imports every domain, and every
domain imports this module).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, Union

import strawberry
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    ListValueNode,
    OperationDefinitionNode,
    StringValueNode,
    Visitor,
    visit,
)
from sqlalchemy.exc import DataError
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.extensions import SchemaExtension
from strawberry.fastapi import BaseContext
from strawberry.permission import BasePermission
from strawberry.types import Info
from strawberry.types.graphql import OperationType
from strawberry.types.nodes import convert_arguments

from restaurant_api import limits
from restaurant_api.config import Settings
from restaurant_api.db import (
    AFTER_COMMIT_KEY,
    Database,
    commit_hooks_mark,
    drop_commit_hooks_since,
    run_before_commit,
)
from restaurant_api.errors import DomainError, ErrorCode, ErrorKind, InvalidInput, input_path
from restaurant_api.money import format_cents
from restaurant_api.users import service as users_service
from restaurant_api.users.service import Role, User

if TYPE_CHECKING:
    from restaurant_api.events import EventBus

T = TypeVar("T")

E = TypeVar("E", bound=Enum)


def described_enum(
    enum: type[E], *, name: str, description: str, values: Mapping[E, str]
) -> type[E]:
    """`strawberry.enum` with a description for every value (clients' generated docs)."""
    missing = [member.name for member in enum if member not in values]
    if missing:
        raise ValueError(f"{name}: describe {', '.join(missing)}")
    wrapped = strawberry.enum(enum, name=name, description=description)
    for value in wrapped.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = values[enum[value.name]]
    return wrapped


ErrorCodeType = described_enum(
    ErrorCode,
    name="ErrorCode",
    description="Stable machine-readable error codes: branch on these, never on messages.",
    values={
        ErrorCode.NOT_FOUND: "The object named by an id does not exist (or no longer).",
        ErrorCode.VALIDATION_ERROR: "An input is invalid; `field` names it when it can.",
        ErrorCode.PERMISSION_DENIED: "The caller's role may not do this.",
        ErrorCode.UNAUTHENTICATED: "No valid access token was sent: sign in.",
        ErrorCode.INVALID_CREDENTIALS: "Wrong email or password.",
        ErrorCode.INVALID_TOKEN: "The token is malformed, expired, revoked or reused.",
        ErrorCode.INACTIVE_USER: "The account is deactivated.",
        ErrorCode.EMAIL_TAKEN: "Another account already uses this email.",
        ErrorCode.REGISTRATION_CLOSED: "Self-registration is turned off on this server.",
        ErrorCode.LAST_ADMIN: "The change would leave no active admin.",
        ErrorCode.TOO_MANY_ATTEMPTS: (
            "Too many failed sign-ins for this account or address: wait `retryAfterSeconds`."
        ),
        ErrorCode.INVALID_INVITATION: (
            "The invitation code is unknown, used, revoked or expired (all look the same)."
        ),
        ErrorCode.CONFLICT: "The object's current state does not allow this change.",
        ErrorCode.DUPLICATE: "An object with this unique value already exists.",
        ErrorCode.VERSION_CONFLICT: "Someone changed the object since you read it: "
        "re-read it and retry with its new `version`.",
        ErrorCode.IDEMPOTENCY_MISMATCH: "The idempotency key was used for a different request.",
        ErrorCode.INVALID_TRANSITION: "The status cannot move from its current value to the "
        "one asked.",
        ErrorCode.ORDER_CLOSED: "The order is no longer open (closed, cancelled or split).",
        ErrorCode.TABLE_OCCUPIED: "The table already holds another order.",
        ErrorCode.TABLE_MERGED: "The table is merged into another table (or has one merged in).",
        ErrorCode.SEAT_TAKEN: "The seat is already occupied.",
        ErrorCode.SEAT_OCCUPIED: "Occupied seats cannot be removed or changed this way.",
    },
)
RoleType = described_enum(
    Role,
    name="Role",
    description="What a staff member may do.",
    values={
        Role.ADMIN: "Everything, including managing users.",
        Role.MANAGER: "Floor and kitchen work, the menu, tables, cancelling and deleting orders.",
        Role.SERVER: "Places, changes and closes orders; seats guests.",
        Role.KITCHEN: "Reads orders and works kitchen tickets.",
    },
)


class Context(BaseContext):
    """Per-request state: one database session, the caller, and per-request loaders."""

    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        user: User | None,
        auth_error: DomainError | None = None,
        events: EventBus | None = None,
        bearer_token: str | None = None,
    ) -> None:
        super().__init__()
        self.db = db
        self.settings = settings
        self.user = user
        self.auth_error = auth_error
        # HTTP: the caller's token, read into `user` by `authenticate()` (once, and only
        # when needed: a cached public answer needs no user).
        self.bearer_token = bearer_token
        self._authenticated = bearer_token is None
        # The app's event bus (subscriptions), and when a websocket's access token expires.
        self.events = events
        self.connection_expires_at: datetime | None = None
        # A websocket's token version: its user's later logout or role change closes it.
        self.token_version: int | None = None
        self.read_only = False
        self.loaders: dict[str, Any] = {}
        # Sibling fields resolve concurrently; an AsyncSession allows one operation at a time.
        self.session_lock = asyncio.Lock()
        self._session: AsyncSession | None = None
        self._holds_write_turn = False

    def authenticated_as(self, user: User) -> None:
        """The caller of `bearer_token`, read moments ago by the response cache's lookup."""
        self.user, self._authenticated = user, True

    async def authenticate(self) -> None:
        """Read the user of `bearer_token` (a short read transaction of its own), once."""
        if self._authenticated or self.bearer_token is None:
            return
        self._authenticated = True
        try:
            async with self.db.session(read_only=True) as session:
                self.user = await users_service.user_for_access_token(
                    session, self.bearer_token, self.settings
                )
        except DomainError as error:
            self.auth_error = error

    async def begin(self, *, read_only: bool) -> None:
        """Called when the operation type is known: writers wait for their turn (SQLite)."""
        self.read_only = read_only
        if not read_only and not self._holds_write_turn:
            self._holds_write_turn = await self.db.acquire_write_turn()

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            factory = self.db.read_sessionmaker if self.read_only else self.db.sessionmaker
            self._session = factory()
        return self._session

    @asynccontextmanager
    async def use_session(self) -> AsyncIterator[AsyncSession]:
        """Exclusive use of the request's session. Never await a DataLoader inside."""
        async with self.session_lock:
            yield self.session

    def loader(self, name: str, factory: Callable[[], T]) -> T:
        """The per-request instance of a DataLoader, created on first use."""
        if name not in self.loaders:
            self.loaders[name] = factory()
        return self.loaders[name]

    async def finish(self, *, success: bool) -> None:
        """Commit or roll back the request's transaction, then run after-commit hooks."""
        session, self._session = self._session, None
        callbacks: list[Callable[[], Awaitable[None]]] = []
        try:
            if session is not None:
                try:
                    if success:
                        await run_before_commit(session)
                        await session.commit()
                        callbacks = session.info.pop(AFTER_COMMIT_KEY, [])
                    else:
                        await session.rollback()
                finally:
                    await session.close()
        finally:
            if self._holds_write_turn:
                self._holds_write_turn = False
                self.db.release_write_turn()
        for callback in callbacks:
            await callback()


class EventContext(Context):
    """The context nested fields of one live update resolve through.

    Shared by every subscriber of this process that receives the same change, so their
    DataLoaders batch and cache one re-read. Each load opens its own short read session: no
    connection-long session, hence never a stale identity map.
    """

    def __init__(self, *, db: Database, settings: Settings) -> None:
        super().__init__(db=db, settings=settings, user=None)
        self.read_only = True

    @asynccontextmanager
    async def use_session(self) -> AsyncIterator[AsyncSession]:
        async with self.db.session(read_only=True) as session:
            yield session


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
    code: ErrorCodeType = strawberry.field(description="Stable code to branch on.")  # type: ignore[valid-type]
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


# Mutations that run their own short transactions (a password hash runs between them, on a
# worker thread): a document made only of these takes no write turn and holds no transaction.
SELF_MANAGED_MUTATIONS = frozenset(
    {"login", "register", "changePassword", "resetUserPassword", "acceptInvitation"}
)


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


def root_field_names(document: DocumentNode | None, operation_name: str | None) -> set[str]:
    """The field names selected at the root of the operation that runs (fragments followed)."""
    if document is None:
        return set()
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1:
        return set()
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    names: set[str] = set()
    followed: set[str] = set()
    pending = list(operations[0].selection_set.selections)
    while pending:
        selection = pending.pop()
        if isinstance(selection, FieldNode):
            names.add(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            pending.extend(selection.selection_set.selections)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in followed:
            followed.add(selection.name.value)
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                pending.extend(fragment.selection_set.selections)
    return names - {"__typename"}


def _self_managed(execution_context: Any) -> bool:
    names = root_field_names(execution_context.graphql_document, execution_context.operation_name)
    return bool(names) and names <= SELF_MANAGED_MUTATIONS


def _nul_path(value: Any, path: str) -> str | None:
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
    path = _nul_path(convert_arguments(raw, raw.field_nodes[0].arguments), "")
    # Input paths are relative to the mutation's arguments and its `input` (ValidationError).
    return path.removeprefix("input.") if path else path


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


# ---------------------------------------------------------------------------------------
# Extensions
# ---------------------------------------------------------------------------------------


class UnitOfWork(SchemaExtension):
    """Commit the request's transaction when the operation succeeded, else roll back."""

    async def on_execute(self) -> AsyncIterator[None]:  # type: ignore[override]
        context = self.execution_context.context
        if isinstance(context, Context):
            # Only mutations write; queries and subscriptions skip SQLite's write lock.
            # (Strawberry's own OperationType: graphql-core's enum is a different class.)
            execution = self.execution_context
            await context.begin(
                read_only=execution.operation_type is not OperationType.MUTATION
                or _self_managed(execution)
            )
        yield

    async def on_operation(self) -> AsyncIterator[None]:  # type: ignore[override]
        completed = False
        try:
            yield
            completed = True
        finally:
            # Also when the operation raised: the transaction and write turn must end.
            context = self.execution_context.context
            if isinstance(context, Context):
                errors = getattr(self.execution_context.result, "errors", None)
                await context.finish(success=completed and not errors)


def is_expected_error(error: GraphQLError) -> bool:
    """Errors a client may see verbatim; everything else is masked."""
    original = error.original_error
    if original is None:
        return True  # syntax, validation and permission errors carry no exception
    return isinstance(original, (DomainError, GraphQLError))


class InputBounds(SchemaExtension):
    """No input list longer than any field accepts, refused before arguments are coerced.

    Coercing 100,000 order lines or a million split indexes costs seconds before a resolver
    could count them. Lists in variables and in the document are both counted; the exact
    per-field caps (e.g. modifiers per line) are checked after, as typed ValidationErrors.
    Also bounds every JSON value in the variables (depth), for transports that bypass the
    HTTP input guard (websockets).
    """

    def on_execute(self) -> Iterator[None]:  # type: ignore[override]
        document = self.execution_context.graphql_document
        lengths = [
            *_value_list_lengths(self.execution_context.variables),
            *_literal_list_lengths(document),
        ]
        if lengths and max(lengths) > limits.MAX_INPUT_LIST:
            raise _input_refused(f"An input list has more than {limits.MAX_INPUT_LIST} items")
        if sum(lengths) > limits.MAX_INPUT_LIST_ITEMS:
            raise _input_refused(
                f"The input lists have more than {limits.MAX_INPUT_LIST_ITEMS} items in all"
            )
        # Mutations report NUL as a typed ValidationError (run_mutation); other operations
        # are refused here, as PostgreSQL cannot compare text with NUL.
        if self.execution_context.operation_type is not OperationType.MUTATION and (
            _nul_path(self.execution_context.variables, "") or _literal_has_nul(document)
        ):
            raise _input_refused("Text input must not contain NUL characters")
        yield


def _input_refused(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": ErrorCode.VALIDATION_ERROR.value})


def _value_list_lengths(value: Any) -> list[int]:
    lengths: list[int] = []
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limits.MAX_JSON_DEPTH:
            raise _input_refused(f"Variables are nested more than {limits.MAX_JSON_DEPTH} deep")
        if isinstance(item, list):
            lengths.append(len(item))
            if len(item) > limits.MAX_INPUT_LIST:
                return lengths  # refused anyway: do not walk it
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
    return lengths


class _Literals(Visitor):
    """The list lengths and whether a string holds NUL, among a document's literals."""

    def __init__(self) -> None:
        super().__init__()
        self.lengths: list[int] = []
        self.has_nul = False

    def enter_list_value(self, node: ListValueNode, *_args: Any) -> None:
        self.lengths.append(len(node.values))

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        self.has_nul = self.has_nul or "\x00" in node.value


# Parsed documents are cached and reused: their literals are walked once, not per request.
_LITERALS: OrderedDict[int, tuple[DocumentNode, _Literals]] = OrderedDict()
_LITERALS_CACHE_SIZE = 512


def _literals(document: DocumentNode) -> _Literals:
    cached = _LITERALS.get(id(document))
    if cached is not None and cached[0] is document:
        _LITERALS.move_to_end(id(document))
        return cached[1]
    literals = _Literals()
    visit(document, literals)
    _LITERALS[id(document)] = (document, literals)  # the document pins its id
    while len(_LITERALS) > _LITERALS_CACHE_SIZE:
        _LITERALS.popitem(last=False)
    return literals


def _literal_list_lengths(document: DocumentNode | None) -> list[int]:
    return [] if document is None else _literals(document).lengths


def _literal_has_nul(document: DocumentNode | None) -> bool:
    return document is not None and _literals(document).has_nul
