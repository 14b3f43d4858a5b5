"""/api/v1/projects: list, create, read, update, archive, unarchive and delete projects.

A member sees and changes only the projects they own; an administrator, all of them.
"""

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import Select, select
from werkzeug.exceptions import Forbidden

from ..auth.callers import Caller
from ..auth.policies import Policy, access, current_caller
from ..caching import cached_read
from ..extensions import db
from ..idempotency import PARAMETER as IDEMPOTENCY_KEY
from ..idempotency import commit, idempotent
from ..pagination import HEADERS as PAGE_HEADERS
from ..pagination import paginate
from ..rest import assign
from .models import Project
from .schemas import ProjectListArguments, ProjectSchema, ProjectUpdateSchema

blp = Blueprint("projects", __name__, url_prefix="/api/v1/projects", description="Groups of tasks.")


def visible_projects(caller: Caller) -> Select:
    """The projects the caller may see and change: their own, or all for an administrator."""
    query = select(Project)
    return query if caller.is_admin else query.where(Project.owner_id == caller.user_id)


def visible_project_or_404(project_id: int) -> Project:
    """The project with this id, if the caller may see it; 404 otherwise (as if absent)."""
    return db.first_or_404(visible_projects(current_caller()).where(Project.id == project_id))


@blp.route("/")
class Projects(MethodView):
    """The collection of projects."""

    @access(Policy.SIGNED_IN)
    @blp.doc(operationId="listProjects")
    @cached_read("projects")
    @blp.arguments(ProjectListArguments(), location="query")
    @blp.response(200, ProjectSchema(many=True), headers=PAGE_HEADERS)
    def get(self, arguments: dict):
        """List projects, filtered and sorted.

        A member sees the projects they own; an administrator, every project. Filter by
        owner, or by whether the project is archived. The list comes a page at a time:
        pass `X-Pagination`'s `next_cursor` as `cursor` for the next.
        """
        query = visible_projects(current_caller())
        if "owner_id" in arguments:
            query = query.where(Project.owner_id == arguments["owner_id"])
        if "archived" in arguments:
            archived = Project.archived_at.is_not(None)
            query = query.where(archived if arguments["archived"] else ~archived)
        return paginate(query, Project, arguments)

    @access(Policy.SIGNED_IN)
    @idempotent
    @blp.doc(operationId="createProject", parameters=[IDEMPOTENCY_KEY])
    @blp.arguments(ProjectSchema())
    @blp.response(201, ProjectSchema)
    def post(self, data: dict) -> Project:
        """Create a project.

        A member creates projects they own (another owner is a 403). The slug comes from
        the name unless given, and is unique among the owner's projects (409 otherwise);
        an owner that does not exist is a 409 too.
        """
        caller = current_caller()
        if not caller.is_admin and data["owner_id"] != caller.user_id:
            raise Forbidden("A member may create projects only for themselves.")
        project = Project(**data)
        db.session.add(project)
        commit()
        return project


@blp.route("/<id:project_id>")
class ProjectById(MethodView):
    """One project."""

    @access(Policy.SIGNED_IN)
    @blp.doc(operationId="getProject")
    @cached_read("projects")
    @blp.response(200, ProjectSchema)
    def get(self, project_id: int) -> Project:
        """Read a project.

        A deleted project, or one the caller may not see, is a 404, like one that never
        existed.
        """
        return visible_project_or_404(project_id)

    @access(Policy.SIGNED_IN)
    @blp.doc(operationId="updateProject")
    @blp.arguments(ProjectUpdateSchema())
    @blp.response(200, ProjectSchema)
    def patch(self, data: dict, project_id: int) -> Project:
        """Change some of a project's fields.

        Only the fields sent change; a slug the owner already uses is a 409.
        """
        project = assign(visible_project_or_404(project_id), data)
        db.session.commit()
        return project

    @access(Policy.SIGNED_IN)
    @blp.doc(operationId="deleteProject")
    @blp.response(204)
    def delete(self, project_id: int) -> None:
        """Delete a project.

        The project is soft-deleted: it and its tasks are hidden from every read.
        """
        visible_project_or_404(project_id).soft_delete()
        db.session.commit()


@blp.route("/<id:project_id>/archive")
class ProjectArchive(MethodView):
    """Archiving: a read-only state for finished projects."""

    @access(Policy.SIGNED_IN)
    @blp.doc(operationId="archiveProject")
    @blp.response(200, ProjectSchema)
    def post(self, project_id: int) -> Project:
        """Archive a project.

        Its tasks become read-only until it is unarchived; archiving twice is a 409.
        """
        project = visible_project_or_404(project_id)
        project.archive()
        db.session.commit()
        return project

    @access(Policy.SIGNED_IN)
    @blp.doc(operationId="unarchiveProject")
    @blp.response(200, ProjectSchema)
    def delete(self, project_id: int) -> Project:
        """Unarchive a project.

        Its tasks can change again; a project that is not archived is a 409.
        """
        project = visible_project_or_404(project_id)
        project.unarchive()
        db.session.commit()
        return project
