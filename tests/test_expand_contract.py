"""The generated expand/contract check: on a branch, `make expand-contract BASE=main` runs the
base's API tests on a database migrated to the branch's revisions. A revision dropping a column
the base's code reads fails it, naming the column; an additive revision passes."""

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import BIN, git, newest_revision, project_env

pytestmark = pytest.mark.slow

REVISION = '''"""{message}."""

import sqlalchemy as sa
from alembic import op

revision = "{name}"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    {upgrade}


def downgrade():
    pass
'''
BREAKING = 'op.drop_column("users", "name")'
ADDITIVE = 'op.add_column("users", sa.Column("nickname", sa.Text(), nullable=True))'


@pytest.fixture(params=["default", "minimal"])
def project(request, variant, tmp_path) -> Path:
    """A copy of a rendered variant, its git repository on a branch off main."""
    project = shutil.copytree(variant(request.param), tmp_path / "project", symlinks=True)
    git(project, "switch", "--quiet", "--create", "schema-change")
    return project


def commit_revision(project: Path, name: str, upgrade: str) -> None:
    """Add a revision after the newest one, whose upgrade is `upgrade`, and commit it."""
    versions = next((project / "src").glob("*/migrations/versions"))
    text = REVISION.format(
        message=name.replace("_", " ").capitalize(),
        name=name,
        head=newest_revision(versions),
        upgrade=upgrade,
    )
    (versions / f"29991231_{name}.py").write_text(text)
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", f"Revision {name}")


def expand_contract(project: Path, **settings: str) -> subprocess.CompletedProcess:
    """`make expand-contract BASE=main` in the project, on a database of this worker's."""
    env = {**project_env(project, "meta_expand_contract", "psycopg2"), **settings}
    return subprocess.run(
        ["make", "expand-contract", "BASE=main", f"BIN={BIN}"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_a_revision_dropping_a_column_the_base_reads_fails_naming_the_column(project):
    commit_revision(project, "drop_user_names", BREAKING)
    # A few failures make the point; the whole suite failing would only take longer.
    result = expand_contract(project, PYTEST_ADDOPTS="--maxfail=2")
    print(result.stdout[-3000:], result.stderr[-3000:])
    assert result.returncode != 0
    assert 'column "name" of relation "users" does not exist' in result.stdout
    assert "expand-contract: the code of main fails on this checkout's schema" in result.stderr
    assert len(git(project, "worktree", "list").splitlines()) == 1, "the base's worktree is left"


def test_an_additive_revision_passes(project):
    commit_revision(project, "user_nicknames", ADDITIVE)
    result = expand_contract(project)
    print(result.stdout[-3000:], result.stderr[-3000:])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert " passed" in result.stdout and "expand-contract: the code of main works" in result.stdout


def test_without_a_new_revision_there_is_nothing_to_check(project):
    (project / "README.md").write_text("A change without a revision.\n")
    git(project, "commit", "--quiet", "--all", "--message", "No schema change")
    result = expand_contract(project)
    assert result.returncode == 0, result.stderr
    assert "expand-contract: no revision added or changed since main" in result.stdout
