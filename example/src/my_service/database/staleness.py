"""Checking a pooled connection before use only when it may have gone stale.

`pool_pre_ping` checks every connection on every checkout: one more round trip to the
server per request, the largest fixed cost of a short read. A connection breaks while it
sits unused (the server restarted, a firewall or PgBouncer closed it for idleness), so
only one that sat in the pool for DB_PING_AFTER_IDLE seconds is checked; one handed back
a moment ago is used at once. If one still breaks in use, SQLAlchemy sees the disconnect,
drops every connection of the pool opened before it, and the request gets a 503.
"""

import time

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

IDLE_SINCE = "idle_since"


def ping_stale_connections(engine: Engine, after_idle: float) -> None:
    """Before handing out a connection unused for `after_idle` seconds, check it with the
    dialect's ping; a dead one is replaced by a fresh connection."""

    def returned(_dbapi_connection, record: ConnectionPoolEntry) -> None:
        record.info[IDLE_SINCE] = time.monotonic()

    def check_if_stale(
        dbapi_connection, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
    ) -> None:
        idle_since = record.info.pop(IDLE_SINCE, None)
        if idle_since is None or time.monotonic() - idle_since < after_idle:
            return  # just opened, or just handed back
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(f"a pooled connection died while idle: {error}") from error
        if not alive:
            raise DisconnectionError("a pooled connection died while idle")

    event.listen(engine, "checkin", returned)
    event.listen(engine, "checkout", check_if_stale)
