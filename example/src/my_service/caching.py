"""Cached API reads that a write can never leave stale, in every worker and every replica.

Each table has a generation number. A cached read's key holds what the caller may see
(their own rows, or everything for an administrator) and the generations of the
tables it reads, so a write only has to bump them: after a commit, every table the
session wrote to (through the ORM, a bulk statement, or `note_written` for COPY and
raw SQL), and every table that references those (whose rows the database may have
cascaded), gets a new generation, and the old entries are never read again; the
write is answered only after that.

The generations live where every process sees them: in the cache itself when it is
shared (RedisCache), in PostgreSQL (`cache_generations`) when each process keeps its
own cache (SimpleCache), so a write in one gunicorn worker or replica is seen by the
next read in any other. CACHE_TYPE picks the backend (NullCache: caching off).

A cached read's answer carries a weak ETag, a digest of that same key: it changes
exactly when the key does (a write to a table it reads, or another caller's scope or
URL). A client that sends it back in If-None-Match gets a 304 without the view running
or the cache being read: once the caller is identified, only the generations are.

The cache is an optimisation: when its backend fails, reads are answered from the
database and the failure is logged. A write whose invalidation failed can leave an
entry stale until it expires (CACHE_DEFAULT_TIMEOUT), and that is logged as an error.
"""

import functools
import hashlib
import logging
import uuid
from collections.abc import Callable
from copy import deepcopy
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, has_app_context, request
from sqlalchemy import BigInteger, Column, Engine, String, Table, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, scoped_session

from .auth.policies import current_caller
from .database.events import listen_once
from .extensions import cache, db
from .metrics import CACHE_READS

WRITTEN = "cache_tables_written"

logger = logging.getLogger(__name__)


# Caches that each process keeps to itself: their generations must live in the database.
PER_PROCESS_CACHES = {"SimpleCache", "simple", "FileSystemCache", "filesystem"}
NO_CACHE = {"NullCache", "null"}
# Failures that are not the cache's: the database's (answered as such) and warnings.
NOT_THE_CACHE = (SQLAlchemyError, Warning)

cache_generations = Table(
    "cache_generations",
    db.metadata,
    Column("table_name", String(63), primary_key=True),
    Column("generation", BigInteger, nullable=False, server_default="0"),
)


def generation_key(table: str) -> str:
    """Where a table's generation number is kept in a shared cache."""
    return f"generation:{table}"


class CacheGenerations:
    """Generations kept in a shared cache (Redis): read with one GET, bumped with INCR.

    Redis may lose them (a restart without persistence, a flush, an eviction), and they
    would count up from 0 again to numbers an earlier key or ETag already holds, for other
    data. So they come with an epoch, a random value set once while none is there: lost
    with them, it is replaced, and no earlier key or tag is current again.
    """

    EPOCH = "generation-epoch"

    def current(self, tables: tuple[str, ...]) -> list[int | str]:
        """The epoch, then the generation of each table."""
        epoch, *values = cache.get_many(self.EPOCH, *(generation_key(t) for t in tables))
        if epoch is None:
            cache.add(self.EPOCH, uuid.uuid4().hex, timeout=0)  # unless another process did
            epoch = cache.get(self.EPOCH)
        return [epoch, *(value or 0 for value in values)]

    def bump(self, _session: Session, tables: list[str]) -> None:
        """A new generation for each table (atomic on Redis, so no two writers share one)."""
        for table in tables:
            cache.cache.inc(generation_key(table))


class DatabaseGenerations:
    """Generations kept in PostgreSQL, for caches each process keeps to itself."""

    def current(self, tables: tuple[str, ...]) -> list[int | str]:
        """The generation of each table, read in the request's transaction."""
        query = select(cache_generations).where(cache_generations.c.table_name.in_(tables))
        found = {row.table_name: row.generation for row in db.session.execute(query)}
        return [found.get(table, 0) for table in tables]

    def bump(self, session: Session, tables: list[str]) -> None:
        """A new generation for each table, in a transaction of its own after the commit.

        Its row locks last one statement, not the writer's transaction, so writers to the
        same table do not queue behind each other. Tables go in name order, so two bumps
        never deadlock.
        """
        rows = [{"table_name": table, "generation": 1} for table in tables]
        statement = insert(cache_generations).values(rows)
        statement = statement.on_conflict_do_update(
            index_elements=[cache_generations.c.table_name],
            set_={"generation": cache_generations.c.generation + 1},
        )
        bind = session.get_bind()
        if isinstance(bind, Engine):
            with bind.begin() as connection:
                connection.execute(statement)
        else:  # a connection handed in (the test harness): it runs there
            bind.execute(statement)


def generation_store() -> CacheGenerations | DatabaseGenerations | None:
    """Where this app keeps its generations (None: caching is off)."""
    return current_app.extensions["cache_generations"]


def generations(store: CacheGenerations | DatabaseGenerations, tables: tuple[str, ...]) -> str:
    """The current generation of each table, as one key part."""
    return ".".join(str(value) for value in store.current(tables))


def referencing(tables: set[str]) -> set[str]:
    """`tables` and every table that references one of them, directly or not."""
    found, frontier = set(tables), set(tables)
    while frontier:
        frontier = {
            table.name
            for table in db.metadata.tables.values()
            if table.name not in found
            and any(key.column.table.name in frontier for key in table.foreign_keys)
        }
        found |= frontier
    return found


# The OpenAPI document of every cached read: its ETag, If-None-Match and the 304.
ETAG_HEADER = {
    "description": (
        "A weak tag of this answer, when the service caches reads: send it back as "
        "`If-None-Match` to be answered `304` while the answer is unchanged."
    ),
    "schema": {"type": "string"},
}
IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "description": (
        "ETags of answers the client holds (or `*`): while one is still current, the "
        "answer is a `304` with no body."
    ),
    "schema": {"type": "string"},
}
NOT_MODIFIED = {
    "description": "Not Modified: the answer whose ETag was sent is still current.",
    "headers": {"ETag": ETAG_HEADER},
    "content_type": None,
}


def entity_tag(key: str) -> str:
    """The ETag (unquoted) of the answer cached under `key`, without revealing the key."""
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def not_modified(tag: str) -> Response:
    """A 304 for the answer tagged `tag`."""
    response = Response(status=HTTPStatus.NOT_MODIFIED)
    response.set_etag(tag, weak=True)
    return response


def document_conditional(view: Callable) -> None:
    """Add the ETag header, If-None-Match and the 304 to the view's OpenAPI document."""
    apidoc = view._apidoc = deepcopy(getattr(view, "_apidoc", {}))  # type: ignore[attr-defined]
    arguments = apidoc.setdefault("arguments", {})
    arguments.setdefault("parameters", []).append(dict(IF_NONE_MATCH))
    responses = apidoc.setdefault("response", {}).setdefault("responses", {})
    for response in responses.get(HTTPStatus.OK, []):
        response.setdefault("headers", {})["ETag"] = ETAG_HEADER
    responses[HTTPStatus.NOT_MODIFIED] = [deepcopy(NOT_MODIFIED)]


def cached_read(*tables: str, timeout: int | None = None) -> Callable:
    """Cache a GET view's whole response, keyed by its URL and the generations of `tables`,
    and answer a client holding its current ETag with a 304."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            store = generation_store()
            if store is None:
                return view(*args, **kwargs)
            held = request.if_none_match
            try:
                # Keyed by what the caller may see, so no page is served to someone else.
                scope = current_caller().scope
                key = f"view:{scope}:{generations(store, tables)}:{request.full_path}"
                tag = entity_tag(key)
                if not held.star_tag and held.contains_weak(tag):
                    CACHE_READS.labels("not_modified").inc()
                    return not_modified(tag)
                hit = cache.get(key)
            except NOT_THE_CACHE:
                raise
            except Exception as error:  # any backend failure: answer without the cache
                logger.warning("Cache unavailable, reading from the database: %r", error)
                CACHE_READS.labels("error").inc()
                return view(*args, **kwargs)
            if hit is not None:
                CACHE_READS.labels("hit").inc()
                body, status, headers = hit
                response = Response(body, status=status, headers=headers)
            else:
                CACHE_READS.labels("miss").inc()
                response = current_app.make_response(view(*args, **kwargs))
                if response.status_code != HTTPStatus.OK:
                    return response  # errors are neither cached nor tagged
                entry = (response.get_data(), HTTPStatus.OK, list(response.headers))
                try:
                    cache.set(key, entry, timeout)
                except NOT_THE_CACHE:
                    raise
                except Exception as error:  # the answer is right; only the cache missed it
                    logger.warning("Cache unavailable, response not stored: %r", error)
            if held.star_tag:  # `*` matches any answer there is, and there is one
                return not_modified(tag)
            response.set_etag(tag, weak=True)
            return response

        document_conditional(wrapper)
        return wrapper

    return decorate


def note_written(session: Session | scoped_session[Any], *tables: str) -> None:
    """Record writes the session cannot see itself (COPY, raw SQL), to invalidate on commit."""
    session.info.setdefault(WRITTEN, set()).update(tables)


def remember_written_tables(session: Session, _flush: UOWTransaction) -> None:
    """Note which tables the unit of work changed."""
    for instance in (*session.new, *session.dirty, *session.deleted):
        note_written(session, instance.__table__.name)
        for relationship in type(instance).__mapper__.relationships:
            if relationship.secondary is not None:
                note_written(session, relationship.secondary.name)


def remember_bulk_writes(state: ORMExecuteState) -> None:
    """Note the table of a bulk INSERT, UPDATE or DELETE run through the session."""
    if state.is_insert or state.is_update or state.is_delete:
        note_written(state.session, state.statement.table.name)  # type: ignore[attr-defined]


def invalidate_written_tables(session: Session) -> None:
    """Give every table the transaction wrote to (and those referencing it) a new generation."""
    written = session.info.pop(WRITTEN, set())
    store = generation_store() if written and has_app_context() else None
    if store is None:
        return
    tables = sorted(referencing(written))
    try:
        store.bump(session, tables)
    except Warning:
        raise
    except Exception as error:  # the commit stands; say how long reads may lag behind it
        logger.error(
            "Cache unavailable, %s not invalidated: cached reads may lag for up to %ss: %r",
            ", ".join(tables),
            current_app.config["CACHE_DEFAULT_TIMEOUT"],
            error,
        )


def forget_written_tables(session: Session) -> None:
    """A rolled-back transaction changed nothing."""
    session.info.pop(WRITTEN, None)


def register_caching(app: Flask) -> None:
    """Bind the cache, keep its generations where every process sees them, and invalidate
    cached reads after every commit of the app's sessions."""
    cache.init_app(app)
    cache_type = app.config["CACHE_TYPE"]
    if cache_type in NO_CACHE:
        app.extensions["cache_generations"] = None
    elif cache_type in PER_PROCESS_CACHES:
        app.extensions["cache_generations"] = DatabaseGenerations()
    else:
        app.extensions["cache_generations"] = CacheGenerations()
    listen_once(db.session, "after_flush", remember_written_tables)
    listen_once(db.session, "do_orm_execute", remember_bulk_writes)
    listen_once(db.session, "after_commit", invalidate_written_tables)
    listen_once(db.session, "after_rollback", forget_written_tables)
