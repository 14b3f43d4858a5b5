"""Idempotency-Key: a retried POST returns the first answer and writes nothing again."""

import pytest
from sqlalchemy import func, select

from my_service.idempotency import IdempotencyKey
from my_service.models import User
from my_service.users.models import Role

from ..callers import client_as
from ..factories import UserFactory

URL = "/api/v1/users/"
ADA = {"email": "ada@example.com", "name": "Ada"}


def post(client, body: dict, key: str | None = "retry-me-1"):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(URL, json=body, headers=headers)


def users_named(session, email: str) -> int:
    return session.scalar(select(func.count()).select_from(User).where(User.email == email))


def test_the_same_key_and_request_return_the_first_answer_without_writing_again(client, session):
    first = post(client, ADA)
    again = post(client, ADA)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert users_named(session, "ada@example.com") == 1


def test_the_same_key_with_another_request_is_refused(client, session):
    post(client, ADA)
    other = post(client, {"email": "grace@example.com", "name": "Grace"})
    assert other.status_code == 422
    assert "was used with another request" in other.get_json()["error"]["message"]
    assert users_named(session, "grace@example.com") == 0


def test_without_a_key_every_request_writes(client, session):
    assert post(client, ADA, key=None).status_code == 201
    assert post(client, ADA, key=None).status_code == 409  # the email is taken now


def test_a_failed_write_stores_no_answer_so_a_retry_runs_again(client, session):
    taken = post(client, ADA, key=None)
    assert taken.status_code == 201
    assert post(client, ADA, key="after-a-conflict").status_code == 409
    assert session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


def test_an_expired_key_lets_the_request_run_again(app, client, session):
    app.config["IDEMPOTENCY_KEY_HOURS"] = 0
    assert post(client, ADA).status_code == 201
    replay = post(client, {"email": "grace@example.com", "name": "Grace"})
    assert replay.status_code == 201
    assert "Idempotent-Replayed" not in replay.headers


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "naïve"])
def test_a_malformed_key_is_refused(client, key):
    response = post(client, ADA, key=key)
    assert response.status_code == 422
    assert "Idempotency-Key must be" in response.get_json()["error"]["message"]


def test_two_callers_may_use_the_same_key(app, client, session):
    other_admin = client_as(app, UserFactory(email="root@example.com", role=Role.ADMIN))
    assert post(client, ADA).status_code == 201
    grace = post(other_admin, {"email": "grace@example.com", "name": "Grace"})
    assert grace.status_code == 201
    assert "Idempotent-Replayed" not in grace.headers


def test_the_openapi_document_declares_the_header_on_creating_operations(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    collections = [path for name, path in paths.items() if name.endswith("s/")]
    creating = [path["post"] for path in collections if "post" in path]
    assert creating
    for operation in creating:
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        assert "Idempotency-Key" in names, operation["operationId"]
