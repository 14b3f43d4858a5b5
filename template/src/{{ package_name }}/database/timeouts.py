"""Statement, lock and idle timeouts set in every transaction, for poolers that share connections.

Normally the timeouts travel with each new connection (libpq's `options`). PgBouncer
in transaction pooling refuses that, and a session-level SET would leak to whichever
client gets the server connection next; `SET LOCAL` at the start of each transaction
holds for that transaction only, wherever the pooler runs it.
"""

from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection


def set_in_every_transaction(engine: Engine, timeouts: dict[str, int]) -> None:
    """Make every transaction on `engine` begin with `SET LOCAL` of these timeouts (ms)."""
    statement = "; ".join(f"SET LOCAL {name} = {int(value)}" for name, value in timeouts.items())

    def set_local(connection: Connection) -> None:
        connection.exec_driver_sql(statement)

    event.listen(engine, "begin", set_local)
