"""The User model."""

import enum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Enum, Identity, Index, String, func, true
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..database.mixins import SoftDeleteMixin, TimestampMixin
from ..extensions import Model
from ..validation import EMAIL_LENGTH, NAME_LENGTH, clean_email, clean_text

if TYPE_CHECKING:
    from ..projects.models import Project
    from ..tasks.models import Task


class Role(enum.StrEnum):
    """What a user may do."""

    MEMBER = "member"
    ADMIN = "admin"


class User(TimestampMixin, SoftDeleteMixin, Model):
    """A person with an account; the email is unique among live accounts, whatever its case."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="user_role", values_callable=lambda roles: [role.value for role in roles]),
        default=Role.MEMBER,
        server_default=Role.MEMBER.value,
    )
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())

    projects: Mapped[list["Project"]] = relationship(
        back_populates="owner", cascade="all, delete-orphan", passive_deletes=True
    )
    assigned_tasks: Mapped[list["Task"]] = relationship(
        back_populates="assignee", passive_deletes=True
    )

    @validates("email")
    def validate_email(self, _key: str, value: str) -> str:
        """Store the address trimmed and in lower case."""
        return clean_email("email", value)

    @validates("name")
    def validate_name(self, _key: str, value: str) -> str:
        """A name is required and fits its column."""
        return clean_text("name", value, NAME_LENGTH)

    def deactivate(self) -> None:
        """Keep the account but stop it from acting."""
        self.is_active = False

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


# Unique whatever the case, among live accounts only: deleting an account frees its address.
Index(
    "uq_users_email_lower",
    func.lower(User.email),
    unique=True,
    postgresql_where=User.deleted_at.is_(None),
    info={"field": "email"},
)
