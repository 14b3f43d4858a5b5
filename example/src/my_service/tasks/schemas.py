"""How tasks are read from and written to JSON."""

from marshmallow import Schema, fields, validate

from ..tags.schemas import TagSchema
from .models import Status


class TaskSchema(Schema):
    """A task as the API shows it and accepts it; its tags are shown by name."""

    id = fields.Integer(dump_only=True)
    project_id = fields.Integer(required=True)
    assignee_id = fields.Integer(allow_none=True, load_default=None)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="")
    status = fields.Enum(Status, by_value=True, load_default=Status.TODO)
    priority = fields.Integer(load_default=3, validate=validate.Range(min=1, max=5))
    due_date = fields.Date(allow_none=True, load_default=None)
    completed_at = fields.DateTime(dump_only=True, allow_none=True)
    tags = fields.List(fields.Pluck(TagSchema, "name"), dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
