"""The migrations: one head, clean upgrades and downgrades, and no drift from the models.

pytest-alembic's built-in tests are imported here (see pyproject.toml for why).
"""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext as AlembicContext
from pytest_alembic import MigrationContext
from pytest_alembic.tests import (
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from sqlalchemy import Column, Engine, MetaData, String, inspect, text

from my_service.extensions import db

__all__ = [
    "test_model_definitions_match_ddl",
    "test_single_head_revision",
    "test_up_down_consistency",
    "test_upgrade",
]

ENUM_TYPES = text(
    "SELECT typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
    "WHERE n.nspname = current_schema() AND t.typtype = 'e'"
)


def schema_drift(engine: Engine, metadata: MetaData) -> list:
    """What autogenerate would write to take the database to `metadata`."""
    with engine.connect() as connection:
        context = AlembicContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, metadata)


def test_downgrade_to_base_then_upgrade_again(alembic_runner: MigrationContext, alembic_engine):
    alembic_runner.migrate_up_to("heads")
    alembic_runner.migrate_down_to("base")
    assert set(inspect(alembic_engine).get_table_names()) <= {"alembic_version"}
    with alembic_engine.connect() as connection:
        leftover_types = connection.scalars(ENUM_TYPES).all()
    assert leftover_types == []
    alembic_runner.migrate_up_to("heads")
    assert set(db.metadata.tables) <= set(inspect(alembic_engine).get_table_names())


def test_migrated_database_matches_the_models(alembic_runner: MigrationContext, alembic_engine):
    alembic_runner.migrate_up_to("heads")
    assert schema_drift(alembic_engine, db.metadata) == []


def test_a_model_change_without_a_migration_is_caught(
    alembic_runner: MigrationContext, alembic_engine
):
    alembic_runner.migrate_up_to("heads")
    changed = MetaData(naming_convention=db.metadata.naming_convention)
    for table in db.metadata.tables.values():
        table.to_metadata(changed)
    # A name no team gives a column of its own (a team's `nickname` must not clash).
    added = "added_without_a_migration"
    assert added not in changed.tables["users"].c
    changed.tables["users"].append_column(Column(added, String(40)))
    [(operation, _, table, column)] = schema_drift(alembic_engine, changed)
    assert (operation, table, column.name) == ("add_column", "users", added)
