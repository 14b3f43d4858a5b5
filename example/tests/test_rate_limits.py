"""Rate limits: the API's default limit and the stricter one on signing in, answered
with 429 in the error shape and a Retry-After; health probes are never limited."""

import pytest

from .callers import PASSWORD, credential_of
from .factories import UserFactory


@pytest.fixture
def config(config):
    """The test configuration, with rate limits on and low."""
    config.RATELIMIT_ENABLED = True
    config.RATE_LIMIT_DEFAULT = "5 per minute"
    config.RATE_LIMIT_SIGN_IN = "3 per minute"
    return config


def test_the_api_answers_429_with_retry_after_past_its_default_limit(client):
    statuses = [client.get("/api/v1/users/").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    limited = client.get("/api/v1/users/")
    error = limited.get_json()["error"]
    assert (error["status"], error["code"]) == (429, "too_many_requests")
    assert 0 < int(limited.headers["Retry-After"]) <= 60


def test_health_probes_are_never_limited(client):
    assert {client.get("/health/live").status_code for _ in range(10)} == {200}


def test_signing_in_has_its_own_stricter_limit(anonymous):
    credential_of(UserFactory(email="ada@example.com"))
    attempt = {"email": "ada@example.com", "password": "wrong"}
    statuses = [anonymous.post("/api/v1/auth/token", json=attempt).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    right = {"email": "ada@example.com", "password": PASSWORD}
    assert anonymous.post("/api/v1/auth/token", json=right).status_code == 429
