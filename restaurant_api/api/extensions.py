"""Schema extensions every operation runs through: unit of work, input bounds, error masking."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from typing import Any

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
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from restaurant_api import limits
from restaurant_api.api.context import Context
from restaurant_api.api.mutations import SELF_MANAGED_MUTATIONS, nul_path
from restaurant_api.errors import DomainError, ErrorCode

logger = logging.getLogger("restaurant_api.graphql")


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


class UnitOfWork(SchemaExtension):
    """Commit the request's transaction when the operation succeeded, else roll back."""

    async def on_execute(self) -> AsyncIterator[None]:
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

    async def on_operation(self) -> AsyncIterator[None]:
        completed = False
        try:
            yield
            completed = True
        finally:
            # Also when the operation raised: the transaction and write turn must end.
            context = self.execution_context.context
            if isinstance(context, Context):
                result = self.execution_context.result
                success = completed and not getattr(result, "errors", None)
                try:
                    await context.finish(success=success)
                except Exception as error:
                    if not success or result is None:
                        raise
                    # Executed, then the commit failed: the answer says so, masked as every
                    # unexpected error is (raised from here it reached the client verbatim).
                    logger.exception("committing the operation failed")
                    masked = GraphQLError(UNEXPECTED_ERROR, original_error=error)
                    result.data, result.errors = None, [masked]


UNEXPECTED_ERROR = "Unexpected error."  # what Strawberry's MaskErrors answers


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

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        refusal = input_refusal(context.variables, context.graphql_document, context.operation_type)
        if refusal is not None:
            raise _input_refused(refusal)
        yield


def input_refusal(
    variables: Any, document: DocumentNode | None, operation_type: OperationType
) -> str | None:
    """Why the input lists or text of a request are refused (`InputBounds`), or None."""
    lengths = [*_value_list_lengths(variables), *_literal_list_lengths(document)]
    if lengths and max(lengths) > limits.MAX_INPUT_LIST:
        return f"An input list has more than {limits.MAX_INPUT_LIST} items"
    if sum(lengths) > limits.MAX_INPUT_LIST_ITEMS:
        return f"The input lists have more than {limits.MAX_INPUT_LIST_ITEMS} items in all"
    # Mutations report NUL as a typed ValidationError (run_mutation); other operations
    # are refused here, as PostgreSQL cannot compare text with NUL.
    if operation_type is not OperationType.MUTATION and (
        nul_path(variables, "") or _literal_has_nul(document)
    ):
        return "Text input must not contain NUL characters"
    return None


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
