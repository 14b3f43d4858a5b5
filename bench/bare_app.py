"""The baseline of bench/service_topology.py: a bare Flask handler that sends the very
statements the generated list endpoint sends (recorded from it, in BARE_STATEMENTS) through
the driver on one connection per worker, and returns the page as the same JSON."""

import functools
import json
import os
import pickle  # nosec B403: reads the file the benchmark itself wrote a moment before
from datetime import date, datetime

import psycopg2
from flask import Flask, Response

app = Flask(__name__)
with open(os.environ["BARE_STATEMENTS"], "rb") as recorded:
    STATEMENTS, PATH = pickle.load(recorded)  # nosec B301


def jsonable(value):
    """Dates and times as ISO 8601, as the service writes them."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value))


@functools.cache
def connection():
    """This worker's one connection."""
    return psycopg2.connect(os.environ["BARE_DSN"])


@app.get(PATH)
def page() -> Response:
    with connection(), connection().cursor() as cursor:
        for statement, parameters in STATEMENTS:
            cursor.execute(statement, parameters)
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    body = json.dumps(rows[:-1] if len(rows) > 1 else rows, default=jsonable)
    headers = {"X-Pagination": json.dumps({"page_size": len(rows) - 1, "next_cursor": "x"})}
    return Response(body, mimetype="application/json", headers=headers)
