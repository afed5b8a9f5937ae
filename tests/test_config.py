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
    assert Settings(_env_file=None).database_url == "sqlite+aiosqlite:///restaurant.db"


@pytest.mark.parametrize("secret", ["dev-secret-change-me", "changeme", "short"])
def test_production_refuses_placeholder_secrets(secret):
    settings = Settings(_env_file=None, environment="production", secret_key=secret)
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
    assert Settings(_env_file=None, secret_key="k" * 40).docs_enabled is docs


def test_edge_lists_and_limits_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_HOSTS", " API.example.com, pos.example.com ")
    monkeypatch.setenv("CORS_ORIGINS", "*")
    monkeypatch.setenv("MAX_BODY_BYTES", "2048")
    settings = Settings(_env_file=None)
    assert settings.allowed_hosts == ["api.example.com", "pos.example.com"]
    assert settings.cors_any_origin
    assert settings.max_body_bytes == 2048
    monkeypatch.setenv("ALLOWED_HOSTS", "")
    assert Settings(_env_file=None).allowed_hosts == ["*"]
    monkeypatch.setenv("WEBSOCKET_MAX_MESSAGE_BYTES", "10")
    with pytest.raises(ValueError, match="websocket_max_message_bytes"):
        Settings(_env_file=None)


GOOD_SECRET = "a-production-secret-that-is-long-enough-0123456789"


def test_self_registration_is_off_by_default():
    assert Settings(_env_file=None).registration_open is False


def test_production_refuses_open_registration_unless_confirmed():
    opened = Settings(
        _env_file=None, environment="production", secret_key=GOOD_SECRET, registration_open=True
    )
    with pytest.raises(ConfigurationError, match="REGISTRATION_OPEN_IN_PRODUCTION=confirm"):
        opened.check_safe_to_serve()
    confirmed = Settings(
        _env_file=None,
        environment="production",
        secret_key=GOOD_SECRET,
        registration_open=True,
        registration_open_in_production="confirm",
    )
    confirmed.check_safe_to_serve()
    closed = Settings(_env_file=None, environment="production", secret_key=GOOD_SECRET)
    closed.check_safe_to_serve()
    # Outside production, open registration needs no confirmation (development, tests).
    Settings(_env_file=None, registration_open=True).check_safe_to_serve()


def test_production_with_open_registration_exits_with_a_clear_message(tmp_path):
    env = dict(os.environ)
    env.update(
        ENVIRONMENT="production",
        SECRET_KEY=GOOD_SECRET,
        REGISTRATION_OPEN="true",
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
    )
    env.pop("REGISTRATION_OPEN_IN_PRODUCTION", None)
    result = subprocess.run(
        [sys.executable, "-m", "restaurant_api", "serve", "--port", "8111"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "REGISTRATION_OPEN_IN_PRODUCTION=confirm" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("login_cooldown_seconds", 0),
        ("login_cooldown_seconds", 10**9),
        ("login_max_failures_per_account", 0),
        ("password_hash_concurrency", 0),
    ],
)
def test_throttle_settings_are_bounded(name, value):
    with pytest.raises(ValueError):
        Settings(_env_file=None, **{name: value})
