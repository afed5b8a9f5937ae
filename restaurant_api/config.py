"""One settings object for the whole service, read from the environment and `.env`."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
    # Hot reads straight on psycopg on PostgreSQL (restaurant_api.raw_reads); off: through
    # SQLAlchemy like every other read.
    raw_reads: bool = True

    secret_key: str = DEVELOPMENT_SECRET
    access_token_minutes: int = Field(default=30, ge=1)
    refresh_token_days: int = Field(default=14, ge=1)
    jwt_algorithm: str = "HS256"

    currency: str = Field(default="USD", min_length=3, max_length=3)
    # Business days (payments, reports): the restaurant's time zone, and the local hour
    # before which a moment still belongs to the previous business date.
    restaurant_timezone: str = "UTC"
    business_day_cutoff_hour: int = Field(default=4, ge=0, le=23)
    # Printed at the top of receipts; empty prints none.
    restaurant_name: str = Field(default="", max_length=120)
    # Kitchen: how often each process looks for tickets gone late (and courses due to fire
    # by themselves); 0 turns the watch off. A held course fires by itself this many
    # minutes after the previous course was served (unset: only when a server fires it).
    kitchen_watch_seconds: float = Field(default=5.0, ge=0, le=3600)
    course_auto_fire_minutes: int | None = Field(default=None, ge=0, le=240)

    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Off by default: accounts are made by invitation. Production refuses to start with it
    # on unless REGISTRATION_OPEN_IN_PRODUCTION=confirm (see check_safe_to_serve).
    registration_open: bool = False
    registration_open_in_production: str = ""
    # Self-registered accounts wait for an admin to activate them; false restores the
    # replaced system's behaviour (active `server` accounts at once) for legacy clients.
    registration_approval: bool = True
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
    # Objects one answer may hold (list bounds multiplied down the nesting); see README.
    graphql_max_cost: int = Field(default=50_000, ge=1)
    # Hot query documents run as compiled plans over plain rows (restaurant_api.api.plans);
    # false runs every document through graphql-core's executor (for comparisons).
    graphql_compiled_plans: bool = True
    # FastAPI's native OpenTelemetry (spans, metrics, logs through the process's global
    # providers). Off by default: nothing here configures providers, and checking for them
    # cost every request ~2% of a menu read.
    opentelemetry: bool = False
    # Largest websocket message uvicorn accepts (`serve`); subscribe messages are small.
    websocket_max_message_bytes: int = Field(default=65_536, ge=1024)
    # A socket must send `connection_init` this soon (4408 otherwise; Strawberry: 1 minute),
    # and may run this many operations at once (Strawberry: 100).
    websocket_init_timeout_seconds: float = Field(default=10.0, gt=0)
    websocket_max_subscriptions: int = Field(default=20, ge=1)

    # Live updates: server ping interval on subscription sockets, and how many undelivered
    # events a subscriber may have before it is disconnected as too slow.
    subscription_keepalive_seconds: float = Field(default=15.0, gt=0)
    subscription_queue_size: int = Field(default=100, ge=1)
    # Rows a subscription's snapshot may hold; a larger snapshot is an error, not a flood.
    subscription_snapshot_max: int = Field(default=200, ge=1)

    # The GraphQL response cache (restaurant_api.api.response_cache): on by default; its
    # bounds are answers kept and their bytes (keys included), least recently used out.
    response_cache: bool = True
    response_cache_max_entries: int = Field(default=2000, ge=1)
    response_cache_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)

    # The HTTP edge (restaurant_api.api.edge). None: docs on, except in production.
    api_docs_enabled: bool | None = None
    # Host headers served; "*" serves any (put the real names here behind a proxy).
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["*"])
    # Largest request body (REST and /graphql), refused with 413 before it is read.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Strict-Transport-Security max-age in production; 0 sends no HSTS header.
    hsts_seconds: int = Field(default=31_536_000, ge=0)
    # uvicorn's access log (one line per request on stderr); false where a proxy logs them.
    access_log: bool = True

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

    @field_validator("api_docs_enabled", mode="before")
    @classmethod
    def _empty_is_default(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            # Lower case: the host check compares with the lower-cased Host header.
            return [host.strip().lower() for host in value.split(",") if host.strip()] or ["*"]
        return value

    @field_validator("jwt_algorithm")
    @classmethod
    def _only_hmac(cls, value: str) -> str:
        if value not in {"HS256", "HS384", "HS512"}:
            raise ValueError("JWT_ALGORITHM must be HS256, HS384 or HS512")
        return value

    @field_validator("restaurant_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"RESTAURANT_TIMEZONE: unknown time zone {value!r}") from None
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
    def docs_enabled(self) -> bool:
        """/docs, /redoc and /openapi.json: on in development, off in production by default."""
        if self.api_docs_enabled is None:
            return not self.is_production
        return self.api_docs_enabled

    @property
    def cors_any_origin(self) -> bool:
        """`CORS_ORIGINS=*`: any origin, served without credentials (see create_app)."""
        return "*" in self.cors_origins

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
