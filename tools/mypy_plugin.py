"""mypy plugin: the names the schema helpers build are types, as they are for Strawberry.

`X = described_enum(SomeEnum, ...)` returns the enum class itself (Strawberry registers it
in place), and `X = result_union(name, Payload, ...)` returns `Annotated[Payload | <error
types>, strawberry.union(name)]`, and `X = connection_type(Node, ...)` a Strawberry
subclass of `Connection` over `Node`. These names are then used as annotations (`status: X`,
`-> X`), which mypy accepts only from an explicit alias: this plugin declares the alias,
to the enum, to `Payload | Error` (every error type of a result union is an `Error`), or to
`Connection[Node]`; `X = live_update_type(Row, ...)` likewise to `LiveUpdate[Row]`.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.nodes import (
    GDEF,
    AssignmentStmt,
    Expression,
    RefExpr,
    SymbolTableNode,
    TypeAlias,
    TypeInfo,
)
from mypy.plugin import DynamicClassDefContext, Plugin
from mypy.types import Instance, Type, UnionType

PACKAGE = "restaurant_api."
ERROR = "restaurant_api.api.graphql.Error"
CONNECTION = "restaurant_api.api.pagination.Connection"
LIVE_UPDATE = "restaurant_api.api.feeds.LiveUpdate"


def _instance(expression: Expression) -> Instance | None:
    if isinstance(expression, RefExpr) and isinstance(expression.node, TypeInfo):
        return Instance(expression.node, [])
    return None


def _declare_alias(ctx: DynamicClassDefContext, target: Type | None) -> None:
    if target is None:
        if not ctx.api.final_iteration:
            ctx.api.defer()  # a class not analysed yet: try again on the next pass
        return
    fullname = ctx.api.qualified_name(ctx.name)
    module = fullname.rpartition(".")[0]
    alias = TypeAlias(target, fullname, module, ctx.call.line, ctx.call.column)
    ctx.api.add_symbol_table_node(ctx.name, SymbolTableNode(GDEF, alias))
    # When mypy analyses the module again (a deferred name), the assignment must read as
    # this alias's own definition, not a second one. `statement` is the analyser's current
    # statement: not in the plugin interface, hence looked up defensively.
    statement = getattr(ctx.api, "statement", None)
    if isinstance(statement, AssignmentStmt) and statement.rvalue is ctx.call:
        statement.is_alias_def = True


def _enum_alias(ctx: DynamicClassDefContext) -> None:
    _declare_alias(ctx, _instance(ctx.call.args[0]))


def _type_info(ctx: DynamicClassDefContext, fullname: str) -> TypeInfo | None:
    symbol = ctx.api.lookup_fully_qualified_or_none(fullname)
    return symbol.node if symbol is not None and isinstance(symbol.node, TypeInfo) else None


def _result_alias(ctx: DynamicClassDefContext) -> None:
    payload = _instance(ctx.call.args[1])
    error = _type_info(ctx, ERROR)
    union = None if payload is None or error is None else UnionType([payload, Instance(error, [])])
    _declare_alias(ctx, union)


def _generic_alias(base: str) -> Callable[[DynamicClassDefContext], None]:
    """The hook of a helper building a subclass of `base` over its first argument."""

    def declare(ctx: DynamicClassDefContext) -> None:
        node = _instance(ctx.call.args[0])
        info = _type_info(ctx, base)
        _declare_alias(ctx, None if node is None or info is None else Instance(info, [node]))

    return declare


HOOKS: dict[str, Callable[[DynamicClassDefContext], None]] = {
    "described_enum": _enum_alias,
    "result_union": _result_alias,
    "connection_type": _generic_alias(CONNECTION),
    "live_update_type": _generic_alias(LIVE_UPDATE),
}


class SchemaHelpersPlugin(Plugin):
    def get_dynamic_class_hook(
        self, fullname: str
    ) -> Callable[[DynamicClassDefContext], None] | None:
        # By function name within the package: the helpers may move between its modules.
        if fullname.startswith(PACKAGE):
            return HOOKS.get(fullname.rpartition(".")[2])
        return None


def plugin(version: str) -> type[Plugin]:
    return SchemaHelpersPlugin
