"""Reading one setting from the environment: each kind of value, and its refusal.

Every reader names the variable and the expected form when a value is wrong, so a
deployment with a typo stops at start-up with one clear line.
"""

from __future__ import annotations

from collections.abc import Mapping

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DRIVER = "postgresql+psycopg2"
# Placeholders that must never sign anything in production: the ones this project ships
# (.env.example, the development and testing defaults) and the usual suspects.
PLACEHOLDER_SECRETS = {
    "change-me",
    "changeme",
    "secret",
    "development-only-secret-key-of-at-least-32-bytes",
    "testing-only-secret-key-of-at-least-32-bytes",
}
MIN_SECRET_BYTES = 32
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


class ConfigurationError(click.ClickException):
    """A setting is missing or malformed; the message names it and the fix.

    A click error, so every `flask` command that meets one prints its one line and exits 1."""


def choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    """One word of a fixed set (any case)."""
    raw = (env.get(name) or default).strip().lower()
    if raw not in choices:
        raise ConfigurationError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def integer(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole number of 0 or more."""
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not raw.strip().isdigit():
        raise ConfigurationError(f"{name} must be a whole number of 0 or more, got {raw!r}")
    return int(raw)


def switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    """On or off: true/false, yes/no, on/off, 1/0."""
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw not in TRUE | FALSE:
        raise ConfigurationError(f"{name} must be true or false, got {raw!r}")
    return raw in TRUE


def words(env: Mapping[str, str], name: str, default: str = "") -> list[str]:
    """A comma-separated list, blanks dropped."""
    return [item.strip() for item in env.get(name, default).split(",") if item.strip()]


def database_url(value: str, variable: str) -> str:
    """A PostgreSQL URL, with the driver this project installs written in."""
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


def strong_secrets(env: Mapping[str, str], name: str) -> list[str]:
    """A comma-separated list of secrets fit for production: each one as strong as one secret."""
    values = words(env, name)
    for position, value in enumerate(values, start=1):
        strong_secret({name: value}, name, f"{name}, entry {position},")
    return values


def strong_secret(env: Mapping[str, str], name: str, label: str = "") -> str:
    """A secret fit for production: set, not a known placeholder, 32 bytes or more.

    The errors name it as `label` (the setting's name unless given), never its value.
    """
    value = env.get(name) or ""
    label = label or name
    if not value:
        raise ConfigurationError(
            f"{label} is not set: production needs it in the environment "
            "(see .env.example for its form)"
        )
    if value.strip().lower() in PLACEHOLDER_SECRETS:
        raise ConfigurationError(
            f"{label} is a placeholder, not a secret: set it to a random value, for example "
            "the output of `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
        )
    if len(value.encode()) < MIN_SECRET_BYTES:
        raise ConfigurationError(
            f"{label} is {len(value.encode())} bytes long: use {MIN_SECRET_BYTES} or more, "
            "for example `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
        )
    return value
