"""How tasks are read from and written to JSON."""

from marshmallow import Schema, fields, validate

from ..pagination import ListArguments
from ..rest import Id, Text
from ..tags.models import TAG_LENGTH
from ..validation import DESCRIPTION_LENGTH, NAME_LENGTH
from .models import Status

MAX_TAGS = 20  # a task's tags are a short list; an unbounded one is a lever for abuse


def tag_names(**options) -> fields.List:
    """A task's tags, given and shown by name: shown from `Task.tag_names` (read with the
    task's row), and loaded as `tag_names` for the view to turn into tags."""
    return fields.List(
        Text(validate=validate.Length(min=1, max=TAG_LENGTH)),
        attribute="tag_names",
        validate=validate.Length(max=MAX_TAGS),
        **options,
    )


class TaskSchema(Schema):
    """A task as the API shows it and accepts it; its tags are given and shown by name."""

    id = fields.Integer(dump_only=True)
    project_id = Id(required=True)
    assignee_id = Id(allow_none=True, load_default=None)
    title = Text(required=True, validate=validate.Length(min=1, max=NAME_LENGTH))
    description = Text(load_default="", validate=validate.Length(max=DESCRIPTION_LENGTH))
    status = fields.Enum(Status, by_value=True, load_default=Status.TODO)
    priority = fields.Integer(strict=True, load_default=3, validate=validate.Range(min=1, max=5))
    due_date = fields.Date(allow_none=True, load_default=None)
    completed_at = fields.DateTime(dump_only=True, allow_none=True)
    tags = tag_names(load_default=list)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class TaskUpdateSchema(Schema):
    """The fields of a task that PATCH may change."""

    assignee_id = Id(allow_none=True)
    title = Text(validate=validate.Length(min=1, max=NAME_LENGTH))
    description = Text(validate=validate.Length(max=DESCRIPTION_LENGTH))
    status = fields.Enum(Status, by_value=True)
    priority = fields.Integer(strict=True, validate=validate.Range(min=1, max=5))
    due_date = fields.Date(allow_none=True)
    tags = tag_names()


class TaskListArguments(ListArguments):
    """Filters of the task list."""

    SORTS = ("id", "-id", "due_date", "-due_date")

    project_id = Id(strict=False)
    assignee_id = Id(strict=False)
    status = fields.Enum(Status, by_value=True)
    due_before = fields.Date(metadata={"description": "Due on or before this day."})
    due_after = fields.Date(metadata={"description": "Due on or after this day."})
