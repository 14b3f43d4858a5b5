"""Who is calling: the user behind a request, as the access checks and the views see them."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..users.models import User


@dataclass(frozen=True)
class Caller:
    """Who is calling: a user (or nobody), and whether they may see and change everything."""

    user: "User | None"
    is_admin: bool

    @property
    def user_id(self) -> int | None:
        """The caller's user id, if they have an account."""
        return self.user.id if self.user is not None else None

    @property
    def signed_in(self) -> "User":
        """The caller's user, where the operation's access policy admits users only."""
        if self.user is None:
            raise LookupError("no signed-in user: the operation's access policy must require one")
        return self.user

    @property
    def scope(self) -> str:
        """What the caller may see, as a cache key part: one per member, one for admins."""
        if self.is_admin:
            return "admin"
        return f"user:{self.user_id}" if self.user is not None else "public"


ANONYMOUS = Caller(user=None, is_admin=False)
