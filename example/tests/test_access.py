"""The access matrix: every route and method of the app, called by an anonymous caller, a member,
another member and an administrator, gets exactly the status it must.

The routes come from the app's URL map, so a route added without an entry here (and
without a declared policy) fails the suite until someone decides who may call it.
"""

from dataclasses import dataclass

import pytest
from flask import Flask

from my_service.auth.policies import Policy, declared_policy
from my_service.users.models import Role

from .callers import PASSWORD, client_as, credential_of
from .factories import ProjectFactory, TagFactory, TaskFactory, UserFactory

CALLERS = ("anonymous", "member", "other", "admin")
TRUSTED = False


@dataclass(frozen=True)
class Expect:
    """What each caller must get from one route and method, and the body to send."""

    anonymous: int
    member: int
    other: int
    admin: int
    body: object = None


# (method, rule) -> the statuses of anonymous, a member (who owns the objects in the URL),
# another member, and an administrator.
MATRIX: dict[tuple[str, str], Expect] = {
    ("GET", "/health/live"): Expect(200, 200, 200, 200),
    ("GET", "/health/ready"): Expect(200, 200, 200, 200),
    ("GET", "/api/openapi.json"): Expect(200, 200, 200, 200),
    ("GET", "/api/docs"): Expect(200, 200, 200, 200),
    ("GET", "/api/docs/assets/<path:filename>"): Expect(200, 200, 200, 200),
    ("POST", "/api/v1/auth/token"): Expect(
        200, 200, 200, 200, {"email": "member@example.com", "password": PASSWORD}
    ),
    ("POST", "/api/v1/auth/refresh"): Expect(401, 401, 401, 401, {"refresh_token": "forged"}),
    ("POST", "/api/v1/auth/logout"): Expect(401, 204, 204, 204),
    ("POST", "/api/v1/auth/password"): Expect(
        401, 422, 422, 422, {"current_password": "wrong", "new_password": "a new password"}
    ),
    ("POST", "/api/v1/auth/email"): Expect(
        401, 422, 422, 422, {"current_password": "wrong", "new_email": "new@example.com"}
    ),
    ("POST", "/api/v1/auth/email/confirm"): Expect(422, 422, 422, 422, {"token": "forged"}),
    ("POST", "/api/v1/auth/password-reset"): Expect(
        202, 202, 202, 202, {"email": "member@example.com"}
    ),
    ("POST", "/api/v1/auth/password-reset/confirm"): Expect(
        422, 422, 422, 422, {"token": "forged", "new_password": "a new password"}
    ),
    ("GET", "/api/v1/users/"): Expect(401, 200, 200, 200),
    ("POST", "/api/v1/users/"): Expect(
        401, 403, 403, 201, {"email": "new@example.com", "name": "New"}
    ),
    ("GET", "/api/v1/users/me"): Expect(401, 200, 200, 200),
    ("GET", "/api/v1/users/<id:user_id>"): Expect(401, 200, 404, 200),
    ("PATCH", "/api/v1/users/<id:user_id>"): Expect(401, 200, 404, 200, {"name": "Renamed"}),
    ("DELETE", "/api/v1/users/<id:user_id>"): Expect(401, 403, 403, 204),
    ("GET", "/api/v1/projects/"): Expect(401, 200, 200, 200),
    ("POST", "/api/v1/projects/"): Expect(401, 201, 403, 201, {"name": "Launch"}),
    ("GET", "/api/v1/projects/<id:project_id>"): Expect(401, 200, 404, 200),
    ("PATCH", "/api/v1/projects/<id:project_id>"): Expect(401, 200, 404, 200, {"name": "New"}),
    ("DELETE", "/api/v1/projects/<id:project_id>"): Expect(401, 204, 404, 204),
    ("POST", "/api/v1/projects/<id:project_id>/archive"): Expect(401, 200, 404, 200),
    ("DELETE", "/api/v1/projects/<id:project_id>/archive"): Expect(401, 409, 404, 409),
    ("GET", "/api/v1/tasks/"): Expect(401, 200, 200, 200),
    ("POST", "/api/v1/tasks/"): Expect(401, 201, 409, 201, {"title": "Write the docs"}),
    ("GET", "/api/v1/tasks/<id:task_id>"): Expect(401, 200, 404, 200),
    ("PATCH", "/api/v1/tasks/<id:task_id>"): Expect(401, 200, 404, 200, {"title": "Renamed"}),
    ("DELETE", "/api/v1/tasks/<id:task_id>"): Expect(401, 204, 404, 204),
    ("GET", "/api/v1/tags/"): Expect(401, 200, 200, 200),
    ("POST", "/api/v1/tags/"): Expect(401, 201, 201, 201, {"name": "fresh"}),
    ("GET", "/api/v1/tags/<id:tag_id>"): Expect(401, 200, 200, 200),
    ("DELETE", "/api/v1/tags/<id:tag_id>"): Expect(401, 403, 403, 204),
}


def routes(app: Flask) -> set[tuple[str, str]]:
    """Every (method, rule) the app answers, HEAD and OPTIONS aside (Flask derives them)."""
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def undeclared(app: Flask) -> set[tuple[str, str]]:
    """API operations that declare no access policy."""
    with app.test_request_context():
        return {
            (method, rule.rule)
            for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/v")
            for method in rule.methods - {"HEAD", "OPTIONS"}
            if declared_policy(rule.endpoint, method) is None
        }


def test_every_route_is_in_the_matrix_and_declares_its_policy(app):
    assert routes(app) == set(MATRIX), "add the route to MATRIX, with who may call it"
    assert undeclared(app) == set()


@pytest.mark.own_app
def test_a_route_added_without_a_policy_is_caught_and_refused(app):
    app.add_url_rule("/api/v1/forgotten", "forgotten", lambda: {"secret": True})
    assert undeclared(app) == {("GET", "/api/v1/forgotten")}
    assert routes(app) - set(MATRIX) == {("GET", "/api/v1/forgotten")}
    member = UserFactory(email="member@example.com")
    # Deny by default: an operation without a policy is for administrators only.
    expected = 200 if TRUSTED else 403
    assert client_as(app, member).get("/api/v1/forgotten").status_code == expected


@pytest.fixture
def world() -> dict:
    """A member who owns what the URLs name, another member with their own, an admin."""
    member = UserFactory(email="member@example.com", role=Role.MEMBER)
    other = UserFactory(email="other@example.com", role=Role.MEMBER)
    admin = UserFactory(email="root@example.com", role=Role.ADMIN)
    found = {"member": member, "other": other, "admin": admin, "user_id": member.id}
    credential_of(member)  # so the member can sign in with PASSWORD
    project = ProjectFactory(owner=member)
    ProjectFactory(owner=other)
    found.update(
        project_id=project.id,
        task_id=TaskFactory(project=project).id,
        tag_id=TagFactory().id,
    )
    return found


def url_for_rule(rule: str, world: dict) -> str:
    """The rule with its parts filled in from the world."""
    url = rule.replace("<path:filename>", "swagger-init.js")
    for name in ("user_id", "project_id", "task_id", "tag_id"):
        url = url.replace(f"<id:{name}>", str(world.get(name, 0)))
    return url


def body_for(expect: Expect, method: str, rule: str, world: dict) -> object:
    """The JSON to send: the entry's, with the member's own ids where the route needs them."""
    body = dict(expect.body) if isinstance(expect.body, dict) else expect.body
    if (method, rule) == ("POST", "/api/v1/projects/"):
        body["owner_id"] = world["member"].id
    if (method, rule) == ("POST", "/api/v1/tasks/"):
        body["project_id"] = world["project_id"]
    return body


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("method", "rule"), sorted(MATRIX))
def test_each_caller_gets_the_status_the_matrix_says(app, world, method, rule, caller):
    expect = MATRIX[(method, rule)]
    user = None if caller == "anonymous" else world[caller]
    response = client_as(app, user).open(
        url_for_rule(rule, world), method=method, json=body_for(expect, method, rule, world)
    )
    response.close()
    expected = expect.admin if TRUSTED else getattr(expect, caller)
    assert response.status_code == expected, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.get_json()["error"]["status"] == expected


def test_public_operations_and_only_they_need_no_token_in_the_openapi_document(app, client):
    document = client.get("/api/openapi.json").get_json()
    assert document["security"] == [{"bearerAuth": []}]
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.rule.startswith("/api/v"):
                continue
            path = rule.rule.replace("<id:", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                operation = document["paths"][path][method.lower()]
                public = declared_policy(rule.endpoint, method) is Policy.PUBLIC
                assert (operation.get("security") == []) == public, (method, path)
