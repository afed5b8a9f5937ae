"""Apps with their own settings on the test's database (several = several workers)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from restaurant_api.main import create_app
from tests.conftest import Backend, make_settings


@pytest.fixture
async def make_app(backend: Backend) -> AsyncIterator[Any]:
    """`make_app(**settings)`: another app (its own engine and pool) on the same database."""
    apps: list[FastAPI] = []

    def _make(**overrides: Any) -> FastAPI:
        app = create_app(make_settings(backend.url, **overrides))
        apps.append(app)
        return app

    yield _make
    for app in apps:
        await app.state.events.stop()
        await app.state.db.dispose()


def client_for(app: FastAPI, address: str = "203.0.113.7") -> httpx.AsyncClient:
    """A client of `app` whose requests come from `address` (`request.client.host`)."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")
