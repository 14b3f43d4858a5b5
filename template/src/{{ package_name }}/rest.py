"""The REST API's shared parts: input fields, the id converter, lookups and updates."""

from typing import Any, TypeVar

from marshmallow import ValidationError, fields, validate
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from .extensions import db

Model = TypeVar("Model")

# PostgreSQL's BIGINT: larger ids cannot exist, so they are refused as input.
MAX_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """URL part `<id:name>`: an id that can exist, so larger numbers are a plain 404."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


def id_schema(_converter) -> dict:
    """How `<id:...>` appears in the OpenAPI document."""
    return {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}


def no_nul(value: str) -> None:
    """PostgreSQL text cannot hold NUL characters."""
    if "\x00" in value:
        raise ValidationError("Must not contain NUL characters.")


def with_validators(extra, kwargs: dict) -> dict:
    """`kwargs` with `extra` validators put before any the caller gave."""
    given = kwargs.pop("validate", None)
    given = [given] if callable(given) else list(given or [])
    return {**kwargs, "validate": [*extra, *given]}


class Text(fields.String):
    """A string PostgreSQL can store."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**with_validators([no_nul], kwargs))


class Id(fields.Integer):
    """A database id: a positive BIGINT (in JSON bodies, a number, never a string)."""

    def __init__(self, *, strict: bool = True, **kwargs) -> None:
        super().__init__(strict=strict, **with_validators([validate.Range(1, MAX_ID)], kwargs))


def get_or_404(model: type[Any], id_: int) -> Any:
    """The row with this id, or 404.

    A query rather than the identity map, so a soft-deleted row stays hidden.
    """
    return db.first_or_404(select(model).where(model.id == id_))


def assign(instance: Model, data: dict) -> Model:
    """Copy validated input onto a model, attribute by attribute (so validators run)."""
    for name, value in data.items():
        setattr(instance, name, value)
    return instance
