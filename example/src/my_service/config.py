"""Configuration classes, one per environment, filled from environment variables.

APP_ENV picks the class (development, testing or production; production when
unset, so a deployment that forgets it fails safe). This module is the one
place that reads settings from the environment. In development the Flask CLI
loads .env first (python-dotenv), so `flask run` sees its values.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DRIVER = "postgresql+psycopg2"


class ConfigurationError(RuntimeError):
    """A setting is missing or malformed; the message names it and the fix."""


def database_url(value: str, variable: str) -> str:
    """Check a PostgreSQL URL and name the driver this project installs."""
    try:
        url = make_url(value)
    except ArgumentError as error:
        raise ConfigurationError(
            f"{variable} is not a database URL ({error}): "
            f"use the form {DRIVER}://user:password@host:5432/dbname"
        ) from None
    if url.get_backend_name() not in {"postgres", "postgresql"}:
        raise ConfigurationError(
            f"{variable} names the {url.get_backend_name()!r} backend: "
            f"this service runs on PostgreSQL only, use {DRIVER}://..."
        )
    # SQLAlchemy picks a default driver for a bare postgresql:// URL, which may
    # not be the one installed; naming it keeps dev, CI and production alike.
    url = url.set(drivername=DRIVER)
    return url.render_as_string(hide_password=False)


def integer(env: Mapping[str, str], name: str, default: int) -> int:
    """Read a non-negative whole number, naming the variable when it is not one."""
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not raw.strip().isdigit():
        raise ConfigurationError(f"{name} must be a whole number of 0 or more, got {raw!r}")
    return int(raw)


class Config:
    """Settings shared by every environment."""

    NAME = "base"
    DEBUG = False
    TESTING = False
    API_TITLE = "My Service"
    API_SPEC_OPTIONS = {
        "info": {
            "description": "A Flask and PostgreSQL service.",
            "contact": {"name": "Your Team", "email": "team@example.com"},
        },
        "servers": [{"url": "/", "description": "The server that serves this document"}],
    }
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    OPENAPI_SWAGGER_UI_URL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/"
    DATABASE_URL_VARIABLE = "DATABASE_URL"
    DEFAULT_LOG_FORMAT = "json"

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        """Read every setting from `environ` (os.environ by default)."""
        env = os.environ if environ is None else environ
        self.SECRET_KEY = env.get("SECRET_KEY") or self.default_secret_key()
        self.INSTANCE_PATH = str(Path(env.get("INSTANCE_PATH") or "instance").resolve())
        self.LOG_LEVEL = env.get("LOG_LEVEL", "INFO").upper()
        self.LOG_FORMAT = env.get("LOG_FORMAT", self.DEFAULT_LOG_FORMAT)
        if self.LOG_FORMAT not in {"text", "json"}:
            raise ConfigurationError(
                f"LOG_FORMAT must be 'text' or 'json', got {self.LOG_FORMAT!r}"
            )
        configured_url = env.get(self.DATABASE_URL_VARIABLE)
        if configured_url:
            self.SQLALCHEMY_DATABASE_URI = database_url(configured_url, self.DATABASE_URL_VARIABLE)
        else:
            self.SQLALCHEMY_DATABASE_URI = self.default_database_url()
        # Name of the database on the embedded server, used when no URL is set.
        self.EMBEDDED_POSTGRES_DATABASE = None if configured_url else self.embedded_database()
        self.SQLALCHEMY_ENGINE_OPTIONS = {
            "pool_pre_ping": True,
            "pool_size": integer(env, "DB_POOL_SIZE", 5),
            "max_overflow": integer(env, "DB_MAX_OVERFLOW", 10),
            "pool_recycle": integer(env, "DB_POOL_RECYCLE", 1800),
            "pool_timeout": integer(env, "DB_POOL_TIMEOUT", 10),
            "connect_args": {
                "connect_timeout": integer(env, "DB_CONNECT_TIMEOUT", 3),
                "application_name": "my-service",
            },
        }
        self.HEALTH_RETRY_AFTER = integer(env, "HEALTH_RETRY_AFTER", 5)
        self.SLOW_QUERY_MS = integer(env, "SLOW_QUERY_MS", 200)
        # NullCache turns caching off; SimpleCache is per process; RedisCache is shared.
        self.CACHE_TYPE = env.get("CACHE_TYPE", "SimpleCache")
        self.CACHE_DEFAULT_TIMEOUT = integer(env, "CACHE_DEFAULT_TIMEOUT", 300)
        self.CACHE_KEY_PREFIX = env.get("CACHE_KEY_PREFIX", "my_service:")
        self.CACHE_NO_NULL_WARNING = True  # NullCache is a deliberate choice, not a mistake

    def default_secret_key(self) -> str | None:
        """The key to use when SECRET_KEY is unset (none outside development and tests)."""
        return None

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

    def default_secret_key(self) -> str:
        """A fixed key, good enough for a laptop; `make init` writes a real one to .env."""
        return "development-only-secret-key"

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

    def default_secret_key(self) -> str:
        """A fixed key so that tests are repeatable."""
        return "testing-only-secret-key"

    def embedded_database(self) -> str:
        """The test database on the embedded server."""
        return "my_service_test"


class ProductionConfig(Config):
    """Production: every secret and address comes from the environment."""

    NAME = "production"

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        """Refuse to start without the settings production cannot guess."""
        env = os.environ if environ is None else environ
        for variable in ("SECRET_KEY", "DATABASE_URL"):
            if not env.get(variable):
                raise ConfigurationError(
                    f"{variable} is not set: production needs it in the environment "
                    f"(see .env.example for its form)"
                )
        super().__init__(env)


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
