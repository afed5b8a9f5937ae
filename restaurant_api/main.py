"""The ASGI application: REST routers, the GraphQL endpoint, health checks."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.trustedhost import TrustedHostMiddleware
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import DataError, DBAPIError
from starlette.requests import HTTPConnection
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from restaurant_api import __version__, events, security
from restaurant_api import generations as generations_module
from restaurant_api.api.edge import HardenedFastAPI, validation_error_handler
from restaurant_api.api.front_door import FrontDoorMiddleware, PlanDoor
from restaurant_api.api.graphql import Context
from restaurant_api.api.live import LiveGraphQLRouter, evict_on_events, live_router
from restaurant_api.api.playground import assets_router
from restaurant_api.api.response_cache import Authenticate, ResponseCache, field_policies
from restaurant_api.api.rest import install_error_handlers
from restaurant_api.config import Settings, get_settings
from restaurant_api.db import Database
from restaurant_api.errors import DomainError, camel_case
from restaurant_api.graphql_bounds import list_bounds
from restaurant_api.kitchen.rest import router as kitchen_router
from restaurant_api.kitchen.watch import KitchenWatch, kitchen_sweeps
from restaurant_api.menu.rest import hot_reads as menu_hot_reads
from restaurant_api.menu.rest import router as menu_router
from restaurant_api.orders.rest import hot_reads as orders_hot_reads
from restaurant_api.orders.rest import router as orders_router
from restaurant_api.payments.receipts_rest import router as receipts_router
from restaurant_api.payments.reports_rest import router as reports_router
from restaurant_api.payments.rest import router as payments_router
from restaurant_api.schema import RestaurantSchema, build_schema
from restaurant_api.tables.rest import router as tables_router
from restaurant_api.users import service as users_service
from restaurant_api.users.models import User
from restaurant_api.users.rest import router as users_router

logger = logging.getLogger("restaurant_api")


def operation_id(route: APIRoute) -> str:
    """Short, stable OpenAPI operationIds from the route's function name: `mergeTables`."""
    return camel_case(route.name)


def _token_authenticator(settings: Settings, db: Database) -> Authenticate:
    async def authenticate(token: str) -> tuple[User, security.AccessClaims] | None:
        try:
            return await users_service.caller_of_token(db, token, settings)
        except DomainError:
            return None

    return authenticate


def _graphql_router(
    settings: Settings,
    db: Database,
    bus: events.EventBus,
    generations: generations_module.Generations,
) -> LiveGraphQLRouter:
    async def get_context(connection: HTTPConnection) -> Context:
        # The user is read later (LiveGraphQLRouter.run): a cached public answer needs none.
        # Websockets authenticate from `connection_init` (LiveGraphQLRouter.on_ws_connect).
        token = security.bearer_token(connection.headers.get("authorization"))
        return Context(db=db, settings=settings, user=None, events=bus, bearer_token=token)

    schema = build_schema(settings)
    cache = None
    if settings.response_cache:
        cache = ResponseCache(
            generations,
            field_policies(schema),
            max_entries=settings.response_cache_max_entries,
            max_bytes=settings.response_cache_max_bytes,
            graphql_max_tokens=settings.graphql_max_tokens,
        )
    return live_router(
        schema,
        response_cache=cache,
        context_getter=get_context,
        keepalive_seconds=settings.subscription_keepalive_seconds,
        graphql_ide=None if settings.is_production else "graphiql",
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        allowed_origins=settings.cors_origins,
        connection_init_wait_timeout=timedelta(seconds=settings.websocket_init_timeout_seconds),
        max_subscriptions_per_connection=settings.websocket_max_subscriptions,
    )


def _freeze_startup_objects() -> None:
    """Keep what startup loaded (modules, the schema, the app: about 250k objects, alive
    until exit) out of the cyclic collector's full passes. Each full pass walked them all,
    stalling every live subscriber of the process at once (the fan-out's p99). Once per
    process: frozen objects are never collected."""
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()


@dataclass(frozen=True)
class _Backends:
    """What the app serves from: the database, the event bus, the cache generations and
    the GraphQL router (with its response cache, if on)."""

    db: Database
    bus: events.EventBus
    generations: generations_module.Generations
    graphql_router: LiveGraphQLRouter


def _backends(settings: Settings) -> _Backends:
    db = Database(
        settings.database_url,
        pool_size=settings.database_pool_size,
        echo=settings.database_echo,
        raw_reads=settings.raw_reads,
    )
    # Live updates: sessions of `db` publish to this bus (see restaurant_api.events).
    bus = events.create_bus(settings.database_url, queue_size=settings.subscription_queue_size)
    events.attach(db, bus)
    # Every committed write bumps the generations of what it changed (response cache).
    generations = generations_module.create_generations(settings.database_url)
    generations_module.attach(db, generations)
    return _Backends(db, bus, generations, _graphql_router(settings, db, bus, generations))


def _lifespan(
    backends: _Backends, settings: Settings
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    bus, cache = backends.bus, backends.graphql_router.response_cache

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Started here so the first subscriber does not wait; it also starts on first use.
        await bus.start(wait=False)
        _freeze_startup_objects()
        evictions = None
        if cache is not None:
            evictions = asyncio.create_task(evict_on_events(cache, bus))
        # Late tickets (and, when configured, courses due to fire) are found by every process.
        watch = None
        if settings.kitchen_watch_seconds > 0:
            watch = KitchenWatch(
                backends.db,
                interval=settings.kitchen_watch_seconds,
                sweeps=kitchen_sweeps(settings),
            )
            watch.start()
        yield
        if watch is not None:
            await watch.stop()
        if evictions is not None:
            evictions.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await evictions
        await bus.stop()
        await backends.generations.close()
        await backends.db.dispose()

    return lifespan


def _application(settings: Settings, backends: _Backends) -> HardenedFastAPI:
    docs = settings.docs_enabled
    app = HardenedFastAPI(
        title="restaurant_api",
        version=__version__,
        description=(
            "Restaurant operations API. GraphQL at `/graphql` is the primary interface; "
            "these REST endpoints keep existing clients working."
        ),
        lifespan=_lifespan(backends, settings),
        telemetry={
            "tracing": settings.opentelemetry,
            "metrics": settings.opentelemetry,
            "logs": settings.opentelemetry,
        },
        # Production publishes no API description unless API_DOCS_ENABLED=true.
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
        # Starlette's redirect is built from the Host header: serve both spellings instead.
        redirect_slashes=False,
        generate_unique_id_function=operation_id,
    )
    app.edge_hsts_seconds = settings.hsts_seconds if settings.is_production else None
    # The edge bounds bodies and refuses hostile JSON (deep, lone surrogates, absurd numbers).
    app.edge_max_body_bytes = settings.max_body_bytes
    app.state.settings = settings
    app.state.db = backends.db
    app.state.events = backends.bus
    app.state.generations = backends.generations
    app.state.response_cache = backends.graphql_router.response_cache
    app.state.plan_door = _plan_door(settings, backends)
    return app


def _plan_door(settings: Settings, backends: _Backends) -> PlanDoor | None:
    """Compiled plans run before routing once proven (api/front_door.py), if plans are on."""
    schema = backends.graphql_router.schema
    if not isinstance(schema, RestaurantSchema) or schema.plans is None:
        return None
    # Proven mutations run graphql-core's executor without Strawberry's extensions, which
    # changes nothing only while no extension hooks into the resolvers (a `resolve`).
    hooked = any(extension._implements_resolve() for extension in schema.get_extensions())
    return PlanDoor(
        schema.plans,
        schema._schema,
        db=backends.db,
        settings=settings,
        bounds=list_bounds(settings),
        events=backends.bus,
        execute_proven=None if hooked else schema.execute_proven,
    )


def _add_middleware(app: FastAPI, settings: Settings, backends: _Backends) -> None:
    """Inside the edge (api/edge.py), outermost last: host check, CORS, response cache."""
    cache = backends.graphql_router.response_cache
    door = app.state.plan_door
    if cache is not None or door is not None:
        # Added first, so innermost: hits and proven plans skip routing, not the edge.
        app.add_middleware(
            FrontDoorMiddleware,
            cache=cache,
            door=door,
            authenticate=_token_authenticator(settings, backends.db),
        )
    if settings.cors_origins:
        # `*` is served as `*` without credentials: with credentials Starlette would reflect
        # any origin. No endpoint uses cookies; tokens travel in the Authorization header.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=["*"] if settings.cors_any_origin else settings.cors_origins,
            allow_credentials=not settings.cors_any_origin,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    if "*" not in settings.allowed_hosts:
        app.add_middleware(
            TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts, www_redirect=False
        )


async def _database_unavailable(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DBAPIError)
    if isinstance(error, DataError):  # a value the database cannot store, e.g. a NUL
        return JSONResponse({"detail": "Invalid input"}, status_code=422)
    if error.connection_invalidated or "connect" in str(error.orig).lower():
        return JSONResponse({"detail": "Database unavailable"}, status_code=503)
    logger.exception("database error", exc_info=error)
    return JSONResponse({"detail": "Internal server error"}, status_code=500)


async def _number_too_large(_request: Request, _error: Exception) -> JSONResponse:
    # SQLite's driver refuses integers beyond 64 bits before any SQL runs.
    return JSONResponse({"detail": "Invalid input"}, status_code=422)


def _add_error_handlers(app: FastAPI) -> None:
    install_error_handlers(app)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(DBAPIError, _database_unavailable)
    app.add_exception_handler(OverflowError, _number_too_large)


def _add_health_routes(app: FastAPI, settings: Settings, db: Database) -> None:
    docs = settings.docs_enabled

    @app.get("/", include_in_schema=False)
    async def index() -> dict[str, Any]:
        return {"name": "restaurant_api", "graphql": "/graphql"} | (
            {"docs": "/docs"} if docs else {}
        )

    @app.get("/health", tags=["health"], summary="The process is up")
    async def health() -> dict[str, str]:
        return {"status": "healthy"}

    @app.get("/health/ready", tags=["health"], summary="The database answers")
    async def ready() -> JSONResponse:
        if await db.ping():
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "unavailable", "detail": "Database unavailable"}, 503)


def _add_routes(app: FastAPI, settings: Settings, backends: _Backends) -> None:
    # Before the documented routes: a hot read answers what it reads exactly as they would.
    app.router.routes.extend([*menu_hot_reads, *orders_hot_reads])
    # GraphQL documents itself (schema.graphql, introspection): not an OpenAPI operation.
    # Included first: its requests no longer walk every REST router's routes (no path of
    # theirs starts with /graphql).
    app.include_router(backends.graphql_router, prefix="/graphql", include_in_schema=False)
    _add_health_routes(app, settings, backends.db)
    app.include_router(users_router)
    app.include_router(menu_router)
    app.include_router(orders_router)
    app.include_router(kitchen_router)
    app.include_router(tables_router)
    app.include_router(reports_router)
    app.include_router(receipts_router)
    app.include_router(payments_router)
    if not settings.is_production:  # GraphiQL's own assets: the playground works offline
        app.include_router(assets_router())


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_safe_to_serve()
    security.configure_hashing(settings.password_hash_concurrency)
    backends = _backends(settings)
    app = _application(settings, backends)
    _add_middleware(app, settings, backends)
    _add_error_handlers(app)
    _add_routes(app, settings, backends)
    return app
