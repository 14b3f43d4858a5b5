"""/api/v1/projects: list, create, read, update, archive, unarchive and delete projects."""

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from ..caching import cached_read
from ..extensions import db
from ..rest import assign, get_or_404, order_by, paginate
from .models import Project
from .schemas import ProjectListArguments, ProjectSchema, ProjectUpdateSchema

blp = Blueprint("projects", __name__, url_prefix="/api/v1/projects", description="Groups of tasks.")


@blp.route("/")
class Projects(MethodView):
    """The collection of projects."""

    @cached_read("projects")
    @blp.arguments(ProjectListArguments, location="query")
    @blp.response(200, ProjectSchema(many=True))
    @blp.paginate()
    def get(self, arguments: dict, pagination_parameters):
        """List projects, filtered and sorted."""
        query = select(Project)
        if "owner_id" in arguments:
            query = query.where(Project.owner_id == arguments["owner_id"])
        if "archived" in arguments:
            archived = Project.archived_at.is_not(None)
            query = query.where(archived if arguments["archived"] else ~archived)
        return paginate(order_by(query, Project, arguments["sort"]), pagination_parameters)

    @blp.arguments(ProjectSchema)
    @blp.response(201, ProjectSchema)
    def post(self, data: dict) -> Project:
        """Create a project; the slug comes from the name unless given."""
        project = Project(**data)
        db.session.add(project)
        db.session.commit()
        return project


@blp.route("/<id:project_id>")
class ProjectById(MethodView):
    """One project."""

    @cached_read("projects")
    @blp.response(200, ProjectSchema)
    def get(self, project_id: int) -> Project:
        """Read a project."""
        return get_or_404(Project, project_id)

    @blp.arguments(ProjectUpdateSchema)
    @blp.response(200, ProjectSchema)
    def patch(self, data: dict, project_id: int) -> Project:
        """Change some of a project's fields."""
        project = assign(get_or_404(Project, project_id), data)
        db.session.commit()
        return project

    @blp.response(204)
    def delete(self, project_id: int) -> None:
        """Delete a project (soft: it and its tasks are hidden, not removed)."""
        get_or_404(Project, project_id).soft_delete()
        db.session.commit()


@blp.route("/<id:project_id>/archive")
class ProjectArchive(MethodView):
    """Archiving: a read-only state for finished projects."""

    @blp.response(200, ProjectSchema)
    def post(self, project_id: int) -> Project:
        """Archive a project; 409 if it already is."""
        project = get_or_404(Project, project_id)
        project.archive()
        db.session.commit()
        return project

    @blp.response(200, ProjectSchema)
    def delete(self, project_id: int) -> Project:
        """Unarchive a project, making its tasks editable again; 409 if it is not archived."""
        project = get_or_404(Project, project_id)
        project.unarchive()
        db.session.commit()
        return project
