"""/api/v1/tags: list, create, read and delete tags.

Tags are shared labels: every signed-in user reads and creates them; only an
administrator deletes one, since that takes it off everyone's tasks.
"""

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from ..auth.policies import Policy, access
from ..caching import cached_read
from ..extensions import db
from ..idempotency import PARAMETER as IDEMPOTENCY_KEY
from ..idempotency import commit, idempotent
from ..pagination import HEADERS as PAGE_HEADERS
from ..pagination import paginate
from ..rest import get_or_404
from .models import Tag
from .schemas import TagListArguments, TagSchema

blp = Blueprint("tags", __name__, url_prefix="/api/v1/tags", description="Labels for tasks.")


@blp.route("/")
class Tags(MethodView):
    """The collection of tags."""

    @access(Policy.SIGNED_IN)
    @blp.doc(operationId="listTags")
    @cached_read("tags")
    @blp.arguments(TagListArguments(), location="query")
    @blp.response(200, TagSchema(many=True), headers=PAGE_HEADERS)
    def get(self, arguments: dict):
        """List tags, filtered and sorted.

        Filter by the start of the name (in any case); sort by name or id.
        """
        query = select(Tag)
        if arguments.get("prefix"):
            prefix = arguments["prefix"].strip().lower()
            query = query.where(Tag.name.startswith(prefix, autoescape=True))
        return paginate(query, Tag, arguments)

    @access(Policy.SIGNED_IN)
    @idempotent
    @blp.doc(operationId="createTag", parameters=[IDEMPOTENCY_KEY])
    @blp.arguments(TagSchema())
    @blp.response(201, TagSchema)
    def post(self, data: dict) -> Tag:
        """Create a tag.

        Names are stored in lower case; a name that exists already is a 409.
        """
        tag = Tag(**data)
        db.session.add(tag)
        commit()
        return tag


@blp.route("/<id:tag_id>")
class TagById(MethodView):
    """One tag."""

    @access(Policy.SIGNED_IN)
    @blp.doc(operationId="getTag")
    @cached_read("tags")
    @blp.response(200, TagSchema)
    def get(self, tag_id: int) -> Tag:
        """Read a tag.

        A tag that does not exist is a 404.
        """
        return get_or_404(Tag, tag_id)

    @access(Policy.ADMIN)
    @blp.doc(operationId="deleteTag")
    @blp.response(204)
    def delete(self, tag_id: int) -> None:
        """Delete a tag (administrators only).

        The tag is removed from every task that had it.
        """
        db.session.delete(get_or_404(Tag, tag_id))
        db.session.commit()
