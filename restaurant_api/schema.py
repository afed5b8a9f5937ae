"""Assembles the GraphQL schema from every domain's Query and Mutation types."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

import strawberry
from graphql import DocumentNode, ExecutionResult, GraphQLError, OperationType, get_operation_ast
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types.base import get_object_definition
from strawberry.utils.await_maybe import await_maybe

from restaurant_api.api import node as node_graphql
from restaurant_api.api.context import Context, EventContext
from restaurant_api.api.cost import QueryCost, SafeParserCache, depth_limit_rule, strip_suggestions
from restaurant_api.api.document_caches import DocumentValidationCache
from restaurant_api.api.extensions import (
    InputBounds,
    UnitOfWork,
    is_expected_error,
    root_field_names,
)
from restaurant_api.api.fanout import LiveExecutor
from restaurant_api.api.front_door import mutation_answered, plan_answered
from restaurant_api.api.graphql import ERROR_TYPES
from restaurant_api.api.input_conversion import plan_input_types
from restaurant_api.api.mutations import SELF_MANAGED_MUTATIONS
from restaurant_api.api.plan_specs import Abandon
from restaurant_api.api.plans import Plan, PlanRegistry
from restaurant_api.api.scalars import SCALARS
from restaurant_api.config import Settings
from restaurant_api.graphql_bounds import list_bounds
from restaurant_api.kitchen import (
    alerts_subscriptions,
    all_day_graphql,
    all_day_subscriptions,
    bumps_mutations,
    courses_mutations,
    expo_graphql,
    stations_graphql,
    stations_mutations,
)
from restaurant_api.kitchen import graphql as kitchen_graphql
from restaurant_api.kitchen import metrics_graphql as kitchen_metrics_graphql
from restaurant_api.kitchen import plans as kitchen_plans
from restaurant_api.kitchen import subscriptions as kitchen_subscriptions
from restaurant_api.menu import graphql as menu_graphql
from restaurant_api.menu import mutations as menu_mutations
from restaurant_api.menu import plans as menu_plans
from restaurant_api.orders import adjustments_mutations
from restaurant_api.orders import graphql as orders_graphql
from restaurant_api.orders import mutations as orders_mutations
from restaurant_api.orders import plans as orders_plans
from restaurant_api.orders import subscriptions as orders_subscriptions
from restaurant_api.payments import mutations as payments_mutations
from restaurant_api.payments import (
    receipts_graphql,
    refunds_graphql,
    refunds_mutations,
    reports_graphql,
)
from restaurant_api.pricing import graphql as pricing_graphql
from restaurant_api.pricing import mutations as pricing_mutations
from restaurant_api.tables import graphql as tables_graphql
from restaurant_api.tables import mutations as tables_mutations
from restaurant_api.tables import plans as tables_plans
from restaurant_api.tables import subscriptions as tables_subscriptions
from restaurant_api.users import graphql as users_graphql
from restaurant_api.users import mutations as users_mutations

logger = logging.getLogger(__name__)

Query = merge_types(
    "Query",
    (
        node_graphql.Query,
        users_graphql.Query,
        menu_graphql.Query,
        tables_graphql.Query,
        orders_graphql.Query,
        orders_mutations.QuoteQuery,
        kitchen_graphql.Query,
        kitchen_metrics_graphql.Query,
        expo_graphql.Query,
        all_day_graphql.Query,
        stations_graphql.Query,
        pricing_graphql.Query,
        refunds_graphql.Query,
        reports_graphql.Query,
        receipts_graphql.Query,
    ),
)
get_object_definition(Query, strict=True).description = "Read the restaurant's state."
Mutation = merge_types(
    "Mutation",
    (
        users_mutations.Mutation,
        menu_graphql.Mutation,
        menu_mutations.Mutation,
        orders_mutations.Mutation,
        adjustments_mutations.Mutation,
        kitchen_graphql.Mutation,
        bumps_mutations.Mutation,
        expo_graphql.Mutation,
        stations_mutations.Mutation,
        courses_mutations.Mutation,
        tables_mutations.Mutation,
        pricing_mutations.Mutation,
        refunds_mutations.Mutation,
        reports_graphql.Mutation,
        payments_mutations.Mutation,
    ),
)
get_object_definition(Mutation, strict=True).description = (
    "Change the restaurant's state. Every mutation returns a union of its payload and "
    "typed errors (`... on Error { code message }`)."
)
Subscription = merge_types(
    "Subscription",
    (
        kitchen_subscriptions.Subscription,
        alerts_subscriptions.Subscription,
        all_day_subscriptions.Subscription,
        tables_subscriptions.Subscription,
        orders_subscriptions.Subscription,
    ),
)
get_object_definition(Subscription, strict=True).description = (
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
    # Compiled plans for hot query documents (None: graphql-core's executor runs everything).
    plans: PlanRegistry | None = None

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        if self.hide_suggestions:
            for error in errors:
                strip_suggestions(error)
        unexpected = [error for error in errors if not is_expected_error(error)]
        super().process_errors(unexpected, execution_context)

    def _get_execute_function(self) -> Callable[..., Any]:
        """graphql-core's `execute`, preceded by the document's compiled plan when it has one.

        Runs inside Strawberry's execution step: parsing, validation, the cost check and
        every extension happen as for any document; only the field execution differs.
        """
        normal = super()._get_execute_function()

        def execute(schema: Any, document: DocumentNode, *args: Any, **kwargs: Any) -> Any:
            plans = self.plans
            context = kwargs.get("context_value")
            middleware = kwargs.get("middleware")
            if (
                plans is None
                or not isinstance(context, Context)
                or isinstance(context, EventContext)  # live updates: their own sessions
                or (middleware is not None and getattr(middleware, "middlewares", None))
            ):
                return normal(schema, document, *args, **kwargs)
            operation_name = kwargs.get("operation_name")
            if _door_runs_mutations(document, operation_name):
                return _watch_mutation(document, normal(schema, document, *args, **kwargs))
            found = plans.plan_for(
                document, operation_name, kwargs.get("variable_values"), context.settings.currency
            )
            if found is None:
                return normal(schema, document, *args, **kwargs)
            plan, variables = found
            return _run_plan(
                plans,
                plan,
                variables,
                context,
                document,
                lambda: normal(schema, document, *args, **kwargs),
            )

        return execute

    async def execute_proven(
        self,
        document: DocumentNode,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        context: Context,
    ) -> ExecutionResult:
        """graphql-core's execution of a document Strawberry's pipeline has already run (the
        front door's proven mutations): the same call as Strawberry's execution step,
        without the steps that depend only on the document (parsing, validation)."""
        result = super()._get_execute_function()(
            self._schema,
            document,
            root_value=None,
            variable_values=variables,
            operation_name=operation_name,
            context_value=context,
            is_awaitable=optimized_is_awaitable,
            executor_class=self.execution_context_class,
            operation_extensions=None,
        )
        return cast("ExecutionResult", await await_maybe(result))


def _door_runs_mutations(document: DocumentNode, operation_name: str | None) -> bool:
    """A mutation the front door may run once proven: not one of the self-managed ones
    (they keep no transaction and read the client's address from the request)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation is not OperationType.MUTATION:
        return False
    names = root_field_names(document, operation_name)
    return bool(names) and not names & SELF_MANAGED_MUTATIONS


async def _watch_mutation(document: DocumentNode, running: Any) -> Any:
    result = await await_maybe(running)
    if isinstance(result, ExecutionResult) and not result.errors:
        mutation_answered(document)  # the front door may run this document from now on
    return result


async def _run_plan(
    plans: PlanRegistry,
    plan: Plan,
    variables: Any,
    context: Context,
    document: DocumentNode,
    fallback: Callable[[], Any],
) -> ExecutionResult:
    """The plan's answer; when it would answer an error, the executor's instead."""
    try:
        async with context.use_session() as session:
            data = await plan.run(variables, context, session.connection)
    except Abandon:
        plans.abandoned += 1
        return await await_maybe(fallback())
    except Exception:
        # A value no spec expected: the executor answers (and reports) it its own way.
        logger.warning("compiled plan failed; running the executor", exc_info=True)
        plans.abandoned += 1
        return await await_maybe(fallback())
    plans.answered += 1
    plan_answered(document)  # the front door may run this document's plan from now on
    return ExecutionResult(data=data)


def build_plans(schema: strawberry.Schema) -> PlanRegistry:
    plans = PlanRegistry(schema._schema)
    plans.add(menu_plans.TYPES, menu_plans.ROOTS)
    plans.add(kitchen_plans.TYPES, {})
    plans.add(tables_plans.TYPES, tables_plans.ROOTS)
    plans.add(orders_plans.TYPES, orders_plans.ROOTS)
    return plans


def build_schema(settings: Settings) -> RestaurantSchema:
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
        DocumentValidationCache,
        # After the validation cache: it checks a valid document before execution starts.
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
    # Every input type of this schema is planned (tests/api/test_input_conversion.py checks it).
    plan_input_types(schema)
    if settings.graphql_compiled_plans:
        schema.plans = build_plans(schema)
    return schema
