"""The list-scope matrix: every list route, with every filter it accepts, called by each member,
answers only rows that member may see.

The single-object routes are in the access matrix (test_access.py); a filter that
replaced a list's scope instead of narrowing it would pass there, and fails here.
The filter values point at the caller's own rows and at the other member's.
"""

from datetime import UTC, date, datetime

import pytest

from my_service.tasks.models import Status
from my_service.users.models import Role

from .callers import client_as
from .factories import ProjectFactory, TagFactory, TaskFactory, UserFactory

MEMBERS = ("member", "other")
PAGING = {"page_size", "cursor", "total", "sort"}


@pytest.fixture
def world() -> dict:
    """Two members with rows of their own and rows they share, an administrator, and for each
    list the ids each member may see."""
    member = UserFactory(email="member@example.com", role=Role.MEMBER)
    other = UserFactory(email="other@example.com", role=Role.MEMBER)
    admin = UserFactory(email="root@example.com", role=Role.ADMIN)
    gone = UserFactory(email="gone@example.com", role=Role.MEMBER, is_active=False)
    found = {
        "member": member,
        "other": other,
        "users": {"member": {member.id}, "other": {other.id}},
        "all_users": {member.id, other.id, admin.id, gone.id},
    }
    own = ProjectFactory(owner=member)
    theirs = ProjectFactory(owner=other)
    shelved = ProjectFactory(owner=other, archived_at=datetime.now(UTC))
    own_open = TaskFactory(project=own, due_date=date(2030, 1, 1))
    own_given = TaskFactory(project=own, assignee=other, status=Status.DONE)
    theirs_given = TaskFactory(project=theirs, assignee=member, due_date=date(2030, 6, 1))
    theirs_kept = TaskFactory(project=theirs, assignee=other, due_date=date(2029, 1, 1))
    tags = [TagFactory(name="alpha"), TagFactory(name="beta")]
    found.update(
        own_project=own.id,
        their_project=theirs.id,
        projects={"member": {own.id}, "other": {theirs.id, shelved.id}},
        tasks={
            "member": {own_open.id, own_given.id, theirs_given.id},
            "other": {own_given.id, theirs_given.id, theirs_kept.id},
        },
        tags={"member": {tag.id for tag in tags}, "other": {tag.id for tag in tags}},
    )
    return found


# route -> the rows it lists (a key of the world) and each filter it accepts, with the
# values to try; `@name` stands for the id of the world's `name`.
LISTS = {
    "/api/v1/users/": (
        "users",
        {
            "": [{}],
            "email": [{"email": "member@example.com"}, {"email": "OTHER@example.com"}],
            "role": [{"role": "member"}, {"role": "admin"}],
            "is_active": [{"is_active": "true"}, {"is_active": "false"}],
        },
    ),
    "/api/v1/projects/": (
        "projects",
        {
            "": [{}],
            "owner_id": [{"owner_id": "@member"}, {"owner_id": "@other"}],
            "archived": [{"archived": "true"}, {"archived": "false"}],
        },
    ),
    "/api/v1/tasks/": (
        "tasks",
        {
            "": [{}],
            "project_id": [{"project_id": "@own_project"}, {"project_id": "@their_project"}],
            "assignee_id": [{"assignee_id": "@member"}, {"assignee_id": "@other"}],
            "status": [{"status": "todo"}, {"status": "done"}],
            "due_before": [{"due_before": "2029-12-31"}],
            "due_after": [{"due_after": "2029-12-31"}],
        },
    ),
    "/api/v1/tags/": ("tags", {"": [{}], "prefix": [{"prefix": "a"}]}),
}
CASES = [
    pytest.param(route, arguments, caller, id=f"{route}?{'&'.join(map(str, arguments))}-{caller}")
    for route, (_rows, filters) in LISTS.items()
    for values in filters.values()
    for arguments in values
    for caller in MEMBERS
]


def query_for(arguments: dict, world: dict) -> dict:
    """The query string, with `@name` replaced by the id of the world's `name`."""
    query = {"page_size": 100}
    for name, value in arguments.items():
        thing = world[value[1:]] if value.startswith("@") else value
        query[name] = getattr(thing, "id", thing)
    return query


@pytest.mark.parametrize(("route", "arguments", "caller"), CASES)
def test_a_members_list_holds_only_rows_they_may_see(app, world, route, arguments, caller):
    rows = LISTS[route][0]
    response = client_as(app, world[caller]).get(route, query_string=query_for(arguments, world))
    assert response.status_code == 200, response.get_json()
    listed = {row["id"] for row in response.get_json()}
    assert listed <= world[rows][caller], f"{caller} sees rows of others: {listed}"
    if not arguments:
        assert listed == world[rows][caller]  # the unfiltered list finds all of theirs


def test_the_matrix_covers_every_filter_of_every_list(client):
    """A filter added to a list's arguments must be added to LISTS."""
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for route, (_rows, filters) in LISTS.items():
        parameters = paths[route]["get"]["parameters"]
        accepted = {parameter["name"] for parameter in parameters if parameter["in"] == "query"}
        assert accepted - PAGING == set(filters) - {""}, f"add the filters of {route} to LISTS"
