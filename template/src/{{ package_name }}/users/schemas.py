"""How users are read from and written to JSON."""

from marshmallow import Schema, fields, validate

from ..pagination import ListArguments
from ..rest import Text
from ..validation import EMAIL_LENGTH, NAME_LENGTH
from .models import Role


class UserSchema(Schema):
    """A user as the API shows it and accepts it."""

    id = fields.Integer(dump_only=True)
    email = fields.Email(required=True, validate=validate.Length(max=EMAIL_LENGTH))
    name = Text(required=True, validate=validate.Length(min=1, max=NAME_LENGTH))
    role = fields.Enum(Role, by_value=True, load_default=Role.MEMBER)
    is_active = fields.Boolean(load_default=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class UserUpdateSchema(Schema):
    """The fields of a user that PATCH may change."""

    email = fields.Email(validate=validate.Length(max=EMAIL_LENGTH))
    name = Text(validate=validate.Length(min=1, max=NAME_LENGTH))
    role = fields.Enum(Role, by_value=True)
    is_active = fields.Boolean()


class UserListArguments(ListArguments):
    """Filters of the user list."""

    SORTS = ("id", "-id")

    email = fields.Email(metadata={"description": "Exact address, any case."})
    role = fields.Enum(Role, by_value=True)
    is_active = fields.Boolean()
