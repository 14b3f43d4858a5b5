"""How signing in, tokens, password and email changes are read from and written to JSON."""

from marshmallow import Schema, fields, validate

from ..rest import Text
from ..validation import EMAIL_LENGTH
from .passwords import MAX_LENGTH

PASSWORD = validate.Length(min=1, max=MAX_LENGTH)


class SignInSchema(Schema):
    """An email and a password."""

    email = fields.Email(required=True, validate=validate.Length(max=EMAIL_LENGTH))
    password = Text(required=True, load_only=True, validate=PASSWORD)


class TokensSchema(Schema):
    """A fresh pair of tokens."""

    access_token = fields.String(required=True, metadata={"description": "Send it as Bearer."})
    refresh_token = fields.String(required=True, metadata={"description": "Good for one refresh."})
    token_type = fields.String(required=True, metadata={"description": "Always Bearer."})
    expires_in = fields.Integer(
        required=True, metadata={"description": "Seconds the access token is good for."}
    )


class RefreshSchema(Schema):
    """A refresh token to trade for a new pair."""

    refresh_token = Text(required=True, validate=validate.Length(min=1, max=4096))


class PasswordChangeSchema(Schema):
    """The current password, and the new one."""

    current_password = Text(required=True, load_only=True, validate=PASSWORD)
    new_password = Text(required=True, load_only=True, validate=PASSWORD)


class PasswordResetRequestSchema(Schema):
    """The address to mail a reset token to."""

    email = fields.Email(required=True, validate=validate.Length(max=EMAIL_LENGTH))


class PasswordResetSchema(Schema):
    """A mailed reset token, and the new password."""

    token = Text(required=True, validate=validate.Length(min=1, max=256))
    new_password = Text(required=True, load_only=True, validate=PASSWORD)


class EmailChangeSchema(Schema):
    """The current password, and the address to move the account to."""

    current_password = Text(required=True, load_only=True, validate=PASSWORD)
    new_email = fields.Email(required=True, validate=validate.Length(max=EMAIL_LENGTH))


class EmailChangeConfirmSchema(Schema):
    """The token mailed to the new address."""

    token = Text(required=True, validate=validate.Length(min=1, max=256))


class MessageSchema(Schema):
    """A sentence for the person using the client."""

    message = fields.String(required=True)
