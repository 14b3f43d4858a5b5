"""The configuration classes and how APP_ENV and the environment fill them."""

import os
import subprocess
import sys

import pytest

from my_service.config import (
    ConfigurationError,
    DevelopmentConfig,
    ProductionConfig,
    TestingConfig,
    load_config,
)

from .support import ROOT

SECRET = "kD8vJ2mQ9xL4tR7wZ1cF6hN3bV5yG0aE"  # 32 random-looking bytes, as production needs
PRODUCTION_ENV = {
    "APP_ENV": "production",
    "SECRET_KEY": SECRET,
    "JWT_SECRET_KEY": SECRET[::-1],
    "DATABASE_URL": "postgresql://app:pw@db.internal:5432/app",
}


@pytest.mark.parametrize(
    ("app_env", "expected"),
    [("development", DevelopmentConfig), ("testing", TestingConfig)],
)
def test_app_env_picks_the_configuration_class(app_env, expected):
    assert type(load_config({"APP_ENV": app_env})) is expected


def test_unset_app_env_means_production():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "APP_ENV"}
    assert type(load_config(env)) is ProductionConfig


def test_unknown_app_env_names_the_choices():
    with pytest.raises(ConfigurationError, match="APP_ENV is 'staging'.*development"):
        load_config({"APP_ENV": "staging"})


@pytest.mark.parametrize(
    "missing",
    ["SECRET_KEY", "DATABASE_URL", "JWT_SECRET_KEY"],
)
def test_production_refuses_to_start_without_a_required_variable(missing):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}
    with pytest.raises(ConfigurationError, match=f"^{missing} is not set"):
        load_config(env)


def test_production_reads_its_settings_from_the_environment():
    config = load_config({**PRODUCTION_ENV, "DB_POOL_SIZE": "20", "LOG_LEVEL": "warning"})
    assert config.SECRET_KEY == SECRET
    assert config.SQLALCHEMY_ENGINE_OPTIONS["pool_size"] == 20
    assert config.SQLALCHEMY_ENGINE_OPTIONS["pool_pre_ping"] is False  # database/staleness.py
    assert config.LOG_LEVEL == "WARNING"
    assert config.LOG_FORMAT == "json"
    assert config.DEBUG is False


def test_a_bare_postgresql_url_gets_the_installed_driver():
    config = load_config(PRODUCTION_ENV)
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg2://app:pw@db.internal:5432/app"


def test_a_heroku_style_postgres_url_is_accepted():
    env = {**PRODUCTION_ENV, "DATABASE_URL": "postgres://app:pw@db.internal/app"}
    assert load_config(env).SQLALCHEMY_DATABASE_URI.startswith("postgresql+psycopg2://")


def test_a_non_postgresql_database_is_refused():
    env = {**PRODUCTION_ENV, "DATABASE_URL": "sqlite:///app.db"}
    with pytest.raises(ConfigurationError, match="DATABASE_URL names the 'sqlite' backend"):
        load_config(env)


def test_a_malformed_database_url_is_refused():
    env = {**PRODUCTION_ENV, "DATABASE_URL": "not a url"}
    with pytest.raises(ConfigurationError, match="DATABASE_URL is not a database URL"):
        load_config(env)


def test_a_pool_setting_that_is_not_a_number_is_named():
    env = {**PRODUCTION_ENV, "DB_POOL_SIZE": "ten"}
    with pytest.raises(ConfigurationError, match="DB_POOL_SIZE must be a whole number"):
        load_config(env)


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ConfigurationError, match="LOG_FORMAT must be 'text' or 'json'"):
        load_config({"APP_ENV": "development", "LOG_FORMAT": "xml"})


def test_development_logs_readable_text_and_debugs():
    config = load_config({"APP_ENV": "development"})
    assert config.DEBUG is True
    assert config.LOG_FORMAT == "text"


def test_testing_reads_its_own_database_variable():
    url = "postgresql://tester@127.0.0.1:5432/elsewhere_test"
    config = load_config({"APP_ENV": "testing", "TEST_DATABASE_URL": url, "DATABASE_URL": "x"})
    assert config.TESTING is True
    assert config.SQLALCHEMY_DATABASE_URI.endswith("@127.0.0.1:5432/elsewhere_test")


@pytest.mark.parametrize("variable", ["SECRET_KEY", "JWT_SECRET_KEY"])
@pytest.mark.parametrize("placeholder", ["change-me", "CHANGEME", "secret"])
def test_production_refuses_a_placeholder_secret_naming_it(variable, placeholder):
    with pytest.raises(ConfigurationError, match=f"^{variable} is a placeholder, not a secret"):
        load_config({**PRODUCTION_ENV, variable: placeholder})


@pytest.mark.parametrize("variable", ["SECRET_KEY", "JWT_SECRET_KEY"])
def test_production_refuses_a_secret_shorter_than_32_bytes(variable):
    with pytest.raises(ConfigurationError, match=f"^{variable} is 31 bytes long: use 32 or more"):
        load_config({**PRODUCTION_ENV, variable: "x" * 31})


@pytest.mark.parametrize(
    ("previous", "problem"),
    [
        ("secret", "is a placeholder, not a secret"),
        ("development-only-secret-key-of-at-least-32-bytes", "is a placeholder, not a secret"),
        ("x" * 31, "is 31 bytes long: use 32 or more"),
    ],
    ids=["placeholder", "development-default", "short"],
)
def test_production_refuses_a_weak_previous_signing_key_naming_it(previous, problem):
    env = {**PRODUCTION_ENV, "JWT_PREVIOUS_SECRET_KEYS": f"{SECRET}, {previous}"}
    with pytest.raises(ConfigurationError) as raised:
        load_config(env)
    assert str(raised.value).startswith(f"JWT_PREVIOUS_SECRET_KEYS, entry 2, {problem}")
    if previous != "secret":  # a key is never echoed (the word "secret" is in every message)
        assert previous not in str(raised.value)


def test_production_keeps_strong_previous_signing_keys():
    env = {**PRODUCTION_ENV, "JWT_PREVIOUS_SECRET_KEYS": f"{SECRET}, {SECRET.upper()}"}
    assert load_config(env).JWT_PREVIOUS_SECRET_KEYS == [SECRET, SECRET.upper()]


def test_every_connection_gets_timeouts_and_production_hides_sql_parameters():
    options = load_config(PRODUCTION_ENV).SQLALCHEMY_ENGINE_OPTIONS
    assert options["hide_parameters"] is True
    startup = options["connect_args"]["options"]
    assert "-c statement_timeout=30000" in startup
    assert "-c lock_timeout=10000" in startup
    assert "-c idle_in_transaction_session_timeout=60000" in startup
    development = load_config({"APP_ENV": "development", "DB_STATEMENT_TIMEOUT_MS": "500"})
    options = development.SQLALCHEMY_ENGINE_OPTIONS
    assert options["hide_parameters"] is False
    assert "-c statement_timeout=500" in options["connect_args"]["options"]


def test_cors_refuses_a_wildcard_origin():
    with pytest.raises(ConfigurationError, match="CORS_ALLOWED_ORIGINS must list origins"):
        load_config({**PRODUCTION_ENV, "CORS_ALLOWED_ORIGINS": "*"})


@pytest.mark.parametrize(("variable", "value"), [("SERVER_TIMING", "maybe"), ("RATE_LIMITS", "2")])
def test_a_switch_that_is_not_true_or_false_is_named(variable, value):
    with pytest.raises(ConfigurationError, match=f"{variable} must be true or false"):
        load_config({**PRODUCTION_ENV, variable: value})


def test_server_timing_is_on_in_development_only():
    assert load_config({"APP_ENV": "development"}).SERVER_TIMING is True
    assert load_config(PRODUCTION_ENV).SERVER_TIMING is False
    assert load_config({**PRODUCTION_ENV, "SERVER_TIMING": "on"}).SERVER_TIMING is True


def started_with_a_placeholder_secret(*command: str) -> subprocess.CompletedProcess:
    """Run `command` in production with SECRET_KEY left at the .env.example placeholder."""
    env = {**os.environ, **PRODUCTION_ENV, "SECRET_KEY": "change-me"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("command", ["routes", "db current", "dbtools wait --timeout 1"])
def test_a_flask_command_reports_a_configuration_error_in_one_line(command):
    flask = ["flask", "--app", "my_service"]
    done = started_with_a_placeholder_secret(*flask, *command.split())
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith("Error: SECRET_KEY")


def test_gunicorn_reports_a_configuration_error_in_one_line_and_starts_no_worker():
    gunicorn = ["gunicorn", "--config", str(ROOT / "gunicorn.conf.py"), "--bind", "127.0.0.1:0"]
    done = started_with_a_placeholder_secret(*gunicorn, "my_service:create_app()")
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith("Configuration error: SECRET_KEY")
