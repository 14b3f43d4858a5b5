"""Cached reads: a write is never followed by a stale read;
a repeated read skips the database."""

from sqlalchemy import update

from my_service import create_app
from my_service.extensions import db
from my_service.models import User
from my_service.seeds.fake import generate

from ..callers import client_as
from ..factories import TagFactory, TaskFactory, UserFactory


def test_an_update_is_seen_by_the_next_read(client):
    user = UserFactory(name="Before")
    assert client.get(f"/api/v1/users/{user.id}").get_json()["name"] == "Before"
    client.patch(f"/api/v1/users/{user.id}", json={"name": "After"})
    assert client.get(f"/api/v1/users/{user.id}").get_json()["name"] == "After"


def test_a_create_is_seen_by_the_next_list_read(client):
    UserFactory()
    assert len(client.get("/api/v1/users/").get_json()) == 2  # with the admin calling
    client.post("/api/v1/users/", json={"email": "new@example.com", "name": "New"})
    assert len(client.get("/api/v1/users/").get_json()) == 3


def test_a_delete_is_seen_by_the_next_read(client):
    user = UserFactory()
    assert client.get(f"/api/v1/users/{user.id}").status_code == 200
    client.delete(f"/api/v1/users/{user.id}")
    assert client.get(f"/api/v1/users/{user.id}").status_code == 404
    assert user.id not in {listed["id"] for listed in client.get("/api/v1/users/").get_json()}


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
    url = f"/api/v1/users/{UserFactory().id}"
    client.get("/api/v1/users/me")
    statements.clear()
    client.get("/api/v1/users/me")  # costs only what identifying the caller costs
    identifying = list(statements)
    first = client.get(url)
    statements.clear()
    second = client.get(url)
    # Beyond identifying the caller, only the tables' generations, which every process shares.
    [generations] = statements[len(identifying) :]
    assert "FROM cache_generations" in generations
    assert second.get_json() == first.get_json()
    assert second.headers["Content-Type"] == "application/json"


def test_a_write_in_one_process_is_seen_by_the_next_read_in_another(app, config, client, admin):
    # A second app on the same database stands for another gunicorn worker or replica:
    # it has a cache of its own, and sees the test's data through the test's connection.
    other = create_app(config)
    connection = db.engines[None]
    with other.app_context():
        for key in list(db.engines):
            db.engines[key] = connection
    elsewhere = client_as(other, admin)
    url = f"/api/v1/users/{UserFactory(name='Before').id}"
    assert elsewhere.get(url).get_json()["name"] == "Before"  # now cached over there
    assert client.patch(url, json={"name": "After"}).status_code == 200
    assert elsewhere.get(url).get_json()["name"] == "After"


def test_a_cached_page_is_never_served_to_another_caller(app):
    ada, grace = UserFactory(email="ada@example.com"), UserFactory(email="grace@example.com")
    as_ada, as_grace = client_as(app, ada), client_as(app, grace)
    assert [user["id"] for user in as_ada.get("/api/v1/users/").get_json()] == [ada.id]
    assert [user["id"] for user in as_grace.get("/api/v1/users/").get_json()] == [grace.id]
    assert [user["id"] for user in as_ada.get("/api/v1/users/").get_json()] == [ada.id]


def test_a_bulk_write_through_the_session_is_seen_by_the_next_read(client, session):
    user = UserFactory(name="Before")
    client.get(f"/api/v1/users/{user.id}")
    session.execute(update(User).where(User.id == user.id).values(name="Bulk"))
    session.commit()
    assert client.get(f"/api/v1/users/{user.id}").get_json()["name"] == "Bulk"


def test_fake_data_loaded_with_copy_is_seen_by_the_next_read(client):
    assert client.get("/api/v1/tasks/").get_json() == []
    generate(users=2, projects=1, tasks=3, seed=1)
    assert len(client.get("/api/v1/tasks/").get_json()) == 3
