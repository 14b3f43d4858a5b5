"""Column sets many models share: timestamps and soft deletion."""

import weakref
from datetime import datetime

from sqlalchemy import Executable, func
from sqlalchemy.orm import Mapped, ORMExecuteState, mapped_column, with_loader_criteria


class TimestampMixin:
    """`created_at` and `updated_at`, both set by the database clock."""

    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class SoftDeleteMixin:
    """Rows are marked deleted instead of removed, and hidden from every query by default.

    Pass `execution_options(include_deleted=True)` to a query to see them.
    """

    deleted_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def is_deleted(self) -> bool:
        """Whether the row is marked deleted."""
        return self.deleted_at is not None

    def soft_delete(self) -> None:
        """Mark the row deleted, at the database's clock."""
        self.deleted_at = func.now()

    def restore(self) -> None:
        """Bring a deleted row back."""
        self.deleted_at = None


# Built once: the option is immutable, and building it analyses its lambda each time.
HIDE_DELETED = with_loader_criteria(
    SoftDeleteMixin, lambda cls: cls.deleted_at.is_(None), include_aliases=True
)


# Each statement with the criteria added, while the statement lives. A statement composed once
# (a module constant) then gets the same copy on every request, whose cache key SQLAlchemy
# computed once; a fresh copy each time would have it computed again, on every request.
_HIDING: weakref.WeakKeyDictionary[Executable, Executable] = weakref.WeakKeyDictionary()


def hiding_deleted_rows(statement: Executable) -> Executable:
    """`statement` with the soft-deleted rows hidden."""
    hiding = _HIDING.get(statement)
    if hiding is None:
        hiding = _HIDING[statement] = statement.options(HIDE_DELETED)
    return hiding


def hide_soft_deleted_rows(state: ORMExecuteState) -> None:
    """Add `deleted_at IS NULL` for every soft-deletable entity a SELECT loads.

    A `do_orm_execute` listener: create_app attaches it to the app's sessions.

    Relationship loads are filtered too, so `project.tasks` hides deleted tasks
    even when the project came from the identity map.
    """
    if (
        state.is_select
        and not state.is_column_load
        and not state.execution_options.get("include_deleted", False)
    ):
        state.statement = hiding_deleted_rows(state.statement)
