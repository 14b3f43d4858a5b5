"""How projects are read from and written to JSON."""

from marshmallow import Schema, fields, validate


class ProjectSchema(Schema):
    """A project as the API shows it and accepts it."""

    id = fields.Integer(dump_only=True)
    owner_id = fields.Integer(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    slug = fields.String(
        validate=validate.Regexp(
            r"^[a-z0-9]+(-[a-z0-9]+)*$", error="Use lowercase words joined by hyphens."
        )
    )
    description = fields.String(load_default="")
    archived_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
