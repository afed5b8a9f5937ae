"""One settings object for the whole service, read from the environment and `.env`."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Secrets that ship in examples and docs; refusing them in production stops a copy-paste
# deployment from signing tokens with a key the whole internet knows.
PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "secret", "dev-secret-change-me", "CHANGE_ME"}
)
DEVELOPMENT_SECRET = "dev-secret-change-me"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"
    TEST = "test"


class ConfigurationError(RuntimeError):
    """The configuration cannot run safely; the message says what to change."""


def normalize_database_url(url: str) -> str:
    """Accept the URL forms people paste and pick the async driver ourselves."""
    url = url.strip()
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"DATABASE_URL is not a URL: {url!r}")
    dialect = scheme.split("+", 1)[0]
    if dialect == "postgresql":
        return f"postgresql+psycopg://{rest}"
    if dialect == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    raise ValueError(f"DATABASE_URL must be a PostgreSQL or SQLite URL, got {scheme!r}")


class Settings(BaseSettings):
    """Every knob of the service. `.env.example` documents each variable."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    database_url: str = "sqlite:///restaurant.db"
    database_pool_size: int = Field(default=10, ge=1)
    database_echo: bool = False

    secret_key: str = DEVELOPMENT_SECRET
    access_token_minutes: int = Field(default=30, ge=1)
    refresh_token_days: int = Field(default=14, ge=1)
    jwt_algorithm: str = "HS256"

    currency: str = Field(default="USD", min_length=3, max_length=3)

    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Off by default: accounts are made by invitation. Production refuses to start with it
    # on unless REGISTRATION_OPEN_IN_PRODUCTION=confirm (see check_safe_to_serve).
    registration_open: bool = False
    registration_open_in_production: str = ""
    invitation_hours: int = Field(default=72, ge=1, le=24 * 30)

    # Login throttling: failed attempts counted in a sliding window per account and per
    # client address; over the limit, a bounded cool-down (429 / TooManyAttemptsError).
    login_window_seconds: int = Field(default=900, ge=1, le=86400)
    login_max_failures_per_account: int = Field(default=10, ge=1)
    login_max_failures_per_address: int = Field(default=50, ge=1)
    login_cooldown_seconds: int = Field(default=900, ge=1, le=86400)
    # Password hashes computed at once per process (each in a worker thread).
    password_hash_concurrency: int = Field(default=2, ge=1, le=64)

    first_admin_email: str | None = None
    first_admin_password: str | None = None
    first_admin_name: str = "Administrator"

    graphql_max_depth: int = Field(default=10, ge=1)
    graphql_max_aliases: int = Field(default=30, ge=1)
    graphql_max_tokens: int = Field(default=2000, ge=10)

    # Live updates: server ping interval on subscription sockets, and how many undelivered
    # events a subscriber may have before it is disconnected as too slow.
    subscription_keepalive_seconds: float = Field(default=15.0, gt=0)
    subscription_queue_size: int = Field(default=100, ge=1)

    @field_validator("database_url")
    @classmethod
    def _normalize_url(cls, value: str) -> str:
        return normalize_database_url(value)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("jwt_algorithm")
    @classmethod
    def _only_hmac(cls, value: str) -> str:
        if value not in {"HS256", "HS384", "HS512"}:
            raise ValueError("JWT_ALGORITHM must be HS256, HS384 or HS512")
        return value

    @model_validator(mode="after")
    def _admin_pair(self) -> Settings:
        if bool(self.first_admin_email) != bool(self.first_admin_password):
            raise ValueError("FIRST_ADMIN_EMAIL and FIRST_ADMIN_PASSWORD go together")
        return self

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def check_safe_to_serve(self) -> None:
        """Refuse to run production with a secret anyone could know, or open sign-up."""
        if (
            self.is_production
            and self.registration_open
            and self.registration_open_in_production.strip().lower() != "confirm"
        ):
            raise ConfigurationError(
                "REGISTRATION_OPEN=true lets anyone on the internet create an account. In "
                "production invite staff instead (REGISTRATION_OPEN=false), or confirm that "
                "self-registration is wanted with REGISTRATION_OPEN_IN_PRODUCTION=confirm."
            )
        if self.is_production and (
            self.secret_key in PLACEHOLDER_SECRETS or len(self.secret_key) < 32
        ):
            raise ConfigurationError(
                "SECRET_KEY is missing or a placeholder. In production set SECRET_KEY to a "
                "random value of at least 32 characters, e.g. "
                '`python -c "import secrets; print(secrets.token_urlsafe(48))"`.'
            )


@lru_cache
def get_settings() -> Settings:
    return Settings()
