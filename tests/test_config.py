"""Settings: URL forms people paste, and refusing unsafe production configuration."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from restaurant_api.__main__ import PROJECT_ROOT
from restaurant_api.config import ConfigurationError, Settings, normalize_database_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///restaurant.db", "sqlite+aiosqlite:///restaurant.db"),
        ("sqlite:////tmp/x.db", "sqlite+aiosqlite:////tmp/x.db"),
        ("sqlite+aiosqlite:///a.db", "sqlite+aiosqlite:///a.db"),
        ("postgresql://user@host/db", "postgresql+psycopg://user@host/db"),
        ("postgres://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_database_urls_are_normalized(given, expected):
    assert normalize_database_url(given) == expected


@pytest.mark.parametrize("bad", ["mysql://u@h/db", "not a url"])
def test_unsupported_database_urls_are_refused(bad):
    with pytest.raises(ValueError):
        normalize_database_url(bad)


def test_default_database_is_a_local_sqlite_file():
    assert Settings(_env_file=None).database_url == "sqlite+aiosqlite:///restaurant.db"  # type: ignore[call-arg]


@pytest.mark.parametrize("secret", ["dev-secret-change-me", "changeme", "short"])
def test_production_refuses_placeholder_secrets(secret):
    settings = Settings(_env_file=None, environment="production", secret_key=secret)  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        settings.check_safe_to_serve()


def test_production_without_secret_key_exits_with_a_clear_message(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(ENVIRONMENT="production", DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    result = subprocess.run(
        [sys.executable, "-m", "restaurant_api", "serve", "--port", "8999"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "SECRET_KEY is missing or a placeholder" in result.stderr


# --- the HTTP edge's settings (restaurant_api.api.edge) -----------------------------------


@pytest.mark.parametrize(
    ("environment", "given", "docs"),
    [
        ("development", "", True),
        ("test", None, True),
        ("production", "", False),
        ("production", "true", True),
        ("development", "false", False),
    ],
)
def test_api_docs_follow_the_environment_unless_set(
    monkeypatch: pytest.MonkeyPatch, environment: str, given: str | None, docs: bool
) -> None:
    monkeypatch.setenv("ENVIRONMENT", environment)
    if given is None:
        monkeypatch.delenv("API_DOCS_ENABLED", raising=False)
    else:
        monkeypatch.setenv("API_DOCS_ENABLED", given)  # "" as docker compose passes it
    assert Settings(_env_file=None, secret_key="k" * 40).docs_enabled is docs  # type: ignore[call-arg]


def test_edge_lists_and_limits_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_HOSTS", " API.example.com, pos.example.com ")
    monkeypatch.setenv("CORS_ORIGINS", "*")
    monkeypatch.setenv("MAX_BODY_BYTES", "2048")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.allowed_hosts == ["api.example.com", "pos.example.com"]
    assert settings.cors_any_origin
    assert settings.max_body_bytes == 2048
    monkeypatch.setenv("ALLOWED_HOSTS", "")
    assert Settings(_env_file=None).allowed_hosts == ["*"]  # type: ignore[call-arg]
    monkeypatch.setenv("WEBSOCKET_MAX_MESSAGE_BYTES", "10")
    with pytest.raises(ValueError, match="websocket_max_message_bytes"):
        Settings(_env_file=None)  # type: ignore[call-arg]
