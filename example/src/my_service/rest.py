"""The REST API's shared parts: input fields, list arguments, sorting and pagination."""

from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import Select, func, select
from werkzeug.routing import IntegerConverter

from .extensions import db

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


class ListArguments(Schema):
    """Query arguments every list accepts; subclasses add filters and their sort choices."""

    SORTS: tuple[str, ...] = ("id", "-id")

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls._declared_fields["sort"] = Text(
            load_default=cls.SORTS[0],
            validate=validate.OneOf(cls.SORTS),
            metadata={"description": "Field to sort by; a leading '-' sorts descending."},
        )


def order_by(query: Select, model: type, sort: str) -> Select:
    """Sort a query by `sort` (`name` or `-name`), with the id as the tie-breaker."""
    column = getattr(model, sort.lstrip("-"))
    ordering = column.desc() if sort.startswith("-") else column.asc()
    return query.order_by(ordering, model.id)


def get_or_404(model: type, id_: int):
    """The row with this id, or 404.

    A query rather than the identity map, so a soft-deleted row stays hidden.
    """
    return db.first_or_404(select(model).where(model.id == id_))


def assign(instance: object, data: dict) -> object:
    """Copy validated input onto a model, attribute by attribute (so validators run)."""
    for name, value in data.items():
        setattr(instance, name, value)
    return instance


def paginate(query: Select, pagination) -> list:
    """One page of `query`; the total goes to flask-smorest for the X-Pagination header.

    A page past the end is empty without asking for it, which also keeps an absurd
    page number from reaching PostgreSQL as an OFFSET it cannot hold.
    """
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pagination.item_count = total
    offset = (pagination.page - 1) * pagination.page_size
    if offset >= total:
        return []
    return db.session.scalars(query.limit(pagination.page_size).offset(offset)).all()
