"""`copier update` as a team lives it: releases tagged, a project rendered at an older one and
edited, then updated to a release that adds a migration and changes files the team changed too.

The update must keep every team edit, leave conflict markers only where both sides changed the
same lines, leave one Alembic head, rebuild the pins and generated docs from the team's code,
and end with a project that migrates (from its old database and from nothing), lints and passes
its own suite, with no step beyond the ones docs/updating.md names.
"""

import ast
import os
import re
import shutil
import subprocess
from pathlib import Path

import copier
import pytest
import yaml

from tests.support import (
    GIT_IDENTITY,
    ROOT,
    SERVER_URL,
    TEMPLATE_PARTS,
    fresh_database,
    git,
    inner_temp_root,
    run,
    snapshot_template,
    worker_name,
)
from tools.rendering import render

# One worker builds the team's project and runs every check on it (ONE_WORKER in conftest.py).
pytestmark = pytest.mark.slow

PACKAGE = "my_service"
FIRST_RELEASE = "f2e4cc6"  # v0.1.0, as CHANGELOG.md records
TEAM_NOTE = "\n## Our deployment\n\nAsk the platform team for a database first.\n"
TEMPLATE_NOTE = "\n## Support\n\nQuestions go to the template's issue tracker.\n"
TEAM_COLUMN = '    timezone: Mapped[str] = mapped_column(String(64), server_default="UTC")\n'
TEAM_SECOND_COLUMN = "    nickname: Mapped[str | None] = mapped_column(String(64))\n"
TEMPLATE_COLUMN = '    locale: Mapped[str] = mapped_column(String(16), server_default="en")\n'
TEMPLATE_MIGRATION = '''"""Users' locale

Revision ID: 0100
Revises: {head}
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0100"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("locale", sa.String(16), server_default="en", nullable=False))


def downgrade():
    op.drop_column("users", "locale")
'''
TEAM_ROUTE = '''

@bp.get("/version")
def version() -> dict:
    """The version of the service that answers."""
    return {"version": importlib.metadata.version("my-service")}
'''
TEAM_TEST = '''"""/health/version names the running version."""


def test_version_names_the_installed_distribution(client):
    assert client.get("/health/version").get_json() == {"version": "0.1.0"}
'''


def newest_release() -> str:
    """The newest version CHANGELOG.md records."""
    return re.search(r"^## (\d\S*) — ", (ROOT / "CHANGELOG.md").read_text(), re.MULTILINE)[1]


def revisions(versions: Path) -> dict[str, set[str]]:
    """Each revision in a versions folder, with the revisions it revises."""
    links = {}
    for path in versions.glob("*.py"):
        values = {
            node.targets[0].id: ast.literal_eval(node.value)
            for node in ast.parse(path.read_text()).body
            if isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id in {"revision", "down_revision"}
        }
        down = values["down_revision"]
        links[values["revision"]] = (
            set() if down is None else {down} if isinstance(down, str) else set(down)
        )
    return links


def alembic_heads(versions: Path) -> list[str]:
    """The revisions no other revision revises."""
    links = revisions(versions)
    return sorted(set(links) - set().union(*links.values()))


def edit(path: Path, old: str, new: str) -> None:
    """Replace one exact passage of a file, failing if it is not there."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def make(project: Path, env: dict, *targets: str, timeout: int = 900):
    """Run the project's own make targets."""
    return run(["make", *targets], project, env, timeout=timeout)


def team_env(project: Path, database_url: str) -> dict[str, str]:
    """The environment a developer of the project has: its venv, its databases."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "VIRTUAL_ENV", "APP_ENV", "SECRET_KEY"}
    }
    test_url = SERVER_URL.replace("postgresql://", "postgresql+psycopg2://").rsplit("/", 1)[0]
    env.update(
        GIT_IDENTITY,
        APP_ENV="development",
        DATABASE_URL=database_url,
        TEST_DATABASE_URL=f"{test_url}/{worker_name('meta_update_test')}",
        PYTEST_DEBUG_TEMPROOT=inner_temp_root(project),
        PATH=f"{project / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
    )
    return env


def release_adding_a_migration(template: Path) -> None:
    """A template release that adds a column with its migration and edits files the team edits."""
    package = template / "template" / "src" / "{{ package_name }}"
    versions = package / "migrations" / "versions"
    [head] = alembic_heads(versions)
    edit(
        package / "users" / "models.py.jinja",
        "    name: Mapped[str] = mapped_column(String(NAME_LENGTH))\n",
        "    name: Mapped[str] = mapped_column(String(NAME_LENGTH))\n" + TEMPLATE_COLUMN,
    )
    migration = TEMPLATE_MIGRATION.replace("{head}", head)
    (versions / "20261201_0100_user_locale.py").write_text(migration)
    with (template / "template" / "README.md.jinja").open("a") as readme:
        readme.write(TEMPLATE_NOTE)
    edit(package / "config.py.jinja", '"DB_POOL_RECYCLE", 1800)', '"DB_POOL_RECYCLE", 900)')


# Session-scoped: xdist may run other modules' tests between these on the same worker.
@pytest.fixture(scope="session")
def updated(tmp_path_factory):
    """A team project at the newest release, edited, then updated to the next one."""
    template = snapshot_template(tmp_path_factory.mktemp("releases"))
    older = f"v{newest_release()}"
    git(template, "tag", older)
    root = tmp_path_factory.mktemp("team")
    project = render(template, root / "project", {}, tasks=True, vcs_ref=older)
    dev_url = fresh_database("meta_update_dev", "psycopg2")
    env = team_env(project, dev_url)
    make(project, env, "install")
    flask = [str(project / ".venv" / "bin" / "flask")]

    # The team's own work, committed.
    run([*flask, "db", "upgrade"], project, env)
    package = project / "src" / PACKAGE
    edit(
        package / "users" / "models.py",
        "    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())\n",
        "    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())\n"
        + TEAM_COLUMN,
    )
    run([*flask, "db", "migrate", "-m", "Add timezone to users"], project, env)
    run([*flask, "db", "upgrade"], project, env)
    # A second revision of the team's, autogenerated too: two of Alembic's ids, in a chain.
    edit(package / "users" / "models.py", TEAM_COLUMN, TEAM_COLUMN + TEAM_SECOND_COLUMN)
    run([*flask, "db", "migrate", "-m", "Add nickname to users"], project, env)
    run([*flask, "db", "upgrade"], project, env)
    versions = package / "migrations" / "versions"
    [team_revision] = versions.glob("*add_timezone_to_users.py")
    [second_revision] = versions.glob("*add_nickname_to_users.py")
    make(project, env, "erd")
    with (project / "README.md").open("a") as readme:
        readme.write(TEAM_NOTE)
    edit(package / "config.py", '"SLOW_QUERY_MS", 200)', '"SLOW_QUERY_MS", 500)')
    edit(
        package / "health.py", "from flask import", "import importlib.metadata\n\nfrom flask import"
    )
    with (package / "health.py").open("a") as health:
        health.write(TEAM_ROUTE)
    (project / "tests" / "test_health_version.py").write_text(TEAM_TEST)
    # The access matrix fails for a route it does not list: the team says who may call it.
    edit(
        project / "tests" / "test_access.py",
        '    ("GET", "/health/ready"): Expect(200, 200, 200, 200),\n',
        '    ("GET", "/health/ready"): Expect(200, 200, 200, 200),\n'
        '    ("GET", "/health/version"): Expect(200, 200, 200, 200),\n',
    )
    edit(project / "pyproject.toml", '    "gunicorn', '    "humanize>=4.9,<5",\n    "gunicorn')
    make(project, env, "lock")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", "Team: timezone, version route, humanize")
    kept = (
        team_revision,
        second_revision,
        project / "tests" / "test_health_version.py",
        project / ".env",
    )
    before = {path: path.read_text() for path in kept}

    release_adding_a_migration(template)
    git(template, "add", "--all")
    git(template, "commit", "--quiet", "--message", "Template: users' locale")
    newer = f"{older}.post1"
    git(template, "tag", newer)

    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        copier.run_update(
            project, vcs_ref=newer, defaults=True, overwrite=True, unsafe=True, quiet=True
        )
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return project, env, dev_url, before


def conflicted_files(project: Path) -> set[str]:
    """The files holding conflict markers, and any .rej files."""
    listed = git(project, "ls-files", "--modified", "--others", "--exclude-standard").split()
    found = {name for name in listed if name.endswith(".rej")}
    for name in listed:
        path = project / name
        if path.is_file() and any(
            line.startswith("<<<<<<< ") for line in path.read_text(errors="replace").splitlines()
        ):
            found.add(name)
    return found


def test_the_update_keeps_every_team_edit_and_brings_the_release(updated):
    project, _, _, before = updated
    package = project / "src" / PACKAGE
    models = (package / "users" / "models.py").read_text()
    assert TEAM_COLUMN + TEAM_SECOND_COLUMN in models and TEMPLATE_COLUMN in models
    config = (package / "config.py").read_text()
    assert '"SLOW_QUERY_MS", 500)' in config and '"DB_POOL_RECYCLE", 900)' in config
    assert '@bp.get("/version")' in (package / "health.py").read_text()
    assert "humanize>=4.9,<5" in (project / "pyproject.toml").read_text()
    for path, text in before.items():
        assert path.read_text() == text, f"{path.name} changed"
    readme = (project / "README.md").read_text()
    assert TEAM_NOTE.strip() in readme and TEMPLATE_NOTE.strip() in readme


def test_conflict_markers_are_only_where_both_sides_changed_the_same_lines(updated):
    project, *_ = updated
    assert conflicted_files(project) == {"README.md"}


def test_the_migrations_have_one_head_and_the_team_revisions_are_untouched(updated):
    project, *_ = updated
    versions = project / "src" / PACKAGE / "migrations" / "versions"
    [head] = alembic_heads(versions)
    [merge] = versions.glob(f"*{head}_merge_*.py")
    links = revisions(versions)
    [first] = versions.glob("*add_timezone_to_users.py")
    [second] = versions.glob("*add_nickname_to_users.py")
    # The team's revisions carry the ids Alembic wrote: 12 hex digits (now and then all of them
    # decimal), not the template's numbered style (0001, 0002...) that a team never continues.
    alembic_id = re.compile(r'^revision = "([0-9a-f]{12})"$', re.MULTILINE)
    assert alembic_id.search(first.read_text()), first.name
    team_head = alembic_id.search(second.read_text())[1]
    assert links[head] == {"0100", team_head}
    assert "down_revision = (" in merge.read_text()


def test_pins_and_generated_docs_are_rebuilt_from_the_teams_code(updated):
    project, *_ = updated
    assert re.search(r"^humanize==", (project / "requirements.txt").read_text(), re.MULTILINE)
    diagram = (project / "docs" / "erd.md").read_text()
    assert "timezone" in diagram and "nickname" in diagram and "locale" in diagram


def test_after_resolving_the_conflict_the_project_migrates_lints_and_passes(updated):
    project, env, _, _ = updated
    readme = project / "README.md"
    # The one manual step docs/updating.md names: resolve the conflict (here: keep both).
    readme.write_text(
        "\n".join(
            line
            for line in readme.read_text().splitlines()
            if not re.match(r"^(<<<<<<< |=======$|>>>>>>> )", line)
        )
        + "\n"
    )
    flask = [str(project / ".venv" / "bin" / "flask")]
    run([*flask, "db", "upgrade"], project, env)  # from the database as it was before
    run([*flask, "db", "check"], project, env)
    empty = {**env, "DATABASE_URL": fresh_database("meta_update_empty", "psycopg2")}
    run([*flask, "db", "upgrade"], project, empty)
    run([*flask, "db", "check"], project, empty)
    # The merge put the team's import after the release's new ones: `make format` (as the
    # message after the update says) sorts them, and lint then passes.
    make(project, env, "format")
    make(project, env, "lint")
    result = make(project, env, "test")
    assert " passed" in result.stdout and " failed" not in result.stdout


def test_the_update_records_the_new_release(updated):
    project, *_ = updated
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert str(answers["_commit"]).endswith(".post1")


@pytest.fixture(scope="session")
def history(tmp_path_factory) -> Path:
    """The template's real history, v0.1.0 tagged, with the working tree as the newest release."""
    clone = tmp_path_factory.mktemp("history") / "template"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    known = subprocess.run(
        ["git", "cat-file", "-e", f"{FIRST_RELEASE}^{{commit}}"], cwd=clone, check=False
    )
    if known.returncode != 0:
        pytest.fail(f"commit {FIRST_RELEASE} (v0.1.0) is missing: the suite needs the history")
    git(clone, "tag", "--force", "v0.1.0", FIRST_RELEASE)
    for part in TEMPLATE_PARTS:
        shutil.rmtree(clone / part, ignore_errors=True)
        (clone / part).unlink(missing_ok=True)
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, clone / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, clone / part)
    git(clone, "add", "--all")
    git(clone, "commit", "--quiet", "--allow-empty", "--message", "The working tree")
    git(clone, "tag", "--force", f"v{newest_release()}")
    return clone


def test_the_0_2_0_migration_follows_the_moved_modules_in_the_teams_code(history, tmp_path):
    project = render(history, tmp_path / "project", {}, tasks=True, vcs_ref="v0.1.0")
    assert (project / "src" / PACKAGE / "api.py").exists()
    team_module = project / "src" / PACKAGE / "reports.py"
    team_module.write_text(
        '"""Reports the team added."""\n\n'
        "from .api import paginate\nfrom .database.validation import DomainRuleError\n\n"
        "__all__ = ['DomainRuleError', 'paginate']\n"
    )
    team_test = project / "tests" / "test_reports.py"
    team_test.write_text("from my_service.api import Id\n\nassert Id\n")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", "Team: reports")
    copier.run_update(
        project,
        vcs_ref=f"v{newest_release()}",
        defaults=True,
        overwrite=True,
        unsafe=True,
        quiet=True,
    )
    assert not (project / "src" / PACKAGE / "api.py").exists()
    assert (project / "src" / PACKAGE / "rest.py").exists()
    module = team_module.read_text()
    assert "from .rest import paginate" in module
    assert "from .validation import DomainRuleError" in module
    assert team_test.read_text().startswith("from my_service.rest import Id")
