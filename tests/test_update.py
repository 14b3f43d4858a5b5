"""`copier update` brings a later template into a project without losing the team's edits."""

import copier
import pytest
import yaml

from tests.support import git, snapshot_template
from tools.rendering import render

pytestmark = pytest.mark.slow

USER_NOTE = "\nOur team's note on deploying this service: ask ops for a database first.\n"
USER_ROUTE = '"""An endpoint the team added."""\n'


@pytest.fixture(scope="module")
def updated(tmp_path_factory):
    """A project rendered from one template commit, edited, then updated to the next commit."""
    template = snapshot_template(tmp_path_factory.mktemp("template-history"))
    first_commit = git(template, "rev-parse", "--short", "HEAD").strip()
    project = render(template, tmp_path_factory.mktemp("updated") / "project", {}, tasks=True)
    env_file = (project / ".env").read_text()

    with (project / "README.md").open("a") as readme:
        readme.write(USER_NOTE)
    (project / "src" / "my_service" / "reports.py").write_text(USER_ROUTE)
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", "Team edits")

    with (template / "template" / ".gitignore").open("a") as gitignore:
        gitignore.write("\n# Added by a later template version\n*.log\n")
    (template / "template" / "docs" / "operations.md").write_text("# Operations\n")
    git(template, "add", "--all")
    git(template, "commit", "--quiet", "--message", "Template: ignore logs, add operations guide")
    second_commit = git(template, "rev-parse", "--short", "HEAD").strip()

    copier.run_update(
        project, defaults=True, overwrite=True, unsafe=True, vcs_ref="HEAD", quiet=True
    )
    return project, env_file, first_commit, second_commit


def test_update_brings_in_the_template_changes(updated):
    project, *_ = updated
    assert "*.log" in (project / ".gitignore").read_text()
    assert (project / "docs" / "operations.md").read_text() == "# Operations\n"


def test_update_keeps_the_teams_edits(updated):
    project, *_ = updated
    assert (project / "README.md").read_text().endswith(USER_NOTE)
    assert (project / "src" / "my_service" / "reports.py").read_text() == USER_ROUTE
    assert not list(project.rglob("*.rej"))


def test_update_records_the_new_template_commit(updated):
    project, _, first_commit, second_commit = updated
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert first_commit != second_commit
    assert str(answers["_commit"]).endswith(second_commit)


def test_update_does_not_rerun_the_copy_tasks(updated):
    project, env_file, *_ = updated
    assert (project / ".env").read_text() == env_file
