"""The generated project's structure holds: the database toolkit stays free of the app, and the
documented recipe for removing the example domain leaves a working project."""

import ast
import re
import shutil
import sys
from pathlib import Path

import pytest

from tests.support import ROOT, fresh_database, project_env, run
from tools.rendering import render

PACKAGE = "my_service"
RECIPE_HEADING = "## Removing the example domain"


def app_imports(path: Path, package: str) -> list[str]:
    """The imports in `path` that reach outside `database/` into the app (or Flask)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.level > 1:
            found.append("." * node.level + (node.module or ""))
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.append(node.module or "")
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return [
        name
        for name in found
        if name.startswith("..") or name.split(".")[0] in {package, "flask", "flask_sqlalchemy"}
    ]


def test_the_database_toolkit_imports_nothing_of_the_app(variant):
    database = variant("default") / "src" / PACKAGE / "database"
    modules = sorted(database.glob("*.py"))
    assert len(modules) >= 10
    offenders = {path.name: app_imports(path, PACKAGE) for path in modules}
    assert {name: names for name, names in offenders.items() if names} == {}


@pytest.mark.parametrize(
    "line",
    [
        "from ..extensions import db",
        "from ..errors import error_response",
        "from my_service.users.models import User",
        "import my_service",
        "from flask import Flask",
    ],
)
def test_the_import_rule_catches_a_reach_into_the_app(tmp_path, line):
    module = tmp_path / "leaky.py"
    module.write_text(f"{line}\nfrom . import admin\nfrom sqlalchemy import text\n")
    assert len(app_imports(module, PACKAGE)) == 1


def recipe_paths(step: int, package: str) -> list[str]:
    """The paths that step `step` of the documented recipe names."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    recipe = text.split(RECIPE_HEADING, 1)[1].split("\n## ", 1)[0]
    steps = re.split(r"^\d+\. ", recipe, flags=re.MULTILINE)
    paths = re.findall(r"`([^`\s]+/[^`\s]*)`", steps[step])
    return [path.replace("<package>", package) for path in paths]


def allow_the_drops(revision: Path) -> None:
    """Allow the revision's drops with a reason, as the recipe says, and format it."""
    allowance = (
        "    allow(\n"
        '        "ban-drop-table",\n'
        '        "ban-drop-type",\n'
        '        "require-concurrent-index-deletion",\n'
        '        reason="the example domain is removed",\n'
        "        whole_revision=True,\n"
        "    )\n"
    )
    text = revision.read_text().replace("def upgrade():\n", f"def upgrade():\n{allowance}", 1)
    text = text.replace(
        "from alembic import op\n",
        f"from alembic import op\n\nfrom {PACKAGE}.database.lint_allowances import allow\n",
        1,
    )
    revision.write_text(text)
    run([sys.executable, "-m", "ruff", "check", "--fix", "--quiet", str(revision)], revision.parent)
    run([sys.executable, "-m", "black", "--quiet", str(revision)], revision.parent)


@pytest.mark.slow
def test_the_recipe_for_removing_the_example_domain_leaves_a_working_project(
    variant, template, tmp_path
):
    project = shutil.copytree(variant("default"), tmp_path / "project", symlinks=True)
    without = render(template, tmp_path / "without", {"example_domain": False})
    url = fresh_database("meta_recipe_dev", "psycopg2")
    env = {**project_env(project, "meta_recipe_test", "psycopg2"), "DATABASE_URL": url}
    env["APP_ENV"] = "development"
    flask = [sys.executable, "-m", "flask"]
    run([*flask, "db", "upgrade"], project, env)  # a database that has the example tables

    deleted, edited = recipe_paths(1, PACKAGE), recipe_paths(2, PACKAGE)
    assert len(deleted) == 8 and len(edited) == 15
    for path in deleted:
        target = project / path
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    for path in edited:
        # What the recipe asks for, done as the render without the domain has it.
        shutil.copy2(without / path, project / path)

    run([*flask, "db", "migrate", "-m", "Remove the example domain"], project, env)
    versions = project / "src" / PACKAGE / "migrations" / "versions"
    [revision] = versions.glob("*remove_the_example*")
    assert "drop_table" in revision.read_text()
    allow_the_drops(revision)
    run([*flask, "db", "upgrade"], project, env)
    run([*flask, "db", "check"], project, env)
    test_env = {**env, "APP_ENV": "testing"}
    run([*flask, "dbtools", "erd", "--write", "docs/erd.md"], project, test_env)
    run([*flask, "openapi", "write", "docs/openapi.json"], project, test_env)
    run([sys.executable, "-m", "black", "--check", "--quiet", "."], project)
    run([sys.executable, "-m", "ruff", "check", "--quiet", "."], project)
    run([*flask, "dbtools", "lint-migrations"], project, env)
    result = run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"], project, env)
    assert " passed" in result.stdout and " failed" not in result.stdout
