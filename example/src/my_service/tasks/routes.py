"""/api/v1/tasks: list, create, read, update and delete tasks.

A member sees and changes the tasks of the projects they own and the tasks assigned
to them, creates tasks in their own projects, and deletes only those; they assign
tasks only to users they may see (themselves). An administrator does all of it
everywhere.
"""

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import undefer
from werkzeug.exceptions import Forbidden

from ..auth.callers import Caller
from ..auth.policies import Policy, access, current_caller
from ..caching import cached_read
from ..extensions import db
from ..idempotency import PARAMETER as IDEMPOTENCY_KEY
from ..idempotency import commit, idempotent
from ..pagination import HEADERS as PAGE_HEADERS
from ..pagination import paginate
from ..projects.models import Project
from ..projects.routes import visible_projects
from ..rest import assign
from ..tags.models import Tag
from ..users.models import User
from ..users.routes import visible_users
from ..validation import DomainRuleError
from .models import Status, Task
from .schemas import TaskListArguments, TaskSchema, TaskUpdateSchema

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="Work in projects.")


# Composed once: a statement is immutable; each request adds its filters to a copy. The tag
# names come in the tasks' own rows: loading Tag objects by `selectinload` instead took a
# second statement and a third of a list request's CPU.
TASKS_WITH_TAGS = select(Task).options(undefer(Task.tag_names))


def visible_tasks(caller: Caller) -> Select:
    """The tasks the caller may see, with the names of their tags, in one statement.

    An administrator's are all tasks; a member's, those of their projects and those
    assigned to them.
    """
    if caller.is_admin:
        return TASKS_WITH_TAGS
    own_projects = select(Project.id).where(Project.owner_id == caller.user_id)
    return TASKS_WITH_TAGS.where(
        or_(Task.project_id.in_(own_projects), Task.assignee_id == caller.user_id)
    )


def visible_task_or_404(task_id: int) -> Task:
    """The task with this id, if the caller may see it; 404 otherwise (as if absent)."""
    return db.first_or_404(visible_tasks(current_caller()).where(Task.id == task_id))


def tags_named(given: list[str]) -> list[Tag]:
    """The tags with these names, created when missing."""
    names = sorted({Tag(name=name).name for name in given})
    found = {tag.name: tag for tag in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    return [found.get(name) or Tag(name=name) for name in names]


def check_assignee(user_id: int) -> None:
    """Refuse an assignee the caller may not see with the answer a missing user gets (409)."""
    visible = visible_users(current_caller()).where(User.id == user_id)
    if db.session.scalar(visible) is None:
        raise DomainRuleError("assignee_id refers to a user that does not exist")


def apply(task: Task, data: dict) -> None:
    """Write `data` into a task, through the model's rules for status, tags and assignees."""
    task.check_editable()
    if data.get("assignee_id") is not None:
        check_assignee(data["assignee_id"])
    if "tag_names" in data:
        task.tags = tags_named(data.pop("tag_names"))
    status = data.pop("status", None)
    assign(task, data)
    if status is Status.DONE:
        task.complete()
    elif status is not None:
        task.status = status


@blp.route("/")
class Tasks(MethodView):
    """The collection of tasks."""

    @access(Policy.SIGNED_IN)
    @blp.doc(operationId="listTasks")
    # Which tasks a member sees depends on who owns the projects, so projects count too.
    @cached_read("tasks", "task_tags", "tags", "projects")
    @blp.arguments(TaskListArguments(), location="query")
    @blp.response(200, TaskSchema(many=True), headers=PAGE_HEADERS)
    def get(self, arguments: dict):
        """List tasks, filtered and sorted.

        A member sees the tasks of their projects and those assigned to them; an
        administrator, every task. Filter by project, assignee, status or a due-date
        range; sort by id or due date. The list comes a page at a time: pass
        `X-Pagination`'s `next_cursor` as `cursor` for the next.
        """
        query = visible_tasks(current_caller())
        for name in ("project_id", "assignee_id", "status"):
            if name in arguments:
                query = query.where(getattr(Task, name) == arguments[name])
        if "due_before" in arguments:
            query = query.where(Task.due_date <= arguments["due_before"])
        if "due_after" in arguments:
            query = query.where(Task.due_date >= arguments["due_after"])
        return paginate(query, Task, arguments)

    @access(Policy.SIGNED_IN)
    @idempotent
    @blp.doc(operationId="createTask", parameters=[IDEMPOTENCY_KEY])
    @blp.arguments(TaskSchema())
    @blp.response(201, TaskSchema)
    def post(self, data: dict) -> Task:
        """Create a task in a project.

        A member creates tasks in the projects they own. Tags are given by name and
        created when new. A project that is archived, or does not exist (or is not the
        member's), is a 409; so is an assignee who does not exist or whom the caller may
        not see (a member sees only themselves).
        """
        own_project = visible_projects(current_caller()).where(Project.id == data.pop("project_id"))
        project = db.session.scalar(own_project)
        if project is None:
            raise DomainRuleError("project_id refers to a project that does not exist")
        task = Task(project=project)
        with db.session.no_autoflush:
            apply(task, data)
        db.session.add(task)
        commit()
        return task


@blp.route("/<id:task_id>")
class TaskById(MethodView):
    """One task."""

    @access(Policy.SIGNED_IN)
    @blp.doc(operationId="getTask")
    @cached_read("tasks", "task_tags", "tags", "projects")
    @blp.response(200, TaskSchema)
    def get(self, task_id: int) -> Task:
        """Read a task.

        A deleted task, or one the caller may not see, is a 404, like one that never
        existed.
        """
        return visible_task_or_404(task_id)

    @access(Policy.SIGNED_IN)
    @blp.doc(operationId="updateTask")
    @blp.arguments(TaskUpdateSchema())
    @blp.response(200, TaskSchema)
    def patch(self, data: dict, task_id: int) -> Task:
        """Change some of a task's fields.

        Only the fields sent change; `status: done` completes the task and stamps
        `completed_at`. A task of an archived project is read-only (409). An assignee
        who does not exist, or whom the caller may not see, is a 409 (the same answer).
        """
        task = visible_task_or_404(task_id)
        with db.session.no_autoflush:
            apply(task, data)
        db.session.commit()
        return task

    @access(Policy.SIGNED_IN)
    @blp.doc(operationId="deleteTask")
    @blp.response(204)
    def delete(self, task_id: int) -> None:
        """Delete a task.

        The task is soft-deleted: hidden from every read. Only the project's owner (or an
        administrator) may delete it; its assignee may not (403).
        """
        task = visible_task_or_404(task_id)
        caller = current_caller()
        if not caller.is_admin and task.project.owner_id != caller.user_id:
            raise Forbidden("Only the project's owner may delete its tasks.")
        task.soft_delete()
        db.session.commit()
