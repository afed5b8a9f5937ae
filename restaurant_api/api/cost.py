"""Bounds on what one GraphQL document may ask for: list sizes, cost, depth, one operation.

Every list field has a declared bound (`ListBounds`): a page size taken from its `first`
argument (`Page`), or a static business cap (`Fixed`). The cost of a document is the number
of objects its answer can hold: each object field counts 1, a list field counts its bound,
and both multiply down the nesting (fragments, inline fragments and aliases all counted;
scalars cost nothing, their number per object is bounded by the type and the alias limit).
A document over the budget is refused after validation and before anything runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
    is_composite_type,
)
from graphql.language import DocumentNode
from starlette.websockets import WebSocket
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.schema.schema import validate_document

from restaurant_api.api.document_caches import remembered_cost
from restaurant_api.errors import InvalidInput

# Relay connections (DESIGN.md): `first` at most 100 unless a field declares otherwise.
DEFAULT_PAGE_MAXIMUM = 100
PAGE_ARGUMENT = "first"


@dataclass(frozen=True)
class Page:
    """A list whose size is its `first` argument: `default` when omitted or null."""

    default: int
    maximum: int

    def argument(self, noun: str) -> Any:
        """The `first` argument's declaration, described from these very bounds."""
        return strawberry.argument(
            description=f"How many {noun}, 1 to {self.maximum} (default {self.default})."
        )

    def size(self, first: int | None) -> int:
        """The validated page size (resolvers call this: the same rule as the cost check)."""
        if first is None:
            return self.default
        if not 1 <= first <= self.maximum:
            raise InvalidInput(f"first must be between 1 and {self.maximum}", field="first")
        return first


@dataclass(frozen=True)
class Fixed:
    """A list that never holds more than `maximum` items (a business cap)."""

    maximum: int


@dataclass(frozen=True)
class Feed:
    """A subscription field: each of its messages holds at most `maximum` rows per list, or
    `narrowed` when its `argument` is given (`orderUpdates(orderId:)` follows one order)."""

    maximum: int
    argument: str
    narrowed: int = 1


@dataclass(frozen=True)
class FeedRows:
    """A list of a subscription message: as many rows as its subscription field allows."""


ListBound = Page | Fixed | Feed | FeedRows
# "Type.field" -> bound. Built by `restaurant_api.graphql_bounds` next to the business caps.
ListBounds = Mapping[str, ListBound]


def _unwrap(type_: Any) -> Any:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return type_


def is_list_field(field: GraphQLField) -> bool:
    return isinstance(_unwrap(field.type), GraphQLList)


def is_connection_list(parent: GraphQLObjectType | Any, field_name: str) -> bool:
    """`edges`/`nodes` of a Relay connection: sized by the connection field's `first`."""
    return getattr(parent, "name", "").endswith("Connection") and field_name in {"edges", "nodes"}


def _int_default(argument: GraphQLArgument) -> int | None:
    """An argument's integer default: Strawberry sets `default_value`, SDL a literal."""
    value = argument.default_value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    default = getattr(argument, "default", None)  # graphql-core 3.3's GraphQLDefaultInput
    literal = getattr(default, "literal", None)
    if isinstance(literal, IntValueNode):
        return int(literal.value)
    value = getattr(default, "value", None)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def bound_for(
    bounds: ListBounds, parent: Any, field_name: str, field: GraphQLField
) -> ListBound | None:
    """The declared bound, else a `first` argument's Relay convention (max 100)."""
    declared = bounds.get(f"{parent.name}.{field_name}")
    if declared is not None:
        return declared
    argument = field.args.get(PAGE_ARGUMENT)
    if argument is None:
        return None
    default = _int_default(argument)
    if default is None:
        default = DEFAULT_PAGE_MAXIMUM  # omitted `first` without a default: the worst case
    return Page(default=default, maximum=DEFAULT_PAGE_MAXIMUM)


def unbounded_list_fields(schema: GraphQLSchema, bounds: ListBounds) -> list[str]:
    """Every list field of the schema without a bound (a test keeps this empty)."""
    missing = []
    for type_name, type_ in schema.type_map.items():
        if type_name.startswith("__") or not hasattr(type_, "fields"):
            continue
        if not isinstance(type_, GraphQLObjectType) and not hasattr(type_, "interfaces"):
            continue
        for field_name, field in type_.fields.items():
            if not is_list_field(field) or is_connection_list(type_, field_name):
                continue
            bound = bound_for(bounds, type_, field_name, field)
            if bound is None or (isinstance(bound, Page) and PAGE_ARGUMENT not in field.args):
                missing.append(f"{type_name}.{field_name}")
    return sorted(missing)


# ---------------------------------------------------------------------------------------
# Cost
# ---------------------------------------------------------------------------------------


@dataclass
class _CostWalker:
    schema: GraphQLSchema
    bounds: ListBounds
    fragments: dict[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    variable_defaults: Mapping[str, Any]

    def __post_init__(self) -> None:
        # (fragment, page size of the enclosing connection) -> cost of one copy.
        self._memo: dict[tuple[str, int], int] = {}

    def selection_set(self, parent: Any, selections: SelectionSetNode | None, page: int) -> int:
        if selections is None:
            return 0
        total = 0
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                total += self.field(parent, selection, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set(target, selection.selection_set, page)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, page)
        return total

    def fragment(self, name: str, page: int) -> int:
        key = (name, page)
        if key not in self._memo:
            self._memo[key] = 0  # a cycle (refused by validation) costs nothing more
            definition = self.fragments.get(name)
            if definition is not None:
                target = self.schema.get_type(definition.type_condition.name.value)
                self._memo[key] = self.selection_set(target, definition.selection_set, page)
        return self._memo[key]

    def field(self, parent: Any, node: FieldNode, page: int) -> int:
        name = node.name.value
        if name.startswith("__") or not hasattr(parent, "fields"):
            return 0  # introspection (off in production) and __typename
        field = parent.fields.get(name)
        if field is None:
            return 0
        if not is_composite_type(get_named_type(field.type)):
            return 0  # scalars and enums, lists of them included
        bound = bound_for(self.bounds, parent, name, field)
        inner_page = page
        count = 1
        if isinstance(bound, Page):
            size = self._page_size(node, bound)
            inner_page = size
            if is_list_field(field):
                count = size
        elif isinstance(bound, Feed):
            # The message's lists take the feed's size, as a connection's edges its `first`.
            narrowed = self._argument_value(node, bound.argument) is not None
            inner_page = bound.narrowed if narrowed else bound.maximum
        elif is_list_field(field):
            if isinstance(bound, Fixed):
                count = bound.maximum
            elif isinstance(bound, FeedRows) or is_connection_list(parent, name):
                count = page
            else:
                count = DEFAULT_PAGE_MAXIMUM  # undeclared: a test forbids this; be careful
        child = self.selection_set(get_named_type(field.type), node.selection_set, inner_page)
        return count * (1 + child)

    def _argument_value(self, node: FieldNode, name: str) -> Any:
        """The argument's value as written or through a variable; None when omitted or null."""
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            value_node = argument.value
            if isinstance(value_node, VariableNode):
                variable = value_node.name.value
                return self.variables.get(variable, self.variable_defaults.get(variable))
            if isinstance(value_node, IntValueNode):
                return int(value_node.value)
            if isinstance(value_node, NullValueNode):
                return None
            return value_node  # another literal: present, its value is not needed here
        return None

    def _page_size(self, node: FieldNode, bound: Page) -> int:
        value = self._argument_value(node, PAGE_ARGUMENT)
        if value is None:
            return bound.default
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= bound.maximum:
            # Invalid: the field's resolver refuses it (a local error, its siblings still
            # answer) before loading anything; the cost assumes the worst.
            return bound.maximum
        return value


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            name is None or (definition.name is not None and definition.name.value == name)
        ):
            return definition
    return None


def document_cost(
    schema: GraphQLSchema,
    bounds: ListBounds,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> int:
    """Objects the operation's answer can hold, at most (remembered per document)."""
    return remembered_cost(_document_cost, schema, bounds, document, operation_name, variables)


def _document_cost(
    schema: GraphQLSchema,
    bounds: ListBounds,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> int:
    operation = _operation(document, operation_name)
    if operation is None:
        return 0
    root = schema.get_root_type(operation.operation)
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    defaults: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        default = definition.default_value
        if isinstance(default, IntValueNode):
            defaults[definition.variable.name.value] = int(default.value)
    # A dict is only read (api.document_caches passes one that records the names read).
    values: Mapping[str, Any] = (
        variables
        if isinstance(variables, dict)
        else dict(variables)
        if isinstance(variables, Mapping)
        else {}
    )
    walker = _CostWalker(schema, bounds, fragments, values, defaults)
    return walker.selection_set(root, operation.selection_set, DEFAULT_PAGE_MAXIMUM)


def operation_count(document: DocumentNode) -> int:
    return sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)


class QueryCost(SchemaExtension):
    """Refuse documents over the cost budget, several operations without a name, and
    subscriptions over HTTP.

    Runs in `on_validate` after ValidationCache (which leaves its errors on the context):
    an error set here, before the validation step ends, stops the operation before
    execution, over HTTP and websockets alike. The cost is reported in `extensions`.
    """

    def __init__(self, *, bounds: ListBounds, budget: int) -> None:
        self.bounds = bounds
        self.budget = budget
        self.cost: int | None = None

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            if context.pre_execution_errors is None:
                context.pre_execution_errors = validate_document(
                    context.schema._schema, document, tuple(context.validation_rules)
                )
            if not context.pre_execution_errors:
                context.pre_execution_errors = self._check(document)
        yield

    def _check(self, document: DocumentNode) -> list[GraphQLError]:
        context = self.execution_context
        # The spec: several operations need `operationName` (Strawberry would run the first).
        provided = context._provided_operation_name
        if provided is None and operation_count(document) > 1:
            return [
                GraphQLError(
                    "Must provide operation name if query contains multiple operations.",
                    extensions={"code": "OPERATION_NAME_REQUIRED"},
                )
            ]
        if self._subscription_over_http(document, provided):
            return [
                GraphQLError(
                    "Subscriptions are served over websockets (graphql-transport-ws) "
                    "at /graphql, not over HTTP",
                    extensions={"code": "VALIDATION_ERROR"},
                )
            ]
        self.cost = document_cost(
            context.schema._schema, self.bounds, document, provided, context.variables
        )
        if self.cost > self.budget:
            return [
                GraphQLError(
                    f"Query cost {self.cost} exceeds the maximum of {self.budget}: ask for "
                    "fewer items (smaller `first`, fewer nested lists or aliases).",
                    extensions={
                        "code": "QUERY_TOO_COSTLY",
                        "cost": {"requested": self.cost, "maximum": self.budget},
                    },
                )
            ]
        return []

    def _subscription_over_http(self, document: DocumentNode, name: str | None) -> bool:
        # Over HTTP the subscription's generator became a null field: "Unexpected error.".
        operation = _operation(document, name)
        request = getattr(self.execution_context.context, "request", None)
        return (
            operation is not None
            and operation.operation is OperationType.SUBSCRIPTION
            and request is not None
            and not isinstance(request, WebSocket)
        )

    def get_results(self) -> dict[str, Any]:
        if self.cost is None:
            return {}
        return {"cost": {"requested": self.cost, "maximum": self.budget}}


# ---------------------------------------------------------------------------------------
# Depth: levels of fields, so max_depth=10 admits 10 levels and refuses 11.
# ---------------------------------------------------------------------------------------


def depth_limit_rule(max_depth: int) -> type[ValidationRule]:
    """A validation rule refusing operations nested deeper than `max_depth` field levels.

    Strawberry's QueryDepthLimiter counts edges below the root (`{ a { b } }` is 1), so
    max_depth=10 let 11 levels through. Introspection fields are not counted (GraphiQL's
    introspection query is deep); production turns introspection off.
    """

    class DepthLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            document = context.document
            fragments = {
                node.name.value: node
                for node in document.definitions
                if isinstance(node, FragmentDefinitionNode)
            }
            memo: dict[str, int] = {}

            def depth(selections: SelectionSetNode | None) -> int:
                deepest = 0
                for selection in selections.selections if selections else ():
                    if isinstance(selection, FieldNode):
                        if selection.name.value.startswith("__"):
                            level = 1
                        else:
                            level = 1 + depth(selection.selection_set)
                    elif isinstance(selection, InlineFragmentNode):
                        level = depth(selection.selection_set)
                    else:
                        assert isinstance(selection, FragmentSpreadNode)  # the third kind
                        level = spread(selection.name.value)
                    deepest = max(deepest, level)
                return deepest

            def spread(name: str) -> int:
                if name not in memo:
                    memo[name] = 0  # a cycle (another rule reports it) adds nothing
                    definition = fragments.get(name)
                    if definition is not None:
                        memo[name] = depth(definition.selection_set)
                return memo[name]

            for definition in document.definitions:
                if (
                    isinstance(definition, OperationDefinitionNode)
                    and depth(definition.selection_set) > max_depth
                ):
                    name = definition.name.value if definition.name else "anonymous"
                    context.report_error(
                        GraphQLError(
                            f"'{name}' exceeds maximum operation depth of {max_depth}",
                            definition,
                        )
                    )

    return DepthLimit


# ---------------------------------------------------------------------------------------
# Production: no suggestions, and parse errors answered the protocol's way.
# ---------------------------------------------------------------------------------------

# graphql-core appends " Did you mean 'x', 'y'?" (fields, arguments, enum values, types,
# input fields; also "to use an inline fragment on 'T'?"). Names never contain "?".
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def strip_suggestions(error: GraphQLError) -> None:
    if "Did you mean" in error.message:
        error.message = _SUGGESTION.sub("", error.message)


class SafeParserCache(ParserCache):
    """ParserCache whose parse errors take Strawberry's normal path.

    ParserCache raises from inside the parsing hook, which Strawberry's websocket handler
    does not expect (the client got a bare `complete`): on an error, leave the document
    unset so Strawberry parses again and reports the syntax error itself.
    """

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        try:
            context.graphql_document = self.cached_parse_document(
                context.query, **context.parse_options
            )
        except Exception:  # Strawberry parses again and reports it its own way
            context.graphql_document = None
        yield
