"""/api/v1/tags: list, create, read and delete tags."""

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from ..caching import cached_read
from ..extensions import db
from ..rest import get_or_404, order_by, paginate
from .models import Tag
from .schemas import TagListArguments, TagSchema

blp = Blueprint("tags", __name__, url_prefix="/api/v1/tags", description="Labels for tasks.")


@blp.route("/")
class Tags(MethodView):
    """The collection of tags."""

    @cached_read("tags")
    @blp.arguments(TagListArguments, location="query")
    @blp.response(200, TagSchema(many=True))
    @blp.paginate()
    def get(self, arguments: dict, pagination_parameters):
        """List tags, optionally those whose name starts with a prefix."""
        query = select(Tag)
        if arguments.get("prefix"):
            prefix = arguments["prefix"].strip().lower()
            query = query.where(Tag.name.startswith(prefix, autoescape=True))
        return paginate(order_by(query, Tag, arguments["sort"]), pagination_parameters)

    @blp.arguments(TagSchema)
    @blp.response(201, TagSchema)
    def post(self, data: dict) -> Tag:
        """Create a tag; 409 when the name exists."""
        tag = Tag(**data)
        db.session.add(tag)
        db.session.commit()
        return tag


@blp.route("/<id:tag_id>")
class TagById(MethodView):
    """One tag."""

    @cached_read("tags")
    @blp.response(200, TagSchema)
    def get(self, tag_id: int) -> Tag:
        """Read a tag."""
        return get_or_404(Tag, tag_id)

    @blp.response(204)
    def delete(self, tag_id: int) -> None:
        """Delete a tag and remove it from its tasks."""
        db.session.delete(get_or_404(Tag, tag_id))
        db.session.commit()
