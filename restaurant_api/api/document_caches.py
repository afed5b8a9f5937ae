"""Per-document verdicts remembered by the parsed document itself, not by its hash.

The parser cache hands every request with the same text the same `DocumentNode`. Strawberry's
ValidationCache keys its LRU by the document, and hashing a document walks its whole tree
on every request (~50 us for an order's mutation); the cost of a document depends only on
the values of the few variables its page sizes read. Both are looked up by the document's
identity here (each entry holds its document, so an id is never reused while cached).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

MAX_DOCUMENTS = 512

_Errors = list[GraphQLError]
_VALIDATED: OrderedDict[tuple[int, int, tuple[type, ...]], tuple[DocumentNode, _Errors]] = (
    OrderedDict()
)


def _remember(cache: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    cache[key] = value
    while len(cache) > MAX_DOCUMENTS:
        cache.popitem(last=False)


class DocumentValidationCache(SchemaExtension):
    """Strawberry's ValidationCache, keyed by the document's identity and the rules."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            schema = context.schema._schema
            rules = tuple(context.validation_rules)
            key = (id(schema), id(document), rules)
            found = _VALIDATED.get(key)
            if found is not None and found[0] is document:
                _VALIDATED.move_to_end(key)
                errors = found[1]
            else:
                errors = validate_document(schema, document, rules)
                _remember(_VALIDATED, key, (document, errors))
            context.pre_execution_errors = list(errors)
        yield


class _ReadVariables(dict[str, Any]):
    """The variables, remembering which ones the cost walker read."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        self.read: list[str] = []

    def get(self, key: str, default: Any = None) -> Any:
        self.read.append(key)
        return super().get(key, default)


_MISSING = object()
_COSTS: OrderedDict[
    tuple[int, int, int, str | None],
    tuple[DocumentNode, tuple[str, ...], dict[tuple[Any, ...], int]],
] = OrderedDict()


CostOf = Callable[[GraphQLSchema, Any, DocumentNode, str | None, Mapping[str, Any]], int]


def remembered_cost(
    document_cost: CostOf,
    schema: GraphQLSchema,
    bounds: Any,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> int:
    """`document_cost`, computed once per document and values of the variables it reads.

    Which variables the walk reads does not depend on their values (it visits every field
    of the operation), so the first walk tells what the cost depends on."""
    given = variables if isinstance(variables, Mapping) else {}
    key = (id(schema), id(bounds), id(document), operation_name)
    entry = _COSTS.get(key)
    if entry is None or entry[0] is not document:
        recorder = _ReadVariables(given)
        cost = document_cost(schema, bounds, document, operation_name, recorder)
        entry = (document, tuple(dict.fromkeys(recorder.read)), {})
        _remember(_COSTS, key, entry)
    else:
        cost = None
    _, read, costs = entry
    values: tuple[Any, ...] | None = tuple(given.get(name, _MISSING) for name in read)
    try:
        found = costs.get(values)  # type: ignore[arg-type]
    except TypeError:  # an unhashable value where a page size goes: not remembered
        values, found = None, None
    if found is None:
        found = (
            cost
            if cost is not None
            else document_cost(schema, bounds, document, operation_name, given)
        )
        if values is not None and len(costs) < 64:  # page sizes take few values
            costs[values] = found
    return found
