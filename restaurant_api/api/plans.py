"""Compiled execution plans for hot GraphQL query documents (in the spirit of graphql-jit).

graphql-core's executor and Strawberry's per-field wrappers cost several microseconds per
field; a page of nested orders has thousands. A plan is compiled once per document text,
operation and @skip/@include outcome: a tree of functions that read plain rows (SQLAlchemy
Core, no ORM instances), one query per relation per level for all parents (the batching of
the DataLoaders), and build the response dicts directly.

Each domain declares its types next to its read model (`<domain>/plans.py`, with the
building blocks of `api.plan_specs`); one generated function builds each selection. A document
with any field no spec knows runs through the normal executor, and so does any request a
plan would answer with an error (`Abandon`: permission, bad argument, bad cursor...), so
error shapes never differ.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLIncludeDirective,
    GraphQLInterfaceType,
    GraphQLSchema,
    GraphQLSkipDirective,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    Visitor,
    visit,
)
from graphql.execution.values import get_argument_values, get_directive_values, get_variable_values
from sqlalchemy.ext.asyncio import AsyncConnection

from restaurant_api.api import sql_json
from restaurant_api.api.plan_rows import load_objects
from restaurant_api.api.plan_specs import (
    MONEY,
    PAGE_INFO,
    Abandon,
    Fetch,
    Inline,
    Leaf,
    ObjectSpec,
    Related,
    RootField,
)
from restaurant_api.errors import DomainError

Row = list[Any]


@dataclass
class ObjectField:
    spec: Inline | Related
    node: PlanNode
    indexes: tuple[int, ...] = ()  # Inline: the values it derives from; Related: the key


@dataclass
class PlanNode:
    """One selection on one object type: what it nests, and the function building it."""

    spec: ObjectSpec
    objects: list[ObjectField] = field(default_factory=list)
    build: Callable[[Row], dict[str, Any]] = dict
    # The response keys in order, each with its leaf, its object, or its type name
    # (`__typename`): what `api.plan_sql` builds the same answer from.
    selection: list[tuple[str, Leaf | ObjectField | str]] = field(default_factory=list)

    @property
    def width(self) -> int:
        """Values in a row before the attached objects."""
        return len(self.spec.layout)


class _Source:
    """The source of one object's build function: `{key: expression, ...}` over `row`.

    One generated function per selection (graphql-jit's approach) instead of a call per
    field: plain columns are `row[i]`, everything else calls a named value of `names`.
    """

    def __init__(self) -> None:
        self.items: list[str] = []
        self.names: dict[str, Any] = {}

    def name(self, value: Any) -> str:
        name = f"_v{len(self.names)}"
        self.names[name] = value
        return name

    def add(self, key: str, expression: str) -> None:
        self.items.append(f"{key!r}: {expression}")

    def function(self) -> Callable[[Row], dict[str, Any]]:
        code = "lambda row: {" + ", ".join(self.items) + "}"
        # Only GraphQL names (validated), generated names and integers reach the source.
        return eval(code, dict(self.names))


@dataclass
class _Root:
    key: str
    spec: RootField
    node: PlanNode | None  # None: only __typename... never; kept for clarity of types
    field_def: Any
    field_node: FieldNode
    # The field's arguments once coerced, when they are literals only (the same for every
    # request of the document; none of a variable's).
    fixed_arguments: Mapping[str, Any] | None = None
    # Whether the arguments read a variable: a visit of the node, once per plan.
    variable_arguments: bool = field(init=False)

    def __post_init__(self) -> None:
        self.variable_arguments = _uses_variables(self.field_node)

    def arguments(self, variables: Any) -> Mapping[str, Any]:
        if self.fixed_arguments is not None:
            return self.fixed_arguments
        arguments = get_argument_values(self.field_def, self.field_node, variables)
        if not self.variable_arguments:
            self.fixed_arguments = MappingProxyType(arguments)
        return arguments


def _uses_variables(node: Any) -> bool:
    found: list[Any] = []

    class _Variables(Visitor):
        def enter_variable(self, variable: Any, *_args: Any) -> None:
            found.append(variable)

    visit(node, _Variables())
    return bool(found)


class _SharedBuild:
    """The build of a one-object relation (an order line's `menuItem`, an order's `table`):
    every parent with the same key holds the same attached row, so its object is built once
    per answer and shared (the JSON is the same either way). Emptied around each answer's
    build, which runs without awaiting (no other request's rows can interleave)."""

    __slots__ = ("build", "built")

    def __init__(self, build: Callable[[Row], dict[str, Any]]) -> None:
        self.build = build
        self.built: dict[int, tuple[Row, dict[str, Any]]] = {}

    def __call__(self, row: Row) -> dict[str, Any]:
        found = self.built.get(id(row))
        if found is not None and found[0] is row:
            return found[1]
        value = self.build(row)
        self.built[id(row)] = (row, value)
        return value


@dataclass
class Plan:
    roots: list[tuple[str, _Root | None]]  # None: the root's __typename
    currency: str
    shared: list[_SharedBuild] = field(default_factory=list)
    # api.plan_sql's statements, by the roots' statements (None: built in Python).
    sql: dict[tuple[int, ...], Any] = field(default_factory=dict)

    def _clear_shared(self) -> None:
        for build in self.shared:
            build.built.clear()

    def fetches(self, variables: Any, context: Any) -> list[Fetch | None]:
        """What reads each root (None: `__typename`), once every check passed (`Abandon`:
        the executor answers)."""
        fetches: list[Fetch | None] = []
        for _, root in self.roots:
            if root is None:
                fetches.append(None)
                continue
            try:
                # A literal a scalar refuses is the executor's field error to report.
                fetches.append(root.spec.prepare(root.arguments(variables), context))
            except (DomainError, GraphQLError) as error:
                raise Abandon from error
        return fetches

    async def run(
        self,
        variables: Any,
        context: Any,
        connection: Callable[[], Awaitable[AsyncConnection]],
        fetches: list[Fetch | None] | None = None,
    ) -> dict[str, Any]:
        if fetches is None:
            fetches = self.fetches(variables, context)
        conn = await connection()
        data: dict[str, Any] = {}
        for (key, root), fetch in zip(self.roots, fetches, strict=True):
            if root is None or fetch is None:
                data[key] = "Query"
                continue
            value = await fetch(conn)
            assert root.node is not None
            rows = value if root.spec.many else ([] if value is None else [value])
            await load_objects(root.node, rows, conn)
            build = root.node.build
            self._clear_shared()
            try:
                if root.spec.many:
                    data[key] = [build(row) for row in value]
                else:
                    data[key] = None if value is None else build(value)
            finally:
                self._clear_shared()
        return data


class _Compiler:
    def __init__(
        self,
        registry: PlanRegistry,
        document: DocumentNode,
        variables: Any,
        currency: str,
    ) -> None:
        self.registry = registry
        self.schema = registry.schema
        self.variables = variables
        self.currency = currency
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.shared: list[_SharedBuild] = []

    def included(self, node: Any) -> bool:
        if not node.directives:
            return True
        for directive in node.directives:
            if directive.name.value not in ("skip", "include"):
                raise Abandon  # another directive: the executor knows what it means
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include and include.get("if") is False)

    def applies(self, condition: Any, type_name: str) -> bool:
        if condition is None or condition.name.value == type_name:
            return True
        abstract = self.schema.get_type(condition.name.value)
        concrete = self.schema.get_type(type_name)
        # A fragment on another object type never applies (only interfaces and unions have
        # subtypes); the executor decides the same.
        return (
            isinstance(abstract, (GraphQLInterfaceType, GraphQLUnionType))
            and concrete is not None
            and self.schema.is_sub_type(abstract, concrete)
        )

    def collect(
        self, type_name: str, selection_sets: list[SelectionSetNode], seen: set[str] | None = None
    ) -> dict[str, list[FieldNode]]:
        """graphql-core's CollectFields for one known object type, in response order."""
        fields: dict[str, list[FieldNode]] = {}
        seen = set() if seen is None else seen
        for selection_set in selection_sets:
            for selection in selection_set.selections:
                if not self.included(selection):
                    continue
                if isinstance(selection, FieldNode):
                    key = selection.alias.value if selection.alias else selection.name.value
                    fields.setdefault(key, []).append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    if self.applies(selection.type_condition, type_name):
                        nested = self.collect(type_name, [selection.selection_set], seen)
                        for key, nodes in nested.items():
                            fields.setdefault(key, []).extend(nodes)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.fragments.get(name)
                    if name in seen or fragment is None:
                        continue
                    seen.add(name)
                    if self.applies(fragment.type_condition, type_name):
                        nested = self.collect(type_name, [fragment.selection_set], seen)
                        for key, nodes in nested.items():
                            fields.setdefault(key, []).extend(nodes)
        return fields

    def object_node(self, type_name: str, nodes: list[FieldNode]) -> PlanNode:
        spec = self.registry.types.get(type_name)
        if spec is None:
            raise Abandon
        positions = {name: index for index, name in enumerate(spec.layout)}
        plan = PlanNode(spec)
        source = _Source()
        selection_sets = [n.selection_set for n in nodes if n.selection_set is not None]
        for key, field_nodes in self.collect(type_name, selection_sets).items():
            name = field_nodes[0].name.value
            if name == "__typename":
                source.add(key, repr(type_name))
                plan.selection.append((key, type_name))
                continue
            field_spec = spec.fields.get(name)
            if field_spec is None or field_nodes[0].arguments:
                raise Abandon  # not ported (fields with arguments are not, yet)
            if isinstance(field_spec, Leaf):
                source.add(key, self.leaf(field_spec, positions, source))
                plan.selection.append((key, field_spec))
                continue
            child = self.object_node(field_spec.type_name, field_nodes)
            if isinstance(field_spec, Inline):
                indexes = tuple(positions[c] for c in field_spec.columns)
            else:
                indexes = (positions[field_spec.parent_column],)
            slot = plan.width + len(plan.objects)
            plan.objects.append(ObjectField(field_spec, child, indexes))
            plan.selection.append((key, plan.objects[-1]))
            child_build: Callable[[Row], dict[str, Any]] = child.build
            if isinstance(field_spec, Related) and not field_spec.many:
                shared = _SharedBuild(child_build)
                self.shared.append(shared)
                child_build = shared
            build = source.name(child_build)
            if field_spec.many:
                source.add(key, f"[{build}(item) for item in row[{slot}]]")
            else:
                source.add(key, f"(None if row[{slot}] is None else {build}(row[{slot}]))")
        plan.build = source.function()
        return plan

    def leaf(self, spec: Leaf, positions: Mapping[str, int], source: _Source) -> str:
        """The expression of a leaf's value."""
        values = [f"row[{positions[column]}]" for column in spec.columns]
        if spec.render is None:
            (value,) = values
            return value
        render = sql_json.python(spec.render)
        if spec.currency:
            if not values:
                return source.name(render(self.currency))
            values.append(source.name(self.currency))
        return f"{source.name(render)}({', '.join(values)})"

    def plan(self, operation: OperationDefinitionNode) -> Plan:
        query_type = self.schema.query_type
        assert query_type is not None
        roots: list[tuple[str, _Root | None]] = []
        for key, nodes in self.collect("Query", [operation.selection_set]).items():
            name = nodes[0].name.value
            if name == "__typename":
                roots.append((key, None))
                continue
            spec = self.registry.roots.get(name)
            if spec is None:
                raise Abandon
            node = self.object_node(spec.type_name, nodes)
            roots.append((key, _Root(key, spec, node, query_type.fields[name], nodes[0])))
        return Plan(roots, self.currency, self.shared)


def _directive_variables(document: DocumentNode) -> tuple[str, ...]:
    """Variables some @skip/@include reads: the plan depends on their values."""
    names: list[str] = []

    class _Directives(Visitor):
        def enter_directive(self, node: Any, *_args: Any) -> None:
            for argument in node.arguments or ():
                if isinstance(argument.value, VariableNode):
                    names.append(argument.value.name.value)

    visit(document, _Directives())
    return tuple(sorted(set(names)))


@dataclass
class _Document:
    operation: OperationDefinitionNode | None  # None: never planned (not a query...)
    directive_variables: tuple[str, ...] = ()
    plans: dict[tuple[Any, ...], Plan | None] = field(default_factory=dict)


class PlanRegistry:
    """Every domain's specs, and the compiled plans (bounded LRU per document text)."""

    def __init__(self, schema: GraphQLSchema, *, maxsize: int = 256) -> None:
        self.schema = schema
        self.types: dict[str, ObjectSpec] = {MONEY.name: MONEY, PAGE_INFO.name: PAGE_INFO}
        self.roots: dict[str, RootField] = {}
        self.maxsize = maxsize
        # Requests answered by a plan, and those handed back to the executor.
        self.answered = 0
        self.abandoned = 0
        self._documents: OrderedDict[tuple[str, str | None], _Document] = OrderedDict()

    def add(self, types: Sequence[ObjectSpec], roots: Mapping[str, RootField]) -> None:
        self.types.update({spec.name: spec for spec in types})
        self.roots.update(roots)

    def _document(self, document: DocumentNode, operation_name: str | None) -> _Document | None:
        source = document.loc.source.body if document.loc is not None else None
        if source is None:
            return None
        key = (source, operation_name)
        entry = self._documents.get(key)
        if entry is not None:
            self._documents.move_to_end(key)
            return entry
        operations = [
            d
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
            and (operation_name is None or (d.name is not None and d.name.value == operation_name))
        ]
        operation = operations[0] if len(operations) == 1 else None
        if operation is not None and operation.operation is not OperationType.QUERY:
            operation = None
        entry = _Document(operation, _directive_variables(document) if operation else ())
        self._documents[key] = entry
        if len(self._documents) > self.maxsize:
            self._documents.popitem(last=False)
        return entry

    def plan_for(
        self,
        document: DocumentNode,
        operation_name: str | None,
        raw_variables: dict[str, Any] | None,
        currency: str,
    ) -> tuple[Plan, Any] | None:
        """The plan of this request and its coerced variables, or None: use the executor."""
        entry = self._document(document, operation_name)
        if entry is None or entry.operation is None:
            return None
        variables = get_variable_values(
            self.schema, entry.operation.variable_definitions or (), raw_variables or {}
        )
        if isinstance(variables, list):
            return None  # the executor reports the variables' errors
        coerced = variables.coerced
        key = (currency, *(coerced.get(name) for name in entry.directive_variables))
        if key not in entry.plans:
            try:
                compiled: Plan | None = _Compiler(self, document, variables, currency).plan(
                    entry.operation
                )
            except Abandon:
                compiled = None
            if len(entry.plans) >= 16:  # bounded: directive values are few in practice
                entry.plans.clear()
            entry.plans[key] = compiled
        plan = entry.plans[key]
        return None if plan is None else (plan, variables)
