"""Lists a page at a time, at the same cost on page 1 and page 10,000, however large the table.

Keyset (cursor) pagination: each page ends with a cursor naming its last row (its sort
value and id), and the next page is "rows after that one" in the list's order, which
an index answers without counting or skipping rows. So a page costs the same at any
depth and any table size, and a row inserted or deleted meanwhile never shifts a later
page (no row is served twice or skipped). There is no page number and, unless asked
for with `total=true`, no count of every matching row (that one scans them all).

The answer stays a JSON list; the `X-Pagination` header holds `page_size` and
`next_cursor` (null on the last page), and a `Link: <...>; rel="next"` header the URL of
the next page.
"""

import base64
import binascii
import json
from datetime import date
from typing import Any

from flask import request, url_for
from marshmallow import Schema, fields, validate
from sqlalchemy import Date, Select, and_, func, or_, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute
from werkzeug.exceptions import UnprocessableEntity

from .extensions import db
from .rest import MAX_ID, Text

MAX_PAGE_SIZE = 100
HEADERS = {
    "X-Pagination": {
        "description": (
            "JSON: `page_size`, `next_cursor` (pass it as `cursor` for the next page; "
            "null on the last page) and, with `total=true`, `total`."
        ),
        "schema": {"type": "string"},
    },
    "Link": {
        "description": 'The next page\'s URL, as `<...>; rel="next"`.',
        "schema": {"type": "string"},
    },
}


class ListArguments(Schema):
    """Query arguments every list accepts; subclasses add filters and their sort choices."""

    SORTS: tuple[str, ...] = ("id", "-id")

    page_size = fields.Integer(
        load_default=10,
        validate=validate.Range(1, MAX_PAGE_SIZE),
        metadata={"description": f"Rows per page, 1 to {MAX_PAGE_SIZE}."},
    )
    cursor = Text(
        validate=validate.Length(max=512),
        metadata={"description": "Where the page starts: the previous page's `next_cursor`."},
    )
    total = fields.Boolean(
        load_default=False,
        metadata={"description": "Also count every matching row (slower on large tables)."},
    )

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls._declared_fields["sort"] = Text(
            load_default=cls.SORTS[0],
            validate=validate.OneOf(cls.SORTS),
            metadata={"description": "Field to sort by; a leading '-' sorts descending."},
        )


class Keyset:
    """The order of a list, and how to ask for the rows after a given one."""

    def __init__(self, model: type[Any], sort: str) -> None:
        self.sort = sort
        self.descending = sort.startswith("-")
        self.column: InstrumentedAttribute = getattr(model, sort.lstrip("-"))
        self.id: InstrumentedAttribute = model.id
        self.by_id = self.column is self.id
        self.nullable = bool(getattr(self.column, "nullable", False)) and not self.by_id

    def order(self) -> list:
        """ORDER BY: the sort column (empty values last), then the id to break ties."""
        direction = "desc" if self.descending else "asc"
        if self.by_id:
            return [getattr(self.id, direction)()]
        return [getattr(self.column, direction)().nulls_last(), getattr(self.id, direction)()]

    def after(self, value: Any, id_: int):
        """The condition that keeps the rows after (value, id_) in this order."""
        later = (lambda a, b: a < b) if self.descending else (lambda a, b: a > b)
        if self.by_id:
            return later(self.id, id_)
        if value is None:  # past the rows with a value: the empty ones, by id
            return and_(self.column.is_(None), later(self.id, id_))
        after_value = later(tuple_(self.column, self.id), tuple_(value, id_))
        return or_(after_value, self.column.is_(None)) if self.nullable else after_value

    def cursor(self, row: Any) -> str:
        """The cursor that points just past `row`."""
        value = getattr(row, self.column.key)
        payload = {"s": self.sort, "i": row.id}
        if not self.by_id:
            payload["v"] = value.isoformat() if isinstance(value, date) else value
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def position(self, cursor: str) -> tuple[Any, int]:
        """The (value, id) a cursor points past; 422 for one that is not of this list."""
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
            if payload["s"] != self.sort:
                raise ValueError("another sort")
            id_ = payload["i"]
            if isinstance(id_, bool) or not isinstance(id_, int) or not 0 < id_ <= MAX_ID:
                raise ValueError("id")
            value = payload.get("v")
            if not self.by_id and value is not None:
                value = self.column_value(value)
        except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
            raise UnprocessableEntity(
                "cursor is not one this list gave out (with this sort): "
                "start again without a cursor"
            ) from None
        return value, id_

    def column_value(self, value: Any) -> Any:
        """A cursor's value, checked against the type of the sort column."""
        if isinstance(self.column.type, Date):
            return date.fromisoformat(value)
        python_type = self.column.type.python_type
        if isinstance(value, bool) or not isinstance(value, python_type):
            raise ValueError("value")
        return value


def next_link(next_cursor: str) -> str:
    """The URL of the next page: this request's, with the cursor moved on."""
    values: dict[str, Any] = {
        **(request.view_args or {}),
        **request.args.to_dict(),
        "cursor": next_cursor,
    }
    return url_for(request.endpoint or "", **values)


def paginate(
    query: Select, model: type[Any], arguments: dict
) -> tuple[list[Any], int, dict[str, str]]:
    """One page of `query` in the requested order, with its pagination headers.

    It reads one row more than the page holds, to know whether another page follows.
    """
    keyset = Keyset(model, arguments["sort"])
    matching = query
    if arguments.get("cursor"):
        query = query.where(keyset.after(*keyset.position(arguments["cursor"])))
    size = arguments["page_size"]
    rows = db.session.scalars(query.order_by(*keyset.order()).limit(size + 1)).all()
    page, more = list(rows[:size]), len(rows) > size
    next_cursor = keyset.cursor(page[-1]) if more else None
    pagination: dict[str, Any] = {"page_size": size, "next_cursor": next_cursor}
    if arguments.get("total"):
        counted = select(func.count()).select_from(matching.order_by(None).subquery())
        pagination["total"] = db.session.scalar(counted)
    headers = {"X-Pagination": json.dumps(pagination)}
    if next_cursor is not None:
        headers["Link"] = f'<{next_link(next_cursor)}>; rel="next"'
    return page, 200, headers
