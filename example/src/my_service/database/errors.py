"""Reading database errors: SQLSTATE codes, transient failures, the field a constraint
guards, and why a connection could not be made."""

from sqlalchemy import MetaData
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

UNIQUE_VIOLATION, FOREIGN_KEY_VIOLATION, NOT_NULL_VIOLATION = "23505", "23503", "23502"
QUERY_CANCELED, LOCK_NOT_AVAILABLE = "57014", "55P03"
# serialization_failure and deadlock_detected: PostgreSQL asks the client to retry.
TRANSIENT_SQLSTATES = {"40001", "40P01"}

# What libpq says when a connection fails, and what that means for the person reading it.
CONNECTION_PROBLEMS = (
    (
        ("connection refused", "no such file or directory"),
        "connection refused: nothing is listening there; start PostgreSQL or fix the host and port",
    ),
    (
        ("could not translate host name", "name or service not known", "nodename nor servname"),
        "unknown host: the host name does not resolve; fix the host in the URL",
    ),
    (
        ("password authentication failed", "no password supplied", "role", "pg_hba.conf"),
        "the server refused these credentials: fix the user name and password in the URL",
    ),
    (
        ("does not exist",),
        "the database does not exist: create it (`flask dbtools create`) or fix its name",
    ),
    (
        ("timeout expired", "timed out"),
        "no answer before the connect timeout: check the host, the port and any firewall",
    ),
)


def sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE code of a database error, for psycopg2 and psycopg 3 alike."""
    original = getattr(error, "orig", None)
    return getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)


def is_transient(error: BaseException) -> bool:
    """Whether running the same transaction again may succeed."""
    return isinstance(error, DBAPIError) and sqlstate(error) in TRANSIENT_SQLSTATES


def constrained_field(error: IntegrityError, metadata: MetaData) -> str | None:
    """The model field a violated constraint guards, from the constraint's name in `metadata`.

    A constraint or index may name its field in `info={"field": ...}`; otherwise the
    field is its last column.
    """
    diagnostics = getattr(error.orig, "diag", None)
    if sqlstate(error) == NOT_NULL_VIOLATION:
        return getattr(diagnostics, "column_name", None)
    name = getattr(diagnostics, "constraint_name", None)
    for table in metadata.tables.values():
        for item in [*table.constraints, *table.indexes]:
            if getattr(item, "name", None) == name:
                columns = [column.name for column in getattr(item, "columns", [])]
                return item.info.get("field") or (columns[-1] if columns else None)
    return None


def connection_problem(url: str | URL, error: BaseException, variable: str) -> str:
    """One line naming the server (without its password) and the setting that points at it,
    what went wrong, and what to do about it."""
    where = make_url(url).render_as_string(hide_password=True)
    text = str(getattr(error, "orig", None) or error).strip()
    lowered = text.lower()
    for clues, explanation in CONNECTION_PROBLEMS:
        if any(clue in lowered for clue in clues):
            return f"cannot connect to {where} ({variable}): {explanation}"
    first_line = text.splitlines()[0] if text else type(error).__name__
    return f"database error at {where} ({variable}): {first_line}"
