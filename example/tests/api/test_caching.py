"""Cached reads: a write is never followed by a stale read;
a repeated read skips the database."""

from ..factories import TagFactory, TaskFactory, UserFactory


def test_an_update_is_seen_by_the_next_read(client):
    user = UserFactory(name="Before")
    assert client.get(f"/api/v1/users/{user.id}").get_json()["name"] == "Before"
    client.patch(f"/api/v1/users/{user.id}", json={"name": "After"})
    assert client.get(f"/api/v1/users/{user.id}").get_json()["name"] == "After"


def test_a_create_is_seen_by_the_next_list_read(client):
    UserFactory()
    assert len(client.get("/api/v1/users/").get_json()) == 1
    client.post("/api/v1/users/", json={"email": "new@example.com", "name": "New"})
    assert len(client.get("/api/v1/users/").get_json()) == 2


def test_a_delete_is_seen_by_the_next_read(client):
    user = UserFactory()
    assert client.get(f"/api/v1/users/{user.id}").status_code == 200
    client.delete(f"/api/v1/users/{user.id}")
    assert client.get(f"/api/v1/users/{user.id}").status_code == 404
    assert client.get("/api/v1/users/").get_json() == []


def test_a_failed_write_changes_no_cached_read(client):
    user = UserFactory(email="ada@example.com")
    before = client.get("/api/v1/users/").get_json()
    client.post("/api/v1/users/", json={"email": "ada@example.com", "name": "Twin"})
    assert client.get("/api/v1/users/").get_json() == before
    assert client.get(f"/api/v1/users/{user.id}").get_json()["email"] == "ada@example.com"


def test_deleting_a_tag_is_seen_in_the_tasks_that_had_it(client):
    tag = TagFactory(name="obsolete")
    task = TaskFactory(tags=[tag])
    assert client.get(f"/api/v1/tasks/{task.id}").get_json()["tags"] == ["obsolete"]
    client.delete(f"/api/v1/tags/{tag.id}")
    assert client.get(f"/api/v1/tasks/{task.id}").get_json()["tags"] == []


def test_completing_a_task_is_seen_in_the_task_list(client):
    task = TaskFactory()
    assert client.get("/api/v1/tasks/").get_json()[0]["status"] == "todo"
    client.patch(f"/api/v1/tasks/{task.id}", json={"status": "done"})
    assert client.get("/api/v1/tasks/").get_json()[0]["status"] == "done"


def test_a_repeated_read_is_served_from_the_cache(client, statements):
    user = UserFactory()
    first = client.get(f"/api/v1/users/{user.id}")
    statements.clear()
    second = client.get(f"/api/v1/users/{user.id}")
    assert statements == []
    assert second.get_json() == first.get_json()
    assert second.headers["Content-Type"] == "application/json"
