"""`flask dbtools ...`: database chores from the command line."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, ScriptInfo
from sqlalchemy.exc import OperationalError

from . import migration_lint
from .database import admin, backup, erd, maintenance
from .database.errors import connection_problem
from .database.wait import DatabaseUnavailableError, wait_for_database
from .extensions import db


class DatabaseCommands(AppGroup):
    """A command group whose commands report an unreachable database in one line."""

    def invoke(self, ctx: click.Context):
        """Run the command; a database that cannot be reached becomes a one-line error."""
        try:
            return super().invoke(ctx)
        except OperationalError as error:
            settings = ctx.ensure_object(ScriptInfo).load_app().config
            url, variable = settings["SQLALCHEMY_DATABASE_URI"], settings["DATABASE_URL_VARIABLE"]
            raise click.ClickException(connection_problem(url, error, variable)) from None


@click.group(cls=DatabaseCommands)
def dbtools() -> None:
    """Database utilities: wait, create, drop, backup, restore, upkeep, diagram."""


@dbtools.command()
@click.option("--timeout", default=30.0, show_default=True, help="Seconds to keep trying.")
def wait(timeout: float) -> None:
    """Wait until the database answers (run before migrations at start-up)."""
    try:
        attempts = wait_for_database(db.engine, timeout=timeout)
    except DatabaseUnavailableError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"The database answered after {attempts} attempt(s).")


@dbtools.command()
def create() -> None:
    """Create the configured database if it does not exist."""
    admin.ensure_database(db.engine.url)
    click.echo(f"Database {db.engine.url.database!r} is there.")


def destructive(command):
    """Options of a command that destroys data: a confirmation, and in production the name
    of the database, so that a mistyped environment cannot wipe it."""
    command = click.confirmation_option(prompt="Destroy the database's current contents?")(command)
    return click.option(
        "--production-database",
        metavar="NAME",
        help="In production: the name of the database, to show you mean it.",
    )(command)


def refuse_production_unless_named(named: str | None) -> None:
    """In production, go on only if NAME is the configured database's name."""
    if current_app.config["NAME"] != "production":
        return
    actual = db.engine.url.database
    if named != actual:
        raise click.ClickException(
            "this is the production configuration: to go on, pass "
            f"--production-database {actual} (the name of the database this destroys)"
        )


@dbtools.command()
@destructive
def drop(production_database: str | None) -> None:
    """Drop the configured database, closing other connections to it."""
    refuse_production_unless_named(production_database)
    db.engine.dispose()
    admin.drop_database(db.engine.url)
    click.echo(f"Database {db.engine.url.database!r} dropped.")


@dbtools.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Write a pg_dump (custom format) of the database to PATH."""
    try:
        backup.backup(db.engine, path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {path} ({path.stat().st_size} bytes).")


@dbtools.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@destructive
def restore_command(path: Path, production_database: str | None) -> None:
    """Restore the database from a backup made by `flask dbtools backup`."""
    refuse_production_unless_named(production_database)
    db.engine.dispose()
    try:
        backup.restore(db.engine, path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Database restored from {path}.")


@dbtools.command()
@click.option("--table", help="Only this table (default: all).")
def vacuum(table: str | None) -> None:
    """VACUUM (ANALYZE): reclaim dead rows and refresh the planner's statistics."""
    try:
        maintenance.vacuum_analyze(db.engine, table)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Vacuumed and analyzed {table or 'every table'}.")


@dbtools.command()
def sizes() -> None:
    """Show each table's size with its indexes, largest first."""
    click.echo(f"{'table':<30} {'rows':>10} {'table':>12} {'indexes':>12} {'total':>12}")
    for row in maintenance.table_sizes(db.engine):
        click.echo(
            f"{row.table:<30} {row.estimated_rows:>10} {row.table_bytes:>12} "
            f"{row.index_bytes:>12} {row.total_bytes:>12}"
        )


@dbtools.command("unused-indexes")
def unused_indexes() -> None:
    """List indexes never used since statistics were reset (candidates to drop)."""
    rows = maintenance.unused_indexes(db.engine)
    if not rows:
        click.echo("Every index has been used.")
    for row in rows:
        click.echo(f"{row.table}.{row.index}: {row.index_bytes} bytes, never scanned")


@dbtools.command("stats")
@click.option("--limit", default=10, show_default=True, help="How many statements to list.")
def stats(limit: int) -> None:
    """List the statements with the highest mean time, from pg_stat_statements."""
    try:
        rows = maintenance.slowest_statements(db.engine, limit)
    except maintenance.StatisticsUnavailable as error:
        raise click.ClickException(str(error)) from None
    if not rows:
        click.echo("No statements recorded since the statistics were reset.")
    for row in rows:
        query = " ".join(row.query.split())
        click.echo(
            f"{row.mean_ms:10.2f} ms mean {row.calls:8d} calls {row.total_ms:12.1f} ms total  "
            f"{query[:200]}"
        )


@dbtools.command("erd")
@click.option(
    "--write",
    "document",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Replace the diagram between the ERD markers of this Markdown file.",
)
def erd_command(document: Path | None) -> None:
    """Print the Mermaid entity-relationship diagram of the models."""
    diagram = erd.mermaid_erd(db.metadata)
    if document is None:
        click.echo(diagram, nl=False)
        return
    document.write_text(erd.replace_diagram(document.read_text(), diagram))
    click.echo(f"Diagram written to {document}.")


@dbtools.command("lint-migrations")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def lint_migrations(paths: tuple[Path, ...]) -> None:
    """Check each revision's SQL (or only the revision files named) with squawk."""
    if migration_lint.lint(paths):
        raise click.ClickException(
            "squawk found unsafe statements (above). Make them safe (docs/migrations.md), or "
            'allow one with a reason: allow("rule", reason="...") from database.lint_allowances.'
        )
