"""Compiled payloads of proven mutations: the order a mutation answers with, read back by
a plan instead of completed field by field.

A proven mutation (`api.front_door`) still ran its payload through graphql-core: every
field of the order it returns (its lines, their prices, the total...) completed one by one,
the lines and total through their DataLoaders' futures and tasks, about an eighth of a
placing's CPU. Where the payload selects an `Order` object (not in a list) with fields that
a query plan answers (`api.plans`), the door executes the document with that selection cut
down to the order's `databaseId`, and then reads the order with the plan of
`order(id:) { <the same selection> }`, in the mutation's own transaction before its commit:
it answers what the mutation wrote, with the fields and formats of a query (JSON built by
PostgreSQL where it can). A read-back the plan would refuse (`Abandon`: the caller may not
read the order) sends the request to the normal path, as a failed execution does.

Only simple documents are compiled: one operation, no named fragments, no directives (the
cut-down document and the query have the same meaning for every request).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    parse,
    print_ast,
    visit,
)
from graphql.execution.values import VariableValues, VariableValueSource
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.api import plan_sql
from restaurant_api.api.node import to_global_id
from restaurant_api.api.plans import Plan, PlanRegistry
from restaurant_api.db import RAW_STATEMENTS_KEY, driver_error, session_driver
from restaurant_api.raw_reads import RawConnection

# The object a payload reads back, and the Query field a plan reads it with.
READ_BACK_TYPE = "Order"
_KEY_FIELD = "databaseId"
_PROBE_ID = to_global_id(READ_BACK_TYPE, 1)  # any id: a plan compiles the same for all


@dataclass(frozen=True, slots=True)
class ReadBack:
    """One `Order` field of the payload: where its object sits in `data` (response keys,
    no list on the way), and the query whose plan reads it (`$id` its global id)."""

    path: tuple[str, ...]
    plan: Plan
    id_variable: Any  # the query's `$id` (graphql-core's signature of it)

    def variables(self, order_id: int) -> VariableValues:
        """The query's variables, as graphql-core coerces them (an ID given a string is
        that string), for the order of this id."""
        global_id = to_global_id(READ_BACK_TYPE, order_id)
        source = VariableValueSource(self.id_variable, global_id)
        return VariableValues({"id": source}, {"id": global_id})


@dataclass(frozen=True, slots=True)
class PayloadPlan:
    """What the door executes instead of the document, and what it reads back after."""

    executed: DocumentNode
    read_backs: tuple[ReadBack, ...]


def _simple(document: DocumentNode) -> bool:
    """One operation, no named fragment, no directive anywhere."""
    if len(document.definitions) != 1:
        return False
    if not isinstance(document.definitions[0], OperationDefinitionNode):
        return False
    found: list[Any] = []

    class _Directives(Visitor):
        def enter_directive(self, node: Any, *_args: Any) -> None:
            found.append(node)

    visit(document, _Directives())
    return not found


def _order_fields(
    schema: GraphQLSchema, document: DocumentNode
) -> list[tuple[tuple[str, ...], FieldNode]] | None:
    """Every outermost `Order` field (nullable or not, never a list) with its response path;
    None when a path is ambiguous (two fields at one path) or runs through a list."""
    type_info = TypeInfo(schema)
    found: list[tuple[tuple[str, ...], FieldNode]] = []
    keys: list[str] = []
    listed: list[bool] = []
    refused = False

    class _Fields(Visitor):
        def enter_field(self, node: FieldNode, *_args: Any) -> Any:
            nonlocal refused
            output = type_info.get_type()
            key = node.alias.value if node.alias else node.name.value
            unwrapped = output.of_type if isinstance(output, GraphQLNonNull) else output
            is_list = isinstance(unwrapped, GraphQLList)
            if isinstance(unwrapped, GraphQLObjectType) and unwrapped.name == READ_BACK_TYPE:
                path = (*keys, key)
                if any(listed) or any(path == other for other, _ in found):
                    refused = True
                found.append((path, node))
                return Visitor.SKIP  # its own fields are the plan's
            keys.append(key)
            listed.append(is_list)
            return None

        def leave_field(self, *_args: Any) -> None:
            keys.pop()
            listed.pop()

    visit(document, TypeInfoVisitor(type_info, _Fields()))
    return None if refused else found


def _cut_down(document: DocumentNode, nodes: Sequence[FieldNode]) -> DocumentNode:
    """The document with each of `nodes` selecting only the order's `databaseId`."""
    targets = {id(node) for node in nodes}
    key_only = SelectionSetNode(selections=(FieldNode(name=NameNode(value=_KEY_FIELD)),))

    class _Cut(Visitor):
        def enter_field(self, node: FieldNode, *_args: Any) -> Any:
            if id(node) not in targets:
                return None
            return FieldNode(
                alias=node.alias,
                name=node.name,
                arguments=node.arguments,
                directives=node.directives,
                selection_set=key_only,
                loc=node.loc,
            )

    cut: DocumentNode = visit(document, _Cut())
    return cut


def compile_payload(
    schema: GraphQLSchema, plans: PlanRegistry, document: DocumentNode, currency: str
) -> PayloadPlan | None:
    """The payload plan of a proven mutation document, or None: graphql-core completes it."""
    if not _simple(document):
        return None
    fields = _order_fields(schema, document)
    if not fields:
        return None
    read_backs: list[ReadBack] = []
    for path, node in fields:
        if node.selection_set is None:
            return None
        query = parse(f"query($id: ID!) {{ order(id: $id) {print_ast(node.selection_set)} }}")
        found = plans.plan_for(query, None, {"id": _PROBE_ID}, currency)
        if found is None:
            return None  # a field no plan answers (`check`...): the whole payload as today
        plan, probe = found
        read_backs.append(ReadBack(path, plan, probe.sources["id"].signature))
    return PayloadPlan(_cut_down(document, [node for _, node in fields]), tuple(read_backs))


async def read_back(payload: PayloadPlan, data: dict[str, Any], context: Any) -> None:
    """Put each read-back order into `data` (the cut-down document's answer) in place of
    its `databaseId`, read in the request's transaction. Raises `Abandon` where a plan
    would not answer (the door then hands the request to the normal path)."""
    session: AsyncSession = context.session
    for read in payload.read_backs:
        parent: Any = data
        for key in read.path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(parent, dict):
            continue  # another member of a union: no order on this path
        key = read.path[-1]
        value = parent.get(key)
        if not isinstance(value, dict):
            continue  # null, or absent
        variables = read.variables(value[_KEY_FIELD])
        plan = read.plan
        fetches = plan.fetches(variables, context)
        answer = await _answer(plan, fetches, variables, context, session)
        parent[key] = answer["order"]


async def _answer(
    plan: Any, fetches: Any, coerced: Any, context: Any, session: AsyncSession
) -> dict[str, Any]:
    connection = await session.connection()
    statements = session.info.get(RAW_STATEMENTS_KEY)
    if statements is not None:  # PostgreSQL: JSON built by PostgreSQL, on psycopg
        _, driver = await session_driver(session)
        try:
            text = await plan_sql.answer_data(plan, fetches, RawConnection(driver, statements))
        except psycopg.Error as error:  # as SQLAlchemy raises it (a lost database: 503)
            raise await driver_error(connection, driver, error, "read-back", None) from error
        if text is not None:
            answer: dict[str, Any] = orjson.loads(text)
            return answer

    async def given() -> AsyncConnection:
        return connection

    return await plan.run(coerced, context, given, fetches)
