"""Hostile input gets a 4xx in the error shape and changes nothing in the database."""

import pytest
from sqlalchemy import func, select, text

from my_service.extensions import db
from my_service.users.models import User

USERS = "/api/v1/users/"
HUGE = "x" * (2 * 1024 * 1024)


def raw(data: bytes) -> dict:
    """A raw body, sent as JSON."""
    return {"data": data, "headers": {"Content-Type": "application/json"}}


def body(**fields: object) -> dict:
    """A JSON body."""
    return {"json": fields}


def query(**arguments: str) -> dict:
    """Query arguments."""
    return {"query_string": arguments}


def credentials(value: str) -> dict:
    """An Authorization header."""
    return {"headers": {"Authorization": value}}


# name: (method, url, request arguments, the status it must get)
HOSTILE = {
    "invalid-utf8": ("POST", USERS, raw(b'{"email": "\xff\xfe@x.io"}'), 400),
    "malformed-json": ("POST", USERS, raw(b'{"email": '), 400),
    "wrong-types": ("POST", USERS, body(email=7, name=["Ada"]), 422),
    "unknown-role": ("POST", USERS, body(email="a@x.io", name="A", role="root"), 422),
    "nul-character": ("POST", USERS, body(email="a@x.io", name="A\u0000"), 422),
    "oversized-body": ("POST", USERS, body(email="a@x.io", name=HUGE), 413),
    "sql-in-email": ("POST", USERS, body(email="x'; DROP TABLE users; --@x.io", name="M"), 422),
    "sql-in-filter": ("GET", USERS, query(email="' OR '1'='1"), 422),
    "sql-in-sort": ("GET", USERS, query(sort="id; DROP TABLE users"), 422),
    "huge-id": ("GET", f"{USERS}99999999999999999999999", {}, 404),
    "negative-page-size": ("GET", USERS, query(page_size="-1"), 422),
    "forged-cursor": ("GET", USERS, query(cursor="eyJzIjoiaWQiLCJpIjoiMSBPUiAxPTEifQ"), 422),
    "garbage-token": ("GET", USERS, credentials("Bearer not.a.token"), 401),
    "basic-credentials": ("GET", USERS, credentials("Basic YWRhOnB3"), 401),
    "empty-bearer": ("GET", USERS, credentials("Bearer "), 401),
}


def row_counts() -> dict[str, int]:
    """How many rows each table holds."""
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_input_is_refused_in_the_error_shape_and_changes_nothing(app, client, case):
    method, url, arguments, expected = HOSTILE[case]
    before = row_counts()
    caller = app.test_client() if "Authorization" in arguments.get("headers", {}) else client
    response = caller.open(url, method=method, **arguments)
    assert response.status_code == expected
    error = response.get_json()["error"]
    assert error["status"] == expected and error["message"]
    assert row_counts() == before


def test_sql_in_a_free_text_field_is_stored_as_text(client, session):
    name = "Robert'); DROP TABLE users;--"
    response = client.post("/api/v1/users/", json={"email": "bobby@example.com", "name": name})
    assert response.status_code == 201
    assert session.scalar(select(User.name).where(User.email == "bobby@example.com")) == name
    assert session.scalar(text("SELECT to_regclass('users') IS NOT NULL"))
