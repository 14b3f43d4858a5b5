"""Errors models raise when a value or an action breaks a rule, and checks they share."""

import re

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Lengths that model columns, model validators and API schemas share.
EMAIL_LENGTH = 320  # the longest address SMTP allows
NAME_LENGTH = 200  # names and titles
DESCRIPTION_LENGTH = 10_000


class ModelValidationError(ValueError):
    """A value a model refuses; `field` names the attribute, `message` says what to do."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class DomainRuleError(Exception):
    """An action the current state forbids (completing a task in an archived project...)."""


def clean_text(field: str, value: str | None, max_length: int) -> str:
    """Strip `value` and check it is present and fits; name the field when it does not."""
    text = (value or "").strip()
    if not text:
        raise ModelValidationError(field, "must not be blank")
    if len(text) > max_length:
        raise ModelValidationError(field, f"must be at most {max_length} characters long")
    return text


def clean_email(field: str, value: str | None) -> str:
    """Normalise an email address to lower case and check its form."""
    email = clean_text(field, value, EMAIL_LENGTH).lower()
    if not EMAIL.match(email):
        raise ModelValidationError(
            field, f"{email!r} is not an email address like name@example.com"
        )
    return email
