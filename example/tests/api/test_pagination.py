"""Keyset pagination: every row once, in order, at any depth, whatever changes meanwhile."""

import json

import pytest

from ..factories import ProjectFactory, TaskFactory, UserFactory


def walk(client, url: str, **arguments) -> list[dict]:
    """Every row of a list, page by page, following the cursors."""
    rows, query = [], {"page_size": 7, **arguments}
    while True:
        response = client.get(url, query_string=query)
        assert response.status_code == 200, response.get_json()
        rows += response.get_json()
        cursor = json.loads(response.headers["X-Pagination"])["next_cursor"]
        if cursor is None:
            assert "Link" not in response.headers
            return rows
        query = {**query, "cursor": cursor}


def test_walking_the_pages_returns_every_row_once_in_order(client, admin):
    created = UserFactory.create_batch(30)
    ids = [row["id"] for row in walk(client, "/api/v1/users/")]
    assert ids == sorted([admin.id, *(user.id for user in created)])
    descending = [row["id"] for row in walk(client, "/api/v1/users/", sort="-id")]
    assert descending == sorted(ids, reverse=True)


def test_rows_added_or_removed_meanwhile_never_shift_a_later_page(client):
    users = UserFactory.create_batch(20)
    first = client.get("/api/v1/users/", query_string={"page_size": 5})
    seen = [row["id"] for row in first.get_json()]
    cursor = json.loads(first.headers["X-Pagination"])["next_cursor"]
    client.delete(f"/api/v1/users/{seen[-1]}")  # from a page already read
    UserFactory.create_batch(3)  # at the end
    rest = walk(client, "/api/v1/users/", cursor=cursor, page_size=5)
    rest_ids = [row["id"] for row in rest]
    assert not set(seen) & set(rest_ids)
    assert {user.id for user in users} - set(seen) <= set(rest_ids)


def test_a_cursor_of_another_sort_or_a_forged_one_is_refused(client):
    UserFactory.create_batch(5)
    first = client.get("/api/v1/users/", query_string={"page_size": 2})
    cursor = json.loads(first.headers["X-Pagination"])["next_cursor"]
    other_sort = client.get("/api/v1/users/", query_string={"sort": "-id", "cursor": cursor})
    assert other_sort.status_code == 422
    forged = client.get("/api/v1/users/", query_string={"cursor": cursor[:-3] + "xyz"})
    assert forged.status_code == 422
    assert "start again without a cursor" in forged.get_json()["error"]["message"]


def test_the_total_is_counted_only_when_asked_for(client, statements):
    UserFactory.create_batch(3)
    statements.clear()
    plain = client.get("/api/v1/users/")
    assert "total" not in json.loads(plain.headers["X-Pagination"])
    assert not any("count(" in statement for statement in statements)
    counted = client.get("/api/v1/users/", query_string={"total": "true", "page_size": 1})
    assert json.loads(counted.headers["X-Pagination"])["total"] == 4  # and the admin


@pytest.mark.parametrize("page_size", [0, 101])
def test_the_page_size_is_bounded(client, page_size):
    response = client.get("/api/v1/users/", query_string={"page_size": page_size})
    assert response.status_code == 422
    assert "page_size" in response.get_json()["error"]["details"]["query"]


@pytest.mark.parametrize("sort", ["due_date", "-due_date"])
def test_a_sort_with_empty_values_walks_them_last(client, sort):
    project = ProjectFactory()
    for day in (None, 3, 1, None, 2, 2, None):
        due = None if day is None else f"2030-01-0{day}"
        TaskFactory(project=project, due_date=due)
    rows = walk(client, "/api/v1/tasks/", sort=sort, page_size=2)
    assert len({row["id"] for row in rows}) == len(rows) == 7
    dates = [row["due_date"] for row in rows]
    assert dates[-3:] == [None, None, None]
    assert dates[:4] == sorted(dates[:4], reverse=sort.startswith("-"))


def test_filters_hold_across_pages(client):
    mine, other = ProjectFactory(), ProjectFactory()
    TaskFactory.create_batch(9, project=mine)
    TaskFactory.create_batch(4, project=other)
    rows = walk(client, "/api/v1/tasks/", project_id=mine.id, page_size=4)
    assert len(rows) == 9 and {row["project_id"] for row in rows} == {mine.id}


def test_a_deep_page_costs_what_the_first_does(client, statements):
    TaskFactory.create_batch(60, project=ProjectFactory())
    statements.clear()
    client.get("/api/v1/tasks/", query_string={"page_size": 5})
    first = list(statements)
    deep_cursor = json.loads(
        client.get("/api/v1/tasks/", query_string={"page_size": 50}).headers["X-Pagination"]
    )["next_cursor"]
    statements.clear()
    deep = client.get("/api/v1/tasks/", query_string={"page_size": 5, "cursor": deep_cursor})
    assert len(deep.get_json()) == 5
    assert len(statements) == len(first)
    assert not any("OFFSET" in statement.upper() for statement in statements)
