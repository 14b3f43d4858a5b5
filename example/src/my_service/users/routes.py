"""/api/v1/users: list, create, read, update and delete users.

Administrators manage every account; a member sees and changes only their own, and
never its role or whether it is active.
"""

import logging

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import Select, func, select
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
from .models import User
from .schemas import UserListArguments, UserSchema, UserUpdateSchema

logger = logging.getLogger(__name__)
blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="People with accounts.")
ADMIN_ONLY_FIELDS = {"role", "is_active"}
OWN_EMAIL = (
    "Change your own email with POST /api/v1/auth/email: it asks for your password "
    "and mails a confirmation token to the new address."
)


def visible_users(caller: Caller) -> Select:
    """The users the caller may see: all of them for an administrator, else only themselves."""
    query = select(User)
    return query if caller.is_admin else query.where(User.id == caller.user_id)


def visible_user_or_404(user_id: int) -> User:
    """The user with this id, if the caller may see them; 404 otherwise (as if absent)."""
    return db.first_or_404(visible_users(current_caller()).where(User.id == user_id))


@blp.route("/")
class Users(MethodView):
    """The collection of users."""

    @access(Policy.SIGNED_IN)
    @blp.doc(operationId="listUsers")
    @cached_read("users")
    @blp.arguments(UserListArguments(), location="query")
    @blp.response(200, UserSchema(many=True), headers=PAGE_HEADERS)
    def get(self, arguments: dict):
        """List users, filtered and sorted.

        An administrator sees every user, a member only themselves. Filter by exact
        email (in any case), role or whether the account is active. The list comes a
        page at a time: pass `X-Pagination`'s `next_cursor` as `cursor` for the next.
        """
        query = visible_users(current_caller())
        if "email" in arguments:
            query = query.where(func.lower(User.email) == arguments["email"].lower())
        for name in ("role", "is_active"):
            if name in arguments:
                query = query.where(getattr(User, name) == arguments[name])
        return paginate(query, User, arguments)

    @access(Policy.ADMIN)
    @idempotent
    @blp.doc(operationId="createUser", parameters=[IDEMPOTENCY_KEY])
    @blp.arguments(UserSchema())
    @blp.response(201, UserSchema)
    def post(self, data: dict) -> User:
        """Create a user (administrators only).

        The email is stored in lower case; one that belongs to a live account is a 409.
        """
        user = User(**data)
        db.session.add(user)
        commit()
        return user


@blp.route("/me")
class Me(MethodView):
    """The caller's own account."""

    @access(Policy.SIGNED_IN)
    @blp.doc(operationId="getCurrentUser")
    @blp.response(200, UserSchema)
    def get(self) -> User:
        """Read the caller's own account.

        Whoever the access token speaks for.
        """
        return current_caller().signed_in


@blp.route("/<id:user_id>")
class UserById(MethodView):
    """One user."""

    @access(Policy.SIGNED_IN)
    @blp.doc(operationId="getUser")
    @cached_read("users")
    @blp.response(200, UserSchema)
    def get(self, user_id: int) -> User:
        """Read a user.

        A member may read only their own account. A deleted user, or one the caller may
        not see, is a 404, like one that never existed.
        """
        return visible_user_or_404(user_id)

    @access(Policy.SIGNED_IN)
    @blp.doc(operationId="updateUser")
    @blp.arguments(UserUpdateSchema())
    @blp.response(200, UserSchema)
    def patch(self, data: dict, user_id: int) -> User:
        """Change some of a user's fields.

        Only the fields sent change. A member may change only their own name,
        never `role` or `is_active` (403); an email that belongs to another live account
        is a 409. Nobody changes their own email here (403): that is
        `POST /api/v1/auth/email`, which asks for the password and confirms the address.
        An administrator's change of someone's email is logged.
        """
        user = visible_user_or_404(user_id)
        caller = current_caller()
        if not caller.is_admin and ADMIN_ONLY_FIELDS & data.keys():
            raise Forbidden("Only an administrator may change role or is_active.")
        if "email" in data and user.id == caller.user_id:
            raise Forbidden(OWN_EMAIL)
        old_email = user.email
        assign(user, data)
        db.session.commit()
        if user.email != old_email:
            # Who controls an address controls the account: keep a trace of who moved it.
            logger.warning(
                "Email of user %s changed from %s to %s by user %s",
                user.id,
                old_email,
                user.email,
                caller.user_id,
            )
        return user

    @access(Policy.ADMIN)
    @blp.doc(operationId="deleteUser")
    @blp.response(204)
    def delete(self, user_id: int) -> None:
        """Delete a user (administrators only).

        The account is soft-deleted: hidden from every read, unable to sign in, and its
        email is free again.
        """
        visible_user_or_404(user_id).soft_delete()
        db.session.commit()
