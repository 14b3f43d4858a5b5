"""How tags are read from and written to JSON."""

from marshmallow import Schema, fields, validate

from ..pagination import ListArguments
from ..rest import Text
from .models import TAG_LENGTH


class TagSchema(Schema):
    """A tag as the API shows it and accepts it."""

    id = fields.Integer(dump_only=True)
    name = Text(required=True, validate=validate.Length(min=1, max=TAG_LENGTH))


class TagListArguments(ListArguments):
    """Filters of the tag list."""

    SORTS = ("name", "-name", "id", "-id")

    prefix = Text(
        validate=validate.Length(max=TAG_LENGTH), metadata={"description": "Name starts with."}
    )
