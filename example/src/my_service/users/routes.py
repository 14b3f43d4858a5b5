"""/api/v1/users: list, create, read, update and delete users."""

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import func, select

from ..caching import cached_read
from ..extensions import db
from ..rest import assign, get_or_404, order_by, paginate
from .models import User
from .schemas import UserListArguments, UserSchema, UserUpdateSchema

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="People with accounts.")


@blp.route("/")
class Users(MethodView):
    """The collection of users."""

    @blp.doc(operationId="listUsers")
    @cached_read("users")
    @blp.arguments(UserListArguments, location="query")
    @blp.response(200, UserSchema(many=True))
    @blp.paginate()
    def get(self, arguments: dict, pagination_parameters):
        """List users, filtered and sorted.

        Filter by exact email (in any case), role or whether the account is active.
        The list comes a page at a time; the `X-Pagination` header says where you are.
        """
        query = select(User)
        if "email" in arguments:
            query = query.where(func.lower(User.email) == arguments["email"].lower())
        for name in ("role", "is_active"):
            if name in arguments:
                query = query.where(getattr(User, name) == arguments[name])
        return paginate(order_by(query, User, arguments["sort"]), pagination_parameters)

    @blp.doc(operationId="createUser")
    @blp.arguments(UserSchema)
    @blp.response(201, UserSchema)
    def post(self, data: dict) -> User:
        """Create a user.

        The email is stored in lower case; one that belongs to a live account is a 409.
        """
        user = User(**data)
        db.session.add(user)
        db.session.commit()
        return user


@blp.route("/<id:user_id>")
class UserById(MethodView):
    """One user."""

    @blp.doc(operationId="getUser")
    @cached_read("users")
    @blp.response(200, UserSchema)
    def get(self, user_id: int) -> User:
        """Read a user.

        A deleted user is a 404, like one that never existed.
        """
        return get_or_404(User, user_id)

    @blp.doc(operationId="updateUser")
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, data: dict, user_id: int) -> User:
        """Change some of a user's fields.

        Only the fields sent change; an email that belongs to another live account is a 409.
        """
        user = assign(get_or_404(User, user_id), data)
        db.session.commit()
        return user

    @blp.doc(operationId="deleteUser")
    @blp.response(204)
    def delete(self, user_id: int) -> None:
        """Delete a user.

        The account is soft-deleted: hidden from every read, and its email is free again.
        """
        get_or_404(User, user_id).soft_delete()
        db.session.commit()
