"""How projects are read from and written to JSON."""

from marshmallow import Schema, fields, validate

from ..pagination import ListArguments
from ..rest import Id, Text
from ..validation import DESCRIPTION_LENGTH, NAME_LENGTH
from .models import SLUG_LENGTH, SLUG_PATTERN

SLUG = [
    validate.Length(max=SLUG_LENGTH),
    validate.Regexp(SLUG_PATTERN, error="Use lowercase words joined by hyphens."),
]


class ProjectSchema(Schema):
    """A project as the API shows it and accepts it."""

    id = fields.Integer(dump_only=True)
    owner_id = Id(required=True)
    name = Text(required=True, validate=validate.Length(min=1, max=NAME_LENGTH))
    slug = Text(validate=SLUG)
    description = Text(load_default="", validate=validate.Length(max=DESCRIPTION_LENGTH))
    archived_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class ProjectUpdateSchema(Schema):
    """The fields of a project that PATCH may change."""

    name = Text(validate=validate.Length(min=1, max=NAME_LENGTH))
    slug = Text(validate=SLUG)
    description = Text(validate=validate.Length(max=DESCRIPTION_LENGTH))


class ProjectListArguments(ListArguments):
    """Filters of the project list."""

    SORTS = ("id", "-id")

    owner_id = Id(strict=False)
    archived = fields.Boolean(metadata={"description": "Only archived (true) or active (false)."})
