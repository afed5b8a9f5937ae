"""Assembles the GraphQL schema from every domain's Query and Mutation types."""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from restaurant_api.api import node as node_graphql
from restaurant_api.api.cost import QueryCost, SafeParserCache, depth_limit_rule, strip_suggestions
from restaurant_api.api.fanout import LiveExecutor
from restaurant_api.api.graphql import ERROR_TYPES, InputBounds, UnitOfWork, is_expected_error
from restaurant_api.api.scalars import SCALARS
from restaurant_api.config import Settings
from restaurant_api.graphql_bounds import list_bounds
from restaurant_api.kitchen import graphql as kitchen_graphql
from restaurant_api.kitchen import subscriptions as kitchen_subscriptions
from restaurant_api.menu import graphql as menu_graphql
from restaurant_api.orders import graphql as orders_graphql
from restaurant_api.orders import mutations as orders_mutations
from restaurant_api.orders import subscriptions as orders_subscriptions
from restaurant_api.tables import graphql as tables_graphql
from restaurant_api.tables import mutations as tables_mutations
from restaurant_api.tables import subscriptions as tables_subscriptions
from restaurant_api.users import graphql as users_graphql

Query = merge_types(
    "Query",
    (
        node_graphql.Query,
        users_graphql.Query,
        menu_graphql.Query,
        tables_graphql.Query,
        orders_graphql.Query,
        kitchen_graphql.Query,
    ),
)
Query.__strawberry_definition__.description = "Read the restaurant's state."  # type: ignore[attr-defined]
Mutation = merge_types(
    "Mutation",
    (
        users_graphql.Mutation,
        menu_graphql.Mutation,
        orders_mutations.Mutation,
        kitchen_graphql.Mutation,
        tables_mutations.Mutation,
    ),
)
Mutation.__strawberry_definition__.description = (  # type: ignore[attr-defined]
    "Change the restaurant's state. Every mutation returns a union of its payload and "
    "typed errors (`... on Error { code message }`)."
)
Subscription = merge_types(
    "Subscription",
    (
        kitchen_subscriptions.Subscription,
        tables_subscriptions.Subscription,
        orders_subscriptions.Subscription,
    ),
)
Subscription.__strawberry_definition__.description = (  # type: ignore[attr-defined]
    "Live updates over websockets (graphql-transport-ws). Each subscription sends a "
    "SNAPSHOT of the current state first, then CHANGES as they are committed."
)


class ErrorMask(MaskErrors):
    """MaskErrors, with the check for errors first: Strawberry's own test is an isinstance
    against a runtime Protocol (tens of microseconds), paid per query and per live message
    (200 times per change for 200 subscribers), though results without errors are the rule."""

    def _process_result(self, result: object) -> None:
        if getattr(result, "errors", None):
            super()._process_result(result)


class RestaurantSchema(strawberry.Schema):
    """Logs only unexpected errors: domain, validation and permission errors are answers.

    In production no error suggests names ("Did you mean ...") of fields, arguments, enum
    values, input fields or types: every error passes here before it is sent.
    """

    hide_suggestions = False

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        if self.hide_suggestions:
            for error in errors:
                strip_suggestions(error)
        unexpected = [error for error in errors if not is_expected_error(error)]
        super().process_errors(unexpected, execution_context)


def build_schema(settings: Settings) -> strawberry.Schema:
    # Build the limit rules once: the validation cache is keyed by the rule classes, and
    # QueryDepthLimiter makes a new class per instance (a per-request one never hits).
    limit_rules = [
        depth_limit_rule(settings.graphql_max_depth),
        *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules,
    ]
    bounds = list_bounds(settings)
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        InputBounds,  # first: an oversized input list is refused before the write turn
        UnitOfWork,
        lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        lambda: SafeParserCache(maxsize=512),
        lambda: AddValidationRules(limit_rules),
        lambda: ValidationCache(maxsize=512),
        # After ValidationCache: it checks a valid document before execution starts.
        lambda: QueryCost(bounds=bounds, budget=settings.graphql_max_cost),
        lambda: ErrorMask(should_mask_error=lambda error: not is_expected_error(error)),
    ]
    if settings.is_production:
        extensions.append(DisableIntrospection)
    schema = RestaurantSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=list(ERROR_TYPES),
        extensions=extensions,
        # Executes a subscription change once per group of subscribers (api/fanout.py).
        execution_context_class=LiveExecutor,
        config=StrawberryConfig(
            disable_field_suggestions=settings.is_production, scalar_map=SCALARS
        ),
    )
    schema.hide_suggestions = settings.is_production
    return schema
