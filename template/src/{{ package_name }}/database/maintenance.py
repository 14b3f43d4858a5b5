"""Routine upkeep: VACUUM ANALYZE, table and index sizes, indexes nobody uses, and the
slowest statements (pg_stat_statements)."""

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

TABLE_SIZES = text("""
    SELECT c.relname AS table,
           pg_total_relation_size(c.oid) AS total_bytes,
           pg_relation_size(c.oid) AS table_bytes,
           pg_indexes_size(c.oid) AS index_bytes,
           c.reltuples::bigint AS estimated_rows
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND n.nspname = current_schema()
    ORDER BY pg_total_relation_size(c.oid) DESC, c.relname
    """)

UNUSED_INDEXES = text("""
    SELECT s.relname AS table, s.indexrelname AS index,
           pg_relation_size(s.indexrelid) AS index_bytes, s.idx_scan AS scans
    FROM pg_stat_user_indexes s
    JOIN pg_index i ON i.indexrelid = s.indexrelid
    WHERE s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary
      AND s.schemaname = current_schema()
    ORDER BY pg_relation_size(s.indexrelid) DESC, s.indexrelname
    """)


SLOWEST_STATEMENTS = text("""
    SELECT calls, mean_exec_time AS mean_ms, total_exec_time AS total_ms, rows, query
    FROM pg_stat_statements
    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    ORDER BY mean_exec_time DESC
    LIMIT :limit
    """)

ENABLE_STATEMENT_STATISTICS = (
    "add pg_stat_statements to shared_preload_libraries (postgresql.conf, or your provider's "
    "parameter group), restart the server, then run CREATE EXTENSION pg_stat_statements; "
    "in this database"
)


class StatisticsUnavailable(RuntimeError):
    """pg_stat_statements cannot answer; the message says how to turn it on."""


def slowest_statements(engine: Engine, limit: int = 10) -> list:
    """The statements with the highest mean time since statistics were reset."""
    with engine.connect() as connection:
        installed = connection.scalar(
            text("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'")
        )
        if not installed:
            raise StatisticsUnavailable(
                "pg_stat_statements is not installed in this database: "
                + ENABLE_STATEMENT_STATISTICS
            )
        try:
            return list(connection.execute(SLOWEST_STATEMENTS, {"limit": limit}))
        except DBAPIError as error:  # created, but the server did not load the library
            raise StatisticsUnavailable(
                f"pg_stat_statements is installed but not loaded: {ENABLE_STATEMENT_STATISTICS}"
            ) from error


def vacuum_analyze(engine: Engine, table: str | None = None) -> None:
    """Reclaim dead rows and refresh planner statistics, for one table or all of them."""
    if table is not None and table not in table_names(engine):
        raise ValueError(f"no table named {table!r} in the current schema")
    statement = f'VACUUM (ANALYZE) "{table}"' if table else "VACUUM (ANALYZE)"
    # VACUUM refuses to run inside a transaction block.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(statement))


def table_names(engine: Engine) -> list[str]:
    """The tables of the current schema."""
    return [row.table for row in table_sizes(engine)]


def table_sizes(engine: Engine) -> list:
    """Each table's total, heap and index size in bytes, largest first."""
    with engine.connect() as connection:
        return list(connection.execute(TABLE_SIZES))


def unused_indexes(engine: Engine) -> list:
    """Indexes never scanned since statistics were reset (unique and primary keys aside)."""
    with engine.connect() as connection:
        return list(connection.execute(UNUSED_INDEXES))
