"""How tags are read from and written to JSON."""

from marshmallow import Schema, fields, validate


class TagSchema(Schema):
    """A tag as the API shows it and accepts it."""

    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
