"""The Tag model and its link table to tasks."""

from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Identity, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..database.mixins import TimestampMixin
from ..extensions import Model, db
from ..validation import clean_text

if TYPE_CHECKING:
    from ..tasks.models import Task

TAG_LENGTH = 50

task_tags = Table(
    "task_tags",
    db.metadata,
    Column("task_id", ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    # The primary key serves lookups by task; this one serves lookups by tag.
    Index("ix_task_tags_tag_id", "tag_id"),
)


class Tag(TimestampMixin, Model):
    """A label, stored in lower case so that "Bug" and "bug" are one tag."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(TAG_LENGTH), unique=True, info={"field": "name"})

    tasks: Mapped[list["Task"]] = relationship(secondary=task_tags, back_populates="tags")

    @validates("name")
    def validate_name(self, _key: str, value: str) -> str:
        """Tags are trimmed, lower case and short."""
        return clean_text("name", value, TAG_LENGTH).lower()

    def __repr__(self) -> str:
        return f"<Tag {self.name}>"
