"""Configuration classes, one per environment, filled from environment variables.

APP_ENV picks the class (development, testing or production; production when
unset, so a deployment that forgets it fails safe). This module is the one
place that reads settings from the environment. In development the Flask CLI
loads .env first (python-dotenv), so `flask run` sees its values.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from .settings import (
    DRIVER,
    ConfigurationError,
    choice,
    database_url,
    integer,
    strong_secret,
    strong_secrets,
    switch,
    words,
)

# Either one turns tracing on (tracing.py); the SDK reads the rest of OTEL_* itself.
OTLP_ENDPOINTS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


class Config:
    """Settings shared by every environment."""

    NAME = "base"
    DEBUG = False
    TESTING = False
    DEFAULT_SECRET: str | None = None  # none outside development and tests
    SHOW_SQL_PARAMETERS = False  # SQL parameters hold user data: only development logs them
    API_TITLE = "My Service"
    API_SPEC_OPTIONS = {
        "info": {
            "description": "A Flask and PostgreSQL service.",
            "contact": {"name": "Your Team", "email": "team@example.com"},
        },
        "servers": [{"url": "/", "description": "The server that serves this document"}],
        "security": [{"bearerAuth": []}],
    }
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    # Swagger UI's files come from the flask-swagger-ui package, served by this app (api_docs.py).
    OPENAPI_SWAGGER_UI_URL = "/api/docs/assets/"
    OPENAPI_SWAGGER_UI_CONFIG = {"validatorUrl": None}
    DATABASE_URL_VARIABLE = "DATABASE_URL"
    DEFAULT_LOG_FORMAT = "json"
    RATELIMIT_HEADERS_ENABLED = False  # Retry-After comes with the 429 itself
    JWT_TOKEN_LOCATION = ["headers"]
    JWT_ALGORITHM = "HS256"
    # The name of argon2-cffi's Argon2id parameters (not a password: bandit's B105 is wrong).
    PASSWORD_HASH_PROFILE = "RFC_9106_LOW_MEMORY"  # nosec B105

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        """Read every setting from `environ` (os.environ by default)."""
        env = os.environ if environ is None else environ
        self.SECRET_KEY = self.secret(env, "SECRET_KEY")
        self.INSTANCE_PATH = str(Path(env.get("INSTANCE_PATH") or "instance").resolve())
        self.LOG_LEVEL = env.get("LOG_LEVEL", "INFO").upper()
        self.LOG_FORMAT = env.get("LOG_FORMAT", self.DEFAULT_LOG_FORMAT)
        if self.LOG_FORMAT not in {"text", "json"}:
            raise ConfigurationError(
                f"LOG_FORMAT must be 'text' or 'json', got {self.LOG_FORMAT!r}"
            )
        self.read_database(env)
        self.read_cache(env)
        self.read_http(env)
        self.read_metrics(env)
        self.read_telemetry(env)
        self.read_auth(env)

    def secret(self, env: Mapping[str, str], name: str) -> str | None:
        """A signing secret: from the environment, or this environment's fixed default."""
        return env.get(name) or self.DEFAULT_SECRET

    def previous_secrets(self, env: Mapping[str, str], name: str) -> list[str]:
        """Secrets that signed earlier tokens and still verify them (a comma-separated list)."""
        return words(env, name)

    def read_database(self, env: Mapping[str, str]) -> None:
        """The database, its pool, and the timeouts every connection gets."""
        configured_url = env.get(self.DATABASE_URL_VARIABLE)
        self.SQLALCHEMY_DATABASE_URI: str | None
        if configured_url:
            self.SQLALCHEMY_DATABASE_URI = database_url(configured_url, self.DATABASE_URL_VARIABLE)
        else:
            self.SQLALCHEMY_DATABASE_URI = self.default_database_url()
        # Name of the database on the embedded server, used when no URL is set.
        self.EMBEDDED_POSTGRES_DATABASE = None if configured_url else self.embedded_database()
        # So a runaway query, a lock queue or a forgotten transaction cannot hold a
        # connection (and its locks) for long.
        self.DB_TIMEOUTS = {
            "statement_timeout": integer(env, "DB_STATEMENT_TIMEOUT_MS", 30_000),
            "lock_timeout": integer(env, "DB_LOCK_TIMEOUT_MS", 10_000),
            "idle_in_transaction_session_timeout": integer(
                env, "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", 60_000
            ),
        }
        # Migrations give up on a lock soon and retry (database/migration_runs.py), so they
        # never hold the lock queue, and every request behind it, for long.
        self.MIGRATION_TIMEOUTS = {
            "lock_timeout": integer(env, "MIGRATION_LOCK_TIMEOUT_MS", 2_000),
            "statement_timeout": integer(env, "MIGRATION_STATEMENT_TIMEOUT_MS", 0),
        }
        self.MIGRATION_LOCK_RETRIES = integer(env, "MIGRATION_LOCK_RETRIES", 10)
        # PgBouncer in transaction pooling hands each transaction to any server connection,
        # and refuses the `options` start-up parameter: behind it, the timeouts are set in
        # each transaction instead.
        self.DB_BEHIND_PGBOUNCER = switch(env, "DB_BEHIND_PGBOUNCER", False)
        connect_args = {
            "connect_timeout": integer(env, "DB_CONNECT_TIMEOUT", 3),
            "application_name": "my-service",
        }
        if not self.DB_BEHIND_PGBOUNCER:
            connect_args["options"] = " ".join(
                f"-c {name}={value}" for name, value in self.DB_TIMEOUTS.items()
            )
        # A pooled connection unused this long is checked before use (database/staleness.py);
        # 0 checks every connection on every checkout (SQLAlchemy's pool_pre_ping).
        self.DB_PING_AFTER_IDLE = integer(env, "DB_PING_AFTER_IDLE", 10)
        self.SQLALCHEMY_ENGINE_OPTIONS = {
            "pool_pre_ping": self.DB_PING_AFTER_IDLE == 0,
            "pool_size": integer(env, "DB_POOL_SIZE", 5),
            "max_overflow": integer(env, "DB_MAX_OVERFLOW", 10),
            "pool_recycle": integer(env, "DB_POOL_RECYCLE", 1800),
            "pool_timeout": integer(env, "DB_POOL_TIMEOUT", 10),
            "hide_parameters": not self.SHOW_SQL_PARAMETERS,
            "connect_args": connect_args,
        }
        self.HEALTH_RETRY_AFTER = integer(env, "HEALTH_RETRY_AFTER", 5)
        self.SLOW_QUERY_MS = integer(env, "SLOW_QUERY_MS", 200)

    def read_cache(self, env: Mapping[str, str]) -> None:
        """The cache of API reads (NullCache: off; SimpleCache: per process; RedisCache)."""
        self.CACHE_TYPE = env.get("CACHE_TYPE", "SimpleCache")
        self.CACHE_DEFAULT_TIMEOUT = integer(env, "CACHE_DEFAULT_TIMEOUT", 300)
        self.CACHE_KEY_PREFIX = env.get("CACHE_KEY_PREFIX", "my_service:")
        self.CACHE_NO_NULL_WARNING = True  # NullCache is a deliberate choice, not a mistake

    def read_metrics(self, env: Mapping[str, str]) -> None:
        """Who may read the Prometheus metrics (metrics.py, docs/security.md)."""
        # port: gunicorn's master serves them on METRICS_PORT; token: /metrics on the
        # service's port, to a bearer of METRICS_TOKEN (a secret like the others); off.
        self.METRICS_ACCESS = choice(env, "METRICS_ACCESS", ("port", "token", "off"), "port")
        self.METRICS_PORT = integer(env, "METRICS_PORT", 9100)
        self.METRICS_TOKEN = (
            self.secret(env, "METRICS_TOKEN") if self.METRICS_ACCESS == "token" else None
        )

    def read_telemetry(self, env: Mapping[str, str]) -> None:
        """Tracing (OpenTelemetry's standard variables) and error tracking (Sentry's)."""
        exporting = any(env.get(name) for name in OTLP_ENDPOINTS)
        self.TRACING = exporting and not switch(env, "OTEL_SDK_DISABLED", False)
        self.OTEL_SERVICE_NAME = env.get("OTEL_SERVICE_NAME") or "my-service"
        self.SENTRY_DSN = env.get("SENTRY_DSN") or None
        self.SENTRY_ENVIRONMENT = env.get("SENTRY_ENVIRONMENT") or self.NAME
        self.SENTRY_RELEASE = env.get("SENTRY_RELEASE") or None

    def read_http(self, env: Mapping[str, str]) -> None:
        """Request limits, response headers, CORS, the proxy in front, rate limits."""
        self.MAX_CONTENT_LENGTH = integer(env, "MAX_CONTENT_LENGTH", 1024 * 1024)
        self.PROXY_FIX_HOPS = integer(env, "PROXY_FIX_HOPS", 0)
        self.HSTS_SECONDS = integer(env, "HSTS_SECONDS", 0)
        self.CORS_ALLOWED_ORIGINS = words(env, "CORS_ALLOWED_ORIGINS")
        if "*" in self.CORS_ALLOWED_ORIGINS:
            raise ConfigurationError(
                "CORS_ALLOWED_ORIGINS must list origins (https://app.example.com), not '*'"
            )
        self.SERVER_TIMING = switch(env, "SERVER_TIMING", self.DEBUG)
        self.RATELIMIT_ENABLED = switch(env, "RATE_LIMITS", not self.TESTING)
        self.IDEMPOTENCY_KEY_HOURS = integer(env, "IDEMPOTENCY_KEY_HOURS", 24)
        self.RATE_LIMIT_DEFAULT = env.get("RATE_LIMIT_DEFAULT", "600 per minute")
        self.RATE_LIMIT_KEY_PREFIX = env.get("RATE_LIMIT_KEY_PREFIX", "my_service:")
        self.RATE_LIMIT_SIGN_IN = env.get("RATE_LIMIT_SIGN_IN", "10 per minute")
        self.RATELIMIT_STORAGE_URI = env.get("RATE_LIMIT_STORAGE_URI", "memory://")

    def read_auth(self, env: Mapping[str, str]) -> None:
        """Tokens, passwords, password-reset mail."""
        self.JWT_SECRET_KEY = self.secret(env, "JWT_SECRET_KEY")
        # Keys that signed earlier tokens: still accepted until those tokens expire.
        self.JWT_PREVIOUS_SECRET_KEYS = self.previous_secrets(env, "JWT_PREVIOUS_SECRET_KEYS")
        self.JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=integer(env, "ACCESS_TOKEN_MINUTES", 15))
        self.JWT_REFRESH_TOKEN_EXPIRES = timedelta(days=integer(env, "REFRESH_TOKEN_DAYS", 14))
        self.JWT_ENCODE_ISSUER = self.JWT_DECODE_ISSUER = "my-service"
        self.JWT_ENCODE_AUDIENCE = self.JWT_DECODE_AUDIENCE = "my-service"
        self.PASSWORD_MIN_LENGTH = integer(env, "PASSWORD_MIN_LENGTH", 12)
        self.PASSWORD_RESET_MINUTES = integer(env, "PASSWORD_RESET_MINUTES", 30)
        # Where the mail sends people; {token} is replaced. Empty: the mail quotes the token.
        self.PASSWORD_RESET_URL = env.get("PASSWORD_RESET_URL", "")
        self.SMTP_HOST = env.get("SMTP_HOST", "127.0.0.1")
        self.SMTP_PORT = integer(env, "SMTP_PORT", 1025)
        self.SMTP_USERNAME = env.get("SMTP_USERNAME", "")
        self.SMTP_PASSWORD = env.get("SMTP_PASSWORD", "")
        self.SMTP_STARTTLS = switch(env, "SMTP_STARTTLS", False)
        self.SMTP_TIMEOUT = integer(env, "SMTP_TIMEOUT", 10)
        self.MAIL_FROM = env.get("MAIL_FROM", "My Service <no-reply@localhost>")

    def default_database_url(self) -> str | None:
        """The database to use when the URL variable is unset."""
        return None

    def embedded_database(self) -> str | None:
        """The embedded server's database to use when the URL variable is unset."""
        return None


class DevelopmentConfig(Config):
    """Local development: debug on, readable logs, a local database by default."""

    NAME = "development"
    DEBUG = True
    DEFAULT_LOG_FORMAT = "text"
    # Good enough for a laptop; `make init` writes a real one to .env.
    DEFAULT_SECRET = "development-only-secret-key-of-at-least-32-bytes"  # nosec B105
    SHOW_SQL_PARAMETERS = True

    def embedded_database(self) -> str:
        """The development database on the embedded server."""
        return "my_service"


class TestingConfig(Config):
    """The test suite: TESTING on, its own database named by TEST_DATABASE_URL."""

    NAME = "testing"
    TESTING = True
    __test__ = False  # its name starts with "Test", but pytest should not collect it
    DATABASE_URL_VARIABLE = "TEST_DATABASE_URL"
    DEFAULT_LOG_FORMAT = "text"
    # A fixed key so that tests are repeatable; production refuses it (bandit: B105).
    DEFAULT_SECRET = "testing-only-secret-key-of-at-least-32-bytes"  # nosec B105
    # Hashing is slow on purpose and the tests hash a lot; a profile name, not a password.
    PASSWORD_HASH_PROFILE = "CHEAPEST"  # nosec B105

    def embedded_database(self) -> str:
        """The test database on the embedded server."""
        return "my_service_test"


class ProductionConfig(Config):
    """Production: every secret and address comes from the environment, and is checked."""

    NAME = "production"

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        """Refuse to start without the settings production cannot guess."""
        env = os.environ if environ is None else environ
        if not env.get("DATABASE_URL"):
            raise ConfigurationError(
                "DATABASE_URL is not set: production needs it in the environment "
                "(see .env.example for its form)"
            )
        super().__init__(env)

    def secret(self, env: Mapping[str, str], name: str) -> str:
        """A signing secret that is set, not a placeholder, and long enough."""
        return strong_secret(env, name)

    def previous_secrets(self, env: Mapping[str, str], name: str) -> list[str]:
        """Earlier signing secrets: each verifies tokens, so each is held to the same rules."""
        return strong_secrets(env, name)


CONFIGS: dict[str, type[Config]] = {
    config.NAME: config for config in (DevelopmentConfig, TestingConfig, ProductionConfig)
}


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    """Build the configuration that APP_ENV names."""
    env = os.environ if environ is None else environ
    name = env.get("APP_ENV") or ProductionConfig.NAME
    if name not in CONFIGS:
        raise ConfigurationError(f"APP_ENV is {name!r}: use one of {', '.join(CONFIGS)}")
    return CONFIGS[name](env)


def resolve_database_url(settings: Mapping[str, Any]) -> str:
    """The URL of the configured database, starting the embedded server if it is the one."""
    if settings["SQLALCHEMY_DATABASE_URI"]:
        return settings["SQLALCHEMY_DATABASE_URI"]
    if settings["EMBEDDED_POSTGRES_DATABASE"]:
        # Imported here: the embedded server is a development dependency only.
        from .database.embedded import embedded_database_url  # noqa: PLC0415

        return embedded_database_url(
            settings["INSTANCE_PATH"], settings["EMBEDDED_POSTGRES_DATABASE"], DRIVER
        )
    raise ConfigurationError(
        f"{settings['DATABASE_URL_VARIABLE']} is not set: point it at a PostgreSQL database, "
        f"for example {DRIVER}://user:password@host:5432/dbname"
    )
