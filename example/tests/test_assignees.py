"""Who a task may be assigned to: a user the caller may see.

A member sees only themselves among users, so a member assigns their tasks to
themselves (or to nobody); an administrator, to anyone. A user the member may not
see gets the answer a user who does not exist gets, so assigning reveals no account.
"""

import pytest

from my_service.users.models import Role

from .callers import client_as
from .factories import ProjectFactory, TaskFactory, UserFactory

MISSING = 987654321


@pytest.fixture
def member():
    """A member who owns a project with one task in it."""
    return UserFactory(email="member@example.com", role=Role.MEMBER)


@pytest.fixture
def task(member):
    """A task in the member's project."""
    return TaskFactory(project=ProjectFactory(owner=member))


def error_of(response) -> tuple[int, dict]:
    """The status and the error, without the request id that differs on every answer."""
    error = dict(response.get_json()["error"])
    error.pop("request_id", None)
    return response.status_code, error


def test_a_member_assigns_their_task_to_themselves_or_to_nobody(app, member, task):
    caller = client_as(app, member)
    for assignee in (member.id, None):
        response = caller.patch(f"/api/v1/tasks/{task.id}", json={"assignee_id": assignee})
        assert response.status_code == 200
        assert response.get_json()["assignee_id"] == assignee


def test_another_user_and_a_missing_one_get_the_same_answer(app, member, task):
    caller = client_as(app, member)
    someone = UserFactory(email="someone@example.com")
    url = f"/api/v1/tasks/{task.id}"
    hidden = caller.patch(url, json={"assignee_id": someone.id})
    missing = caller.patch(url, json={"assignee_id": MISSING})
    assert error_of(hidden) == error_of(missing)
    assert hidden.status_code == 409
    assert "assignee_id" in hidden.get_json()["error"]["message"]


def test_creating_a_task_for_another_user_gets_the_answer_of_a_missing_one(app, member, task):
    caller = client_as(app, member)
    someone = UserFactory(email="someone@example.com")
    body = {"project_id": task.project_id, "title": "Hand over"}
    hidden = caller.post("/api/v1/tasks/", json={**body, "assignee_id": someone.id})
    missing = caller.post("/api/v1/tasks/", json={**body, "assignee_id": MISSING})
    assert error_of(hidden) == error_of(missing)
    assert hidden.status_code == 409


def test_an_administrator_assigns_to_anyone(client, task):
    someone = UserFactory(email="someone@example.com")
    response = client.patch(f"/api/v1/tasks/{task.id}", json={"assignee_id": someone.id})
    assert response.status_code == 200
    assert response.get_json()["assignee_id"] == someone.id
