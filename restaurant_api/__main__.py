"""Command line: `python -m restaurant_api serve | migrate | seed | create-user | export-schema`."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from restaurant_api.config import ConfigurationError, Settings, get_settings

cli = typer.Typer(
    help="restaurant_api: GraphQL-first restaurant operations API.",
    no_args_is_help=True,
    add_completion=False,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCHEMA_PATH = PROJECT_ROOT / "schema.graphql"
POSSIBLE_TYPES_NAME = "possibleTypes.json"


def _settings() -> Settings:
    try:
        settings = get_settings()
        settings.check_safe_to_serve()
    except ConfigurationError as error:
        typer.secho(f"Configuration error: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from error
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        typer.secho(f"Configuration error: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from error
    return settings


def run_migrations(database_url: str, revision: str = "head") -> None:
    from alembic.config import Config

    from alembic import command

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logger"] = False
    command.upgrade(config, revision)


async def _ensure_first_admin(settings: Settings) -> None:
    if not (settings.first_admin_email and settings.first_admin_password):
        return
    from restaurant_api.db import Database
    from restaurant_api.users import service as users_service
    from restaurant_api.users.service import EmailTaken

    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            created = await users_service.ensure_first_admin(
                session,
                email=settings.first_admin_email,
                password=settings.first_admin_password,
                name=settings.first_admin_name,
            )
        if created:
            typer.echo(f"Created admin {created.email}")
    except EmailTaken:
        pass  # another process created it at the same moment
    finally:
        await db.dispose()


@cli.command()
def migrate() -> None:
    """Upgrade the database to the latest schema (and create the first admin if configured)."""
    settings = _settings()
    run_migrations(settings.database_url)
    typer.echo("Database is at the latest migration.")
    asyncio.run(_ensure_first_admin(settings))


@cli.command()
def seed() -> None:
    """Load the demo menu and tables. Running it again changes nothing."""
    settings = _settings()

    async def _seed() -> None:
        from restaurant_api import generations
        from restaurant_api.db import Database
        from restaurant_api.seed import seed_demo_data

        db = Database(settings.database_url)
        # Running servers on PostgreSQL see the new rows at once (their response caches).
        bumps = generations.create_generations(settings.database_url)
        generations.attach(db, bumps)
        try:
            async with db.session() as session:
                report = await seed_demo_data(session)
        finally:
            await bumps.close()
            await db.dispose()
        typer.echo(f"Seeded {report.menu_items_added} menu items and {report.tables_added} tables.")
        typer.echo(
            f"Pricing: {report.modifier_groups_added} modifier groups, "
            f"{report.tax_rates_added} tax rates, {report.discount_presets_added} preset "
            f"discounts, {report.service_charge_rules_added} service-charge rules."
        )

    asyncio.run(_seed())


@cli.command("create-user")
def create_user(
    email: Annotated[str, typer.Option(help="Login email.")],
    password: Annotated[str, typer.Option(help="At least 8 characters.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "Staff",
    role: Annotated[str, typer.Option(help="admin, manager, server or kitchen.")] = "server",
) -> None:
    """Create a staff account with any role."""
    from restaurant_api.users.models import Role

    settings = _settings()
    try:
        chosen_role = Role(role)
    except ValueError:
        typer.secho(f"Unknown role {role!r}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from None

    async def _create() -> None:
        from restaurant_api.db import Database
        from restaurant_api.errors import DomainError
        from restaurant_api.users import service as users_service

        db = Database(settings.database_url)
        try:
            async with db.session() as session:
                user = await users_service.create_user(
                    session, name=name, email=email, password=password, role=chosen_role
                )
            typer.echo(f"Created {user.role} {user.email} (id {user.id})")
        except DomainError as error:
            typer.secho(error.message, fg=typer.colors.RED, err=True)
            raise typer.Exit(code=1) from error
        finally:
            await db.dispose()

    asyncio.run(_create())


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
) -> None:
    """Serve the API with uvicorn."""
    import uvicorn

    settings = _settings()
    if settings.is_sqlite and workers > 1 and not reload:
        typer.secho(
            "Warning: with SQLite, live updates reach only the subscribers of the worker that "
            "made the change, and writers of different workers wait on SQLite's lock. Use "
            "PostgreSQL (DATABASE_URL=postgresql://...) for several workers.",
            fg=typer.colors.YELLOW,
            err=True,
        )
    asyncio.run(_ensure_first_admin(settings))
    uvicorn.run(
        "restaurant_api.main:create_app",
        host=host,
        port=port,
        workers=None if reload else workers,
        reload=reload,
        reload_dirs=[str(PROJECT_ROOT / "restaurant_api")] if reload else None,
        **uvicorn_options(settings),
    )


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """What `serve` asks of uvicorn besides where to listen (bench/profile_server.py runs
    the same server in-process)."""
    return {
        "factory": True,
        "proxy_headers": True,
        # No `Server: uvicorn` banner; the Date header stays (HTTP requires it of a server
        # with a clock, and it tells nothing about the software).
        "server_header": False,
        "date_header": True,
        # uvicorn accepts 16 MiB websocket messages by default; subscribe messages are tiny.
        "ws_max_size": settings.websocket_max_message_bytes,
        # One line per request on stderr (about 7% of a cheap read's CPU): ACCESS_LOG=false
        # where the proxy in front already logs each request.
        "access_log": settings.access_log,
    }


def render_schema() -> str:
    from restaurant_api.schema import build_schema

    # Always the development schema: production only hides introspection, not types.
    return build_schema(Settings(environment="development")).as_str() + "\n"


def render_possible_types() -> str:
    """possibleTypes.json: every union and interface with its object types, for client caches
    (Apollo's `InMemoryCache({ possibleTypes })`) that must match `... on Error` and friends."""
    from graphql import GraphQLInterfaceType, GraphQLUnionType

    from restaurant_api.schema import build_schema

    schema = build_schema(Settings(environment="development"))._schema
    possible = {
        name: sorted(t.name for t in schema.get_possible_types(graphql_type))
        for name, graphql_type in sorted(schema.type_map.items())
        if isinstance(graphql_type, GraphQLInterfaceType | GraphQLUnionType)
        and not name.startswith("__")
    }
    return json.dumps(possible, indent=2, sort_keys=True) + "\n"


@cli.command("export-schema")
def export_schema(
    path: Annotated[Path, typer.Option(help="Where to write the SDL.")] = DEFAULT_SCHEMA_PATH,
    check: Annotated[bool, typer.Option(help="Fail if the file is stale.")] = False,
) -> None:
    """Write schema.graphql from the code (or, with --check, verify it is current)."""
    # possibleTypes.json sits beside the SDL and is generated (and checked) with it.
    outputs = {
        path: render_schema(),
        path.with_name(POSSIBLE_TYPES_NAME): render_possible_types(),
    }
    if check:
        stale = [p for p, text in outputs.items() if (p.read_text() if p.exists() else "") != text]
        for stale_path in stale:
            typer.secho(
                f"{stale_path} is stale: run `make schema` and commit it.",
                fg=typer.colors.RED,
                err=True,
            )
        if stale:
            raise typer.Exit(code=1)
        typer.echo(f"{', '.join(str(p) for p in outputs)} are up to date.")
        return
    for output, text in outputs.items():
        output.write_text(text)
        typer.echo(f"Wrote {output}")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
