"""/api/v1/tasks: list, create, read, update and delete tasks."""

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from ..caching import cached_read
from ..extensions import db
from ..projects.models import Project
from ..rest import assign, get_or_404, order_by, paginate
from ..tags.models import Tag
from ..validation import DomainRuleError
from .models import Status, Task
from .schemas import TaskListArguments, TaskSchema, TaskUpdateSchema

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="Work in projects.")


def tasks() -> Select:
    """Tasks with their tags loaded in one extra query per page, not one per task."""
    return select(Task).options(selectinload(Task.tags))


def tags_named(tags: list[dict]) -> list[Tag]:
    """The tags with these names, created when missing."""
    names = sorted({Tag(name=tag["name"]).name for tag in tags})
    found = {tag.name: tag for tag in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    return [found.get(name) or Tag(name=name) for name in names]


def apply(task: Task, data: dict) -> None:
    """Write `data` into a task, through the model's rules for status and tags."""
    task.check_editable()
    if "tags" in data:
        task.tags = tags_named(data.pop("tags"))
    status = data.pop("status", None)
    assign(task, data)
    if status is Status.DONE:
        task.complete()
    elif status is not None:
        task.status = status


@blp.route("/")
class Tasks(MethodView):
    """The collection of tasks."""

    @blp.doc(operationId="listTasks")
    @cached_read("tasks", "task_tags", "tags")
    @blp.arguments(TaskListArguments, location="query")
    @blp.response(200, TaskSchema(many=True))
    @blp.paginate()
    def get(self, arguments: dict, pagination_parameters):
        """List tasks, filtered and sorted.

        Filter by project, assignee, status or a due-date range; sort by id or due date.
        The list comes a page at a time; the `X-Pagination` header says where you are.
        """
        query = tasks()
        for name in ("project_id", "assignee_id", "status"):
            if name in arguments:
                query = query.where(getattr(Task, name) == arguments[name])
        if "due_before" in arguments:
            query = query.where(Task.due_date <= arguments["due_before"])
        if "due_after" in arguments:
            query = query.where(Task.due_date >= arguments["due_after"])
        return paginate(order_by(query, Task, arguments["sort"]), pagination_parameters)

    @blp.doc(operationId="createTask")
    @blp.arguments(TaskSchema)
    @blp.response(201, TaskSchema)
    def post(self, data: dict) -> Task:
        """Create a task in a project.

        Tags are given by name and created when new. A project that is archived or does
        not exist is a 409.
        """
        project = db.session.scalar(select(Project).where(Project.id == data.pop("project_id")))
        if project is None:
            raise DomainRuleError("project_id refers to a project that does not exist")
        task = Task(project=project)
        with db.session.no_autoflush:
            apply(task, data)
        db.session.add(task)
        db.session.commit()
        return task


@blp.route("/<id:task_id>")
class TaskById(MethodView):
    """One task."""

    @blp.doc(operationId="getTask")
    @cached_read("tasks", "task_tags", "tags")
    @blp.response(200, TaskSchema)
    def get(self, task_id: int) -> Task:
        """Read a task.

        A deleted task, or a task of a deleted project, is a 404.
        """
        return db.first_or_404(tasks().where(Task.id == task_id))

    @blp.doc(operationId="updateTask")
    @blp.arguments(TaskUpdateSchema)
    @blp.response(200, TaskSchema)
    def patch(self, data: dict, task_id: int) -> Task:
        """Change some of a task's fields.

        Only the fields sent change; `status: done` completes the task and stamps
        `completed_at`. A task of an archived project is read-only (409).
        """
        task = db.first_or_404(tasks().where(Task.id == task_id))
        with db.session.no_autoflush:
            apply(task, data)
        db.session.commit()
        return task

    @blp.doc(operationId="deleteTask")
    @blp.response(204)
    def delete(self, task_id: int) -> None:
        """Delete a task.

        The task is soft-deleted: hidden from every read.
        """
        get_or_404(Task, task_id).soft_delete()
        db.session.commit()
