"""The generated migration linter: each classic unsafe revision fails it with squawk naming the
rule, the safe form of each passes, and `make lint` runs it (after black, ruff, mypy and bandit,
which the revisions do not change: the rules are checked with the linter alone)."""

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import BIN, newest_revision, project_env

PACKAGE = "my_service"
REVISION = '''"""{name}."""

{sqlalchemy}from alembic import op
{imports}
revision = "{name}"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
{body}


def downgrade():
    pass
'''

# The whole lint, and the migration linter it ends with, run with this suite's tools.
MAKE_LINT = ["make", "lint", f"BIN={BIN}"]
LINT_MIGRATIONS = [str(BIN / "flask"), "dbtools", "lint-migrations"]
UNSAFE = {
    "require-concurrent-index-creation": '    op.create_index("ix_users_name", "users", ["name"])',
    "adding-required-field": (
        '    op.add_column("users", sa.Column("nickname", sa.Text(), nullable=False))'
    ),
    "renaming-column": '    op.alter_column("users", "name", new_column_name="full_name")',
    # The models still map users.name: dropping it breaks the code that runs during the deploy.
    "ban-drop-column": '    op.drop_column("users", "name")',
}
SAFE = {
    "require-concurrent-index-creation": """    with op.get_context().autocommit_block():
        op.create_index(
            "ix_users_name", "users", ["name"], postgresql_concurrently=True, if_not_exists=True
        )""",
    "adding-required-field": (
        '    op.add_column("users", sa.Column("nickname", sa.Text(), nullable=True))'
    ),
    "renaming-column": (
        '    op.add_column("users", sa.Column("full_name", sa.Text(), nullable=True))'
    ),
    "ban-drop-column": """    allow("ban-drop-column", reason="no release since 2.0 reads it")
    op.drop_column("users", "name")""",
}


@pytest.fixture(scope="module")
def project(variant, tmp_path_factory) -> Path:
    """A copy of the default render to add revisions to."""
    destination = tmp_path_factory.mktemp("migration-lint") / "project"
    return shutil.copytree(variant("default"), destination, symlinks=True)


def lint_with(
    project: Path, name: str, body: str, whole: bool = False
) -> subprocess.CompletedProcess:
    """Lint the migrations with one more revision, `name`, whose upgrade is `body`: with the
    migration linter `make lint` ends with, or with the whole `make lint`."""
    env = project_env(project, "meta_migration_lint", "psycopg2")
    env["APP_ENV"] = "development"
    versions = project / "src" / PACKAGE / "migrations" / "versions"
    revision = versions / f"29991231_{name}.py"
    imports = (
        f"\nfrom {PACKAGE}.database.lint_allowances import allow\n" if "allow(" in body else ""
    )
    sqlalchemy = "import sqlalchemy as sa\n" if "sa." in body else ""
    text = REVISION.format(
        name=name, sqlalchemy=sqlalchemy, imports=imports, head=newest_revision(versions), body=body
    )
    revision.write_text(text)
    try:
        return completed(MAKE_LINT if whole else LINT_MIGRATIONS, project, env)
    finally:
        revision.unlink()


def completed(
    command: list[str], project: Path, env: dict[str, str]
) -> subprocess.CompletedProcess:
    """Run `command` in the project; what it printed and exited with."""
    return subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def make_lint(project: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run the project's `make lint` with this suite's tools."""
    return completed(MAKE_LINT, project, env)


@pytest.mark.slow
@pytest.mark.parametrize("rule", sorted(UNSAFE))
def test_an_unsafe_revision_fails_the_migration_linter_naming_the_rule(project, rule):
    result = lint_with(project, f"unsafe_{rule.replace('-', '_')}", UNSAFE[rule])
    print(result.stdout[-3000:])
    assert result.returncode != 0
    assert f"warning: {rule}" in result.stdout, result.stdout[-3000:] + result.stderr[-3000:]
    assert "squawk found unsafe statements" in result.stderr


@pytest.mark.slow
def test_an_unsafe_revision_fails_make_lint_naming_the_rule(project):
    rule = "ban-drop-column"
    result = lint_with(project, "unsafe_drop", UNSAFE[rule], whole=True)
    assert result.returncode != 0
    assert f"warning: {rule}" in result.stdout, result.stdout[-3000:] + result.stderr[-3000:]
    assert "squawk found unsafe statements" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("rule", sorted(SAFE))
def test_the_safe_form_passes_the_migration_linter(project, rule):
    result = lint_with(project, f"safe_{rule.replace('-', '_')}", SAFE[rule])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.slow
def test_a_revision_written_by_flask_db_revision_passes_make_lint(project):
    env = project_env(project, "meta_migration_lint", "psycopg2")
    env["APP_ENV"] = "development"
    versions = project / "src" / PACKAGE / "migrations" / "versions"
    before = set(versions.glob("*.py"))
    flask = [str(BIN / "flask"), "db", "revision", "-m", "Rename users name to full name"]
    subprocess.run(flask, cwd=project, env=env, capture_output=True, check=True, timeout=120)
    [revision] = set(versions.glob("*.py")) - before
    try:
        # The safe patterns, as comments for the hand-written revision to keep or delete.
        text = revision.read_text()
        assert "postgresql_concurrently=True" in text and "NOT VALID" in text
        result = make_lint(project, env)
    finally:
        revision.unlink()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
