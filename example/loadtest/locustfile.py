"""What `make loadtest` does to the service: people working through tasks in projects.

Each simulated user signs in once, creates a project of its own and a few tasks in it,
then reads far more than it writes, as people using a task tracker do: it lists and
reads tasks and projects, adds tasks, and moves them through their statuses. The
weights of the `@task` methods below set that mix; docs/operations.md says how to read
the run.
"""

import random
import uuid

from locust import HttpUser, between, task
from sign_in import sign_in

STATUSES = ("todo", "in_progress", "done")


def unique(prefix: str) -> str:
    """A name no other simulated user or run picks."""
    return f"{prefix} {uuid.uuid4().hex[:12]}"


class TaskTracker(HttpUser):
    """Someone who plans and works through the tasks of their projects."""

    wait_time = between(0.05, 0.25)

    def on_start(self) -> None:
        """Sign in, and create the project (and its first tasks) this user works in."""
        owner_id = sign_in(self.client)
        project = {"owner_id": owner_id, "name": unique("Load test")}
        self.project_id = self.client.post("/api/v1/projects/", json=project).json()["id"]
        self.task_ids: list[int] = []
        for _ in range(3):
            self.create_task()

    @task(10)
    def list_tasks(self) -> None:
        """The task list, as a dashboard shows it on every visit."""
        self.client.get("/api/v1/tasks/", params={"limit": 20})

    @task(6)
    def list_project_tasks(self) -> None:
        """The open tasks of one project."""
        params = {"project_id": self.project_id, "status": "todo", "limit": 20}
        self.client.get("/api/v1/tasks/", params=params, name="/api/v1/tasks/?project_id")

    @task(6)
    def read_task(self) -> None:
        """One task, opened from a list."""
        task_id = random.choice(self.task_ids)
        self.client.get(f"/api/v1/tasks/{task_id}", name="/api/v1/tasks/{task_id}")

    @task(3)
    def list_projects(self) -> None:
        """The project list."""
        self.client.get("/api/v1/projects/", params={"limit": 20})

    @task(3)
    def read_project(self) -> None:
        """The user's project."""
        self.client.get(f"/api/v1/projects/{self.project_id}", name="/api/v1/projects/{project_id}")

    @task(2)
    def create_task(self) -> None:
        """A new task in the user's project."""
        new = {"project_id": self.project_id, "title": unique("Task"), "priority": 3}
        response = self.client.post("/api/v1/tasks/", json=new)
        if response.ok:
            self.task_ids.append(response.json()["id"])

    @task(2)
    def update_task(self) -> None:
        """A task moved on to another status, with a new priority."""
        task_id = random.choice(self.task_ids)
        change = {"status": random.choice(STATUSES), "priority": random.randint(1, 5)}
        self.client.patch(f"/api/v1/tasks/{task_id}", json=change, name="/api/v1/tasks/{task_id}")

    @task(1)
    def describe_project(self) -> None:
        """The user's project given a new description."""
        change = {"description": unique("Described at")}
        path = f"/api/v1/projects/{self.project_id}"
        self.client.patch(path, json=change, name="/api/v1/projects/{project_id}")
