"""The command line, run as a user would: migrate, seed twice, create a user."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from restaurant_api.__main__ import PROJECT_ROOT, uvicorn_options
from restaurant_api.config import Settings
from tests.conftest import BACKENDS, make_database_url


def run_cli(*args: str, url: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(PROJECT_ROOT), **env}
    return subprocess.run(
        [sys.executable, "-m", "restaurant_api", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PROJECT_ROOT,
    )


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_migrate_seed_twice_and_create_user(backend_name, tmp_path):
    url = make_database_url(backend_name, tmp_path)
    migrated = run_cli(
        "migrate", url=url, FIRST_ADMIN_EMAIL="boss@example.com", FIRST_ADMIN_PASSWORD="boss-pass-1"
    )
    assert migrated.returncode == 0, migrated.stderr
    assert "Created admin boss@example.com" in migrated.stdout

    first = run_cli("seed", url=url)
    assert first.returncode == 0, first.stderr
    assert "Seeded 21 menu items and 8 tables." in first.stdout
    assert (
        "Pricing: 3 modifier groups, 2 tax rates, 2 preset discounts, 1 service-charge rules."
        in first.stdout
    )
    second = run_cli("seed", url=url)
    assert "Seeded 0 menu items and 0 tables." in second.stdout

    created = run_cli(
        "create-user",
        "--email",
        "chef@example.com",
        "--password",
        "chef-pass-1",
        "--name",
        "Chef",
        "--role",
        "kitchen",
        url=url,
    )
    assert created.returncode == 0, created.stderr
    assert "Created kitchen chef@example.com" in created.stdout
    again = run_cli(
        "create-user", "--email", "CHEF@example.com", "--password", "chef-pass-1", url=url
    )
    assert again.returncode == 1
    assert "Email already registered" in again.stderr
    bad_role = run_cli(
        "create-user",
        "--email",
        "x@example.com",
        "--password",
        "chef-pass-1",
        "--role",
        "owner",
        url=url,
    )
    assert bad_role.returncode == 2


def test_export_schema_check_passes():
    result = run_cli("export-schema", "--check", url="sqlite:///unused.db")
    assert result.returncode == 0, result.stderr


def test_serve_options_follow_the_settings():
    default = uvicorn_options(Settings())
    assert default["access_log"] is True  # operators get one line per request unless they opt out
    assert default["server_header"] is False
    assert default["proxy_headers"] is True
    quiet = uvicorn_options(Settings(access_log=False, websocket_max_message_bytes=4096))
    assert quiet["access_log"] is False
    assert quiet["ws_max_size"] == 4096
