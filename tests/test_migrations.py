"""Migrations: empty database to head, no drift from the models, and back to base."""

from __future__ import annotations

import asyncio

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from alembic import command
from restaurant_api.__main__ import PROJECT_ROOT
from restaurant_api.config import normalize_database_url
from tests.conftest import BACKENDS, make_database_url


def alembic_config(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    return config


async def table_names(url: str) -> set[str]:
    engine = create_async_engine(normalize_database_url(url))
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    return names - {"alembic_version"}


@pytest.mark.parametrize("backend_name", BACKENDS)
async def test_upgrade_check_downgrade_round_trip(backend_name, tmp_path):
    url = make_database_url(backend_name, tmp_path)
    config = alembic_config(url)
    assert await table_names(url) == set()

    await asyncio.to_thread(command.upgrade, config, "head")
    assert await table_names(url) == set(SQLModel.metadata.tables)

    # `alembic check` raises when autogenerate finds a difference between models and DB.
    await asyncio.to_thread(command.check, config)

    await asyncio.to_thread(command.downgrade, config, "base")
    assert await table_names(url) == set()

    await asyncio.to_thread(command.upgrade, config, "head")
    assert await table_names(url) == set(SQLModel.metadata.tables)


def test_migration_history_is_linear():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, "several heads: give the new migration the right parent"
