"""The Task model."""

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    Enum,
    ForeignKey,
    Identity,
    Index,
    SmallInteger,
    String,
    event,
    func,
    select,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship, validates

from ..database.mixins import SoftDeleteMixin, TimestampMixin
from ..extensions import Model
from ..tags.models import Tag, task_tags
from ..validation import NAME_LENGTH, ModelValidationError, clean_text

if TYPE_CHECKING:
    from ..projects.models import Project
    from ..users.models import User


PRIORITIES = range(1, 6)


class Status(enum.StrEnum):
    """Where a task stands."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Task(TimestampMixin, SoftDeleteMixin, Model):
    """A piece of work in a project, optionally assigned to a user."""

    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint(
            "priority BETWEEN 1 AND 5", name="priority_range", info={"field": "priority"}
        ),
        CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),
        # Lists filter tasks by project and status, and sort them by due date.
        Index("ix_tasks_project_id_status", "project_id", "status"),
    )

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(NAME_LENGTH))
    description: Mapped[str] = mapped_column(default="", server_default="")
    status: Mapped[Status] = mapped_column(
        Enum(Status, name="task_status", values_callable=lambda items: [s.value for s in items]),
        default=Status.TODO,
        server_default=Status.TODO.value,
    )
    priority: Mapped[int] = mapped_column(SmallInteger, default=3, server_default="3")
    due_date: Mapped[date | None] = mapped_column(index=True)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)

    project: Mapped["Project"] = relationship(back_populates="tasks")
    assignee: Mapped["User | None"] = relationship(back_populates="assigned_tasks")
    tags: Mapped[list[Tag]] = relationship(secondary=task_tags, back_populates="tasks")
    # The names of its tags, in order, as one column of the task's own row: a query that asks
    # for it (`undefer(Task.tag_names)`) reads tasks and their tags in one statement, with no
    # Tag object per name. Otherwise read when first used. Read-only: change `tags`; any
    # flush of the task expires it, so it never shows tags the task no longer has.
    tag_names: Mapped[list[str]] = column_property(
        func.array(
            select(Tag.name)
            .join(task_tags, task_tags.c.tag_id == Tag.id)
            .where(task_tags.c.task_id == id)
            .order_by(Tag.name)
            .scalar_subquery(),
            type_=ARRAY(String),
        ),
        deferred=True,
    )

    @validates("title")
    def validate_title(self, _key: str, value: str) -> str:
        """A title is required and fits its column."""
        return clean_text("title", value, NAME_LENGTH)

    @validates("priority")
    def validate_priority(self, _key: str, value: int) -> int:
        """Priority runs from 1 (highest) to 5 (lowest)."""
        if isinstance(value, bool) or value not in PRIORITIES:
            raise ModelValidationError(
                "priority", f"must be a whole number from 1 to 5, got {value!r}"
            )
        return value

    def check_editable(self) -> None:
        """Refuse any change to a task of an archived project."""
        if self.project is not None:
            self.project.check_editable()

    def complete(self) -> None:
        """Mark the task done; tasks of an archived project cannot change."""
        self.check_editable()
        self.status = Status.DONE

    def reopen(self) -> None:
        """Put a done task back to do."""
        self.status = Status.TODO

    @property
    def is_overdue(self) -> bool:
        """Whether the due date has passed and the task is not done."""
        if self.status is Status.DONE or self.due_date is None:
            return False
        return self.due_date < date.today()

    def __repr__(self) -> str:
        return f"<Task {self.id} {self.title!r}>"


@event.listens_for(Task.status, "set")
def stamp_completion(task: Task, value: Status, old: Status, _initiator: object) -> None:
    """Record when a task became done, and forget it when it is reopened."""
    if value is Status.DONE and old is not Status.DONE:
        task.completed_at = func.now()
    elif value is not Status.DONE:
        task.completed_at = None
