"""Lists load related rows without N+1: the statements per request do not grow with the rows."""

import pytest

from my_service.caching import PER_PROCESS_CACHES

from ..factories import ProjectFactory, TagFactory, TaskFactory, UserFactory


def statements_for(client, statements, url: str) -> int:
    statements.clear()
    response = client.get(url, query_string={"page_size": 100})
    assert response.status_code == 200
    return len(statements)


def generations(app) -> int:
    """The statements a cached read spends on the tables' generations (in PostgreSQL when
    each process keeps its own cache)."""
    return 1 if app.config["CACHE_TYPE"] in PER_PROCESS_CACHES else 0


def identifying(client, statements) -> int:
    """The statements it takes to know who the caller is (the same for every request)."""
    return statements_for(client, statements, "/api/v1/users/me")


@pytest.mark.parametrize(
    ("url", "make_rows"),
    [
        ("/api/v1/users/", UserFactory.create_batch),
        ("/api/v1/projects/", ProjectFactory.create_batch),
        ("/api/v1/tags/", TagFactory.create_batch),
        (
            "/api/v1/tasks/",
            lambda n: TaskFactory.create_batch(n, tags=TagFactory.create_batch(2)),
        ),
    ],
)
def test_statements_per_list_request_stay_flat_as_rows_grow(
    app, client, statements, url, make_rows
):
    make_rows(10)
    with_ten = statements_for(client, statements, url)
    make_rows(90)
    with_hundred = statements_for(client, statements, url)
    assert with_ten == with_hundred
    # Who the caller is, the generations; then the page (a task's tags come in its own row).
    assert with_ten == identifying(client, statements) + generations(app) + 1


def test_a_task_with_many_tags_is_read_in_a_fixed_number_of_statements(client, statements):
    few = TaskFactory(tags=TagFactory.create_batch(1))
    many = TaskFactory(tags=TagFactory.create_batch(20))
    assert statements_for(client, statements, f"/api/v1/tasks/{few.id}") == statements_for(
        client, statements, f"/api/v1/tasks/{many.id}"
    )
