"""/api/v1/projects, /tasks and /tags end to end: the domain's rules over HTTP."""

from datetime import date

from ..factories import ProjectFactory, TagFactory, TaskFactory, UserFactory


def test_create_a_project_with_a_slug_from_its_name(client):
    owner = UserFactory()
    response = client.post("/api/v1/projects/", json={"owner_id": owner.id, "name": "Big Launch"})
    assert response.status_code == 201
    assert response.get_json()["slug"] == "big-launch"


def test_a_project_for_a_missing_owner_answers_409_on_owner_id(client):
    response = client.post("/api/v1/projects/", json={"owner_id": 987654, "name": "Orphan"})
    assert response.status_code == 409
    assert response.get_json()["error"]["field"] == "owner_id"


def test_the_same_slug_twice_for_one_owner_answers_409(client):
    project = ProjectFactory(name="Roadmap")
    payload = {"owner_id": project.owner_id, "name": "Roadmap"}
    response = client.post("/api/v1/projects/", json=payload)
    assert response.status_code == 409
    assert response.get_json()["error"]["field"] == "slug"


def test_archive_a_project_then_archiving_again_answers_409(client):
    project = ProjectFactory()
    first = client.post(f"/api/v1/projects/{project.id}/archive")
    assert first.status_code == 200
    assert first.get_json()["archived_at"] is not None
    assert client.post(f"/api/v1/projects/{project.id}/archive").status_code == 409


def test_unarchive_a_project_then_its_tasks_change_again(client):
    task = TaskFactory()
    archive = f"/api/v1/projects/{task.project_id}/archive"
    client.post(archive)
    unarchived = client.delete(archive)
    assert unarchived.status_code == 200
    assert unarchived.get_json()["archived_at"] is None
    assert client.patch(f"/api/v1/tasks/{task.id}", json={"title": "Again"}).status_code == 200
    assert client.delete(archive).status_code == 409


def test_filter_projects_by_owner_and_archived_state(client):
    owner = UserFactory()
    active, archived = ProjectFactory(owner=owner), ProjectFactory(owner=owner)
    ProjectFactory()
    client.post(f"/api/v1/projects/{archived.id}/archive")
    query = {"owner_id": owner.id, "archived": "false"}
    response = client.get("/api/v1/projects/", query_string=query)
    assert [project["id"] for project in response.get_json()] == [active.id]


def test_create_a_task_with_tags_by_name(client):
    project = ProjectFactory()
    TagFactory(name="bug")
    payload = {"project_id": project.id, "title": "Fix login", "tags": ["Bug", "urgent"]}
    response = client.post("/api/v1/tasks/", json=payload)
    assert response.status_code == 201
    body = response.get_json()
    assert body["tags"] == ["bug", "urgent"]
    assert body["status"] == "todo"
    tags = client.get("/api/v1/tags/", query_string={"sort": "name"}).get_json()
    assert [tag["name"] for tag in tags] == ["bug", "urgent"]


def test_changing_a_tasks_tags_answers_with_the_new_ones(client):
    task = TaskFactory(tags=[TagFactory(name="old")])
    response = client.patch(f"/api/v1/tasks/{task.id}", json={"tags": ["New", "also"]})
    assert response.status_code == 200
    assert response.get_json()["tags"] == ["also", "new"]
    assert client.get(f"/api/v1/tasks/{task.id}").get_json()["tags"] == ["also", "new"]


def test_a_task_in_a_missing_project_answers_409(client):
    response = client.post("/api/v1/tasks/", json={"project_id": 424242, "title": "Lost"})
    assert response.status_code == 409


def test_priority_out_of_range_answers_422(client):
    project = ProjectFactory()
    payload = {"project_id": project.id, "title": "X", "priority": 9}
    response = client.post("/api/v1/tasks/", json=payload)
    assert response.status_code == 422
    assert "priority" in response.get_json()["error"]["details"]["json"]


def test_completing_a_task_over_http_stamps_it(client):
    task = TaskFactory()
    response = client.patch(f"/api/v1/tasks/{task.id}", json={"status": "done"})
    assert response.status_code == 200
    assert response.get_json()["completed_at"] is not None


def test_tasks_of_an_archived_project_are_read_only(client):
    task = TaskFactory()
    client.post(f"/api/v1/projects/{task.project_id}/archive")
    response = client.patch(f"/api/v1/tasks/{task.id}", json={"title": "Too late"})
    assert response.status_code == 409
    assert "is archived: its tasks are read-only" in response.get_json()["error"]["message"]


def test_filter_tasks_by_status_and_due_date_sorted_by_due_date(client):
    project = ProjectFactory()
    late = TaskFactory(project=project, due_date=date(2030, 1, 2))
    early = TaskFactory(project=project, due_date=date(2030, 1, 1))
    TaskFactory(project=project, due_date=date(2031, 1, 1))
    done = TaskFactory(project=project, due_date=date(2030, 1, 1))
    client.patch(f"/api/v1/tasks/{done.id}", json={"status": "done"})
    query = {
        "project_id": project.id,
        "status": "todo",
        "due_before": "2030-12-31",
        "sort": "due_date",
    }
    response = client.get("/api/v1/tasks/", query_string=query)
    assert [task["id"] for task in response.get_json()] == [early.id, late.id]


def test_delete_a_task_hides_it(client):
    task = TaskFactory()
    assert client.delete(f"/api/v1/tasks/{task.id}").status_code == 204
    assert client.get(f"/api/v1/tasks/{task.id}").status_code == 404


def test_delete_a_tag_removes_it_from_its_tasks(client):
    tag = TagFactory(name="obsolete")
    task = TaskFactory(tags=[tag])
    assert client.delete(f"/api/v1/tags/{tag.id}").status_code == 204
    assert client.get(f"/api/v1/tasks/{task.id}").get_json()["tags"] == []


def test_a_duplicate_tag_answers_409(client):
    TagFactory(name="bug")
    response = client.post("/api/v1/tags/", json={"name": "BUG"})
    assert response.status_code == 409
    assert response.get_json()["error"]["field"] == "name"
