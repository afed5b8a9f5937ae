"""Test fixtures: every database test runs on SQLite and on a throwaway PostgreSQL database.

PostgreSQL comes from TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test).
The suite creates its own database there and drops it afterwards. When the server is
unreachable the PostgreSQL half is skipped with a loud warning, unless REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import asyncio
import os
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from restaurant_api.__main__ import run_migrations
from restaurant_api.api.node import parse_global_id, to_global_id
from restaurant_api.config import Environment, Settings
from restaurant_api.db import Database
from restaurant_api.generations import TOPICS
from restaurant_api.main import create_app
from restaurant_api.security import create_access_token
from restaurant_api.users import service as users_service
from restaurant_api.users.models import Role, User

# Factories of rows every folder uses (tables, menu items, orders).
pytest_plugins = ["tests.factories"]

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgresql")
TEST_SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
PASSWORD = "correct-horse-battery"


def postgres_required() -> bool:
    return os.environ.get("REQUIRE_POSTGRES", "") not in ("", "0", "false", "no")


@dataclass
class PostgresServer:
    """The PostgreSQL server the suite may use, and the databases it created there."""

    admin_url: str
    reachable: bool
    reason: str = ""
    created: list[str] = field(default_factory=list)
    tests_run: int = 0

    def conninfo(self, database: str | None = None) -> str:
        url = make_url(self.admin_url)
        if database:
            url = url.set(database=database)
        return url.set(drivername="postgresql").render_as_string(hide_password=False)

    def create_database(self, prefix: str = "restaurant_test") -> str:
        name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.conninfo(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return self.conninfo(name)

    def drop_all(self) -> None:
        with psycopg.connect(self.conninfo(), autocommit=True) as connection:
            for name in self.created:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()


def _probe_postgres() -> PostgresServer:
    url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    try:
        with psycopg.connect(
            make_url(url).set(drivername="postgresql").render_as_string(hide_password=False),
            connect_timeout=3,
        ) as connection:
            connection.execute("SELECT 1")
    except Exception as error:
        return PostgresServer(url, reachable=False, reason=str(error).strip())
    return PostgresServer(url, reachable=True)


POSTGRES = _probe_postgres()


def pytest_configure(config: pytest.Config) -> None:
    if not POSTGRES.reachable:
        message = (
            f"PostgreSQL at {POSTGRES.admin_url} is unreachable ({POSTGRES.reason}): "
            "the PostgreSQL half of the suite is SKIPPED. Set REQUIRE_POSTGRES=1 to fail instead."
        )
        if postgres_required():
            raise pytest.UsageError("REQUIRE_POSTGRES=1 but " + message)
        warnings.warn(message, stacklevel=1)
        config.issue_config_time_warning(pytest.PytestWarning(message), stacklevel=1)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if POSTGRES.reachable and POSTGRES.created:
        POSTGRES.drop_all()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if POSTGRES.reachable:
        terminalreporter.write_line(
            f"PostgreSQL: {POSTGRES.tests_run} database tests ran against {POSTGRES.admin_url} "
            "(throwaway databases, dropped afterwards)",
            green=True,
        )
    else:
        terminalreporter.write_line(
            f"PostgreSQL: UNREACHABLE at {POSTGRES.admin_url}; its tests were skipped",
            red=True,
            bold=True,
        )


# --- databases and apps, one per backend for the whole session ----------------------------


def make_database_url(backend: str, tmp_dir: Path) -> str:
    """A new, empty database of the given backend (not migrated)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_dir / f'test-{uuid.uuid4().hex[:8]}.db'}"
    if not POSTGRES.reachable:
        pytest.skip(f"PostgreSQL unreachable: {POSTGRES.reason}")
    return POSTGRES.create_database()


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": Environment.TEST,
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "first_admin_email": None,
        "first_admin_password": None,
        # No background kitchen watch in in-process apps: tests sweep with an explicit `now`.
        "kitchen_watch_seconds": 0,
        # Self-registration is off by default; the tests of `register` need it open
        # (not in production apps, which refuse to start with it unconfirmed).
        "registration_open": Environment(overrides.get("environment", Environment.TEST))
        is not Environment.PRODUCTION,
    }
    return Settings(_env_file=None, **{**values, **overrides})


@dataclass
class Backend:
    name: str
    url: str
    app: FastAPI
    # Rows the migrations install (the default kitchen stations and their routing rules),
    # put back after each test's wipe, as a fresh database has them.
    reference_rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def db(self) -> Database:
        return self.app.state.db


_backends: dict[str, Backend] = {}


@pytest.fixture(scope="session")
def backend_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("databases")


async def _migrated_backend(name: str, tmp_dir: Path) -> Backend:
    if name not in _backends:
        url = make_database_url(name, tmp_dir)
        await asyncio.to_thread(run_migrations, Settings(database_url=url).database_url)
        backend = Backend(name, url, create_app(make_settings(url)))
        async with backend.db.engine.connect() as connection:
            for table in REFERENCE_TABLES:
                rows = await connection.execute(
                    SQLModel.metadata.tables[table].select().order_by(text("id"))
                )
                backend.reference_rows[table] = [dict(row._mapping) for row in rows]
        _backends[name] = backend
    return _backends[name]


REFERENCE_TABLES = ("kitchen_stations", "kitchen_routes")


async def _wipe(db: Database, reference_rows: dict[str, list[dict[str, Any]]]) -> None:
    tables = [table.name for table in reversed(SQLModel.metadata.sorted_tables)]
    async with db.engine.begin() as connection:
        if db.is_sqlite:
            for table in tables:
                await connection.execute(text(f'DELETE FROM "{table}"'))
        else:
            quoted = ", ".join(f'"{table}"' for table in tables)
            await connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        for table in REFERENCE_TABLES:
            rows = reference_rows.get(table)
            if rows:
                await connection.execute(SQLModel.metadata.tables[table].insert(), rows)
            if rows and not db.is_sqlite:
                await connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f'(SELECT max(id) FROM "{table}"))'
                    )
                )


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest, backend_dir: Path) -> AsyncIterator[Backend]:
    """A migrated database (SQLite, then PostgreSQL) and an app bound to it; emptied after."""
    current = await _migrated_backend(request.param, backend_dir)
    if current.name == "postgresql":
        POSTGRES.tests_run += 1
    try:
        yield current
    finally:
        await _wipe(current.db, current.reference_rows)
        # The wipe bypasses sessions: cached answers must not outlive it.
        await current.app.state.generations.bump(TOPICS)


@pytest.fixture
def app(backend: Backend) -> FastAPI:
    return backend.app


@pytest.fixture
def db(backend: Backend) -> Database:
    return backend.db


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture
def postgres() -> PostgresServer:
    if not POSTGRES.reachable:
        pytest.skip(f"PostgreSQL unreachable: {POSTGRES.reason}")
    return POSTGRES


# --- people -------------------------------------------------------------------------------


@dataclass
class Staff:
    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def make_staff(db: Database, app: FastAPI) -> Any:
    """`await make_staff(Role.SERVER)` creates an account and a valid access token for it."""
    counter = iter(range(1, 10_000))

    async def _make(role: Role = Role.SERVER, *, email: str | None = None) -> Staff:
        address = email or f"{role.value}{next(counter)}@example.com"
        async with db.session() as session:
            user = await users_service.create_user(
                session,
                name=f"{role.value.title()} User",
                email=address,
                password=PASSWORD,
                role=role,
            )
        settings: Settings = app.state.settings
        token, _ = create_access_token(
            user.id,
            secret=settings.secret_key,
            algorithm=settings.jwt_algorithm,
            lifetime=timedelta(minutes=5),
        )
        return Staff(user, token)

    return _make


@pytest.fixture
async def admin(make_staff: Any) -> Staff:
    return await make_staff(Role.ADMIN)


@pytest.fixture
async def manager(make_staff: Any) -> Staff:
    return await make_staff(Role.MANAGER)


@pytest.fixture
async def server(make_staff: Any) -> Staff:
    return await make_staff(Role.SERVER)


@pytest.fixture
async def kitchen(make_staff: Any) -> Staff:
    return await make_staff(Role.KITCHEN)


# --- GraphQL ------------------------------------------------------------------------------


def without_cost(body: dict[str, Any]) -> dict[str, Any]:
    """The body minus the cost report, after checking it: every executed operation has one."""
    extensions = body.get("extensions") or {}
    cost = extensions.pop("cost", None)
    if body.get("data") is not None:
        assert cost is not None, body
    if cost is not None:
        assert 0 <= cost["requested"] <= cost["maximum"], cost
    if "extensions" in body and not extensions:
        del body["extensions"]
    return body


def gid(type_name: str, database_id: int) -> str:
    """The global id GraphQL uses for `type_name` number `database_id` (REST ids are ints)."""
    return str(to_global_id(type_name, database_id))


def dbid(global_id: str) -> int:
    """The database id inside a global id (tests only: clients must not parse ids)."""
    parsed = parse_global_id(global_id)
    assert parsed is not None, global_id
    return parsed[1]


@pytest.fixture
def gql(client: httpx.AsyncClient) -> Any:
    """`await gql(query, variables, staff=...)` posts to /graphql and returns the JSON body."""

    async def _gql(
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        staff: Staff | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        headers = staff.headers if staff else {}
        if token is not None:
            headers = {"Authorization": f"Bearer {token}"}
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return without_cost(response.json())

    return _gql


# --- SQL statement counting ---------------------------------------------------------------


@dataclass
class StatementCounter:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_statements(db: Database) -> Iterator[Any]:
    """`with count_statements() as counter:` counts SQL statements the app executes (through
    SQLAlchemy, and the hot reads straight on psycopg: `raw_reads`)."""
    from contextlib import contextmanager

    @contextmanager
    def _count() -> Iterator[StatementCounter]:
        counter = StatementCounter()

        def _record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if not statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")):
                counter.statements.append(statement)

        def _record_raw(statement: str) -> None:
            counter.statements.append(statement)

        observers = db.raw_reads.statements.observers if db.raw_reads is not None else []
        event.listen(db.engine.sync_engine, "before_cursor_execute", _record)
        observers.append(_record_raw)
        try:
            yield counter
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", _record)
            observers.remove(_record_raw)

    yield _count
