"""The Project model."""

import re
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Identity, String, UniqueConstraint, event, func
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship, validates

from ..database.mixins import SoftDeleteMixin, TimestampMixin
from ..extensions import Model
from ..validation import NAME_LENGTH, DomainRuleError, ModelValidationError, clean_text

if TYPE_CHECKING:
    from ..tasks.models import Task
    from ..users.models import User

# Lowercase words joined by single hyphens. The model, its CHECK constraint and the API
# schema all use this pattern; the initial migration holds the same literal (a test checks it).
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
SLUG_LENGTH = 80


def slugify(text: str) -> str:
    """A URL-friendly form of `text`: lowercase words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:SLUG_LENGTH] or "project"


class Project(TimestampMixin, SoftDeleteMixin, Model):
    """A group of tasks owned by one user; its slug is unique among that owner's projects."""

    __tablename__ = "projects"
    __table_args__ = (
        UniqueConstraint("owner_id", "slug", info={"field": "slug"}),
        CheckConstraint(f"slug ~ '{SLUG_PATTERN}'", name="slug_format"),
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
    )

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    description: Mapped[str] = mapped_column(default="", server_default="")
    archived_at: Mapped[datetime | None] = mapped_column(default=None)

    owner: Mapped["User"] = relationship(back_populates="projects")
    tasks: Mapped[list["Task"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True
    )

    @validates("name")
    def validate_name(self, _key: str, value: str) -> str:
        """A name is required and fits its column."""
        return clean_text("name", value, NAME_LENGTH)

    @validates("slug")
    def validate_slug(self, _key: str, value: str) -> str:
        """A slug is lowercase words joined by single hyphens."""
        if not re.fullmatch(SLUG_PATTERN, value or ""):
            raise ModelValidationError(
                "slug", f"{value!r} must be lowercase letters and digits joined by hyphens"
            )
        return value

    @property
    def is_archived(self) -> bool:
        """Whether the project is archived (read-only)."""
        return self.archived_at is not None

    def archive(self) -> None:
        """Freeze the project: its tasks can no longer change."""
        if self.is_archived:
            raise DomainRuleError(f"project {self.slug!r} is already archived")
        self.archived_at = func.now()

    def unarchive(self) -> None:
        """Make an archived project editable again."""
        if not self.is_archived:
            raise DomainRuleError(f"project {self.slug!r} is not archived")
        self.archived_at = None

    def check_editable(self) -> None:
        """Refuse changes to the tasks of an archived project."""
        if self.is_archived:
            raise DomainRuleError(f"project {self.slug!r} is archived: its tasks are read-only")

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.slug}>"


@event.listens_for(Project, "before_insert")
def fill_in_slug(_mapper: Mapper, _connection: Connection, project: Project) -> None:
    """Derive the slug from the name when none was given."""
    if not project.slug:
        project.slug = slugify(project.name)
