"""The template repository's own environment and its validators keep up with the generated
projects' dependencies."""

import functools
import importlib.metadata
import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support import ROOT, VARIANTS


@pytest.fixture(scope="module")
def variant_requirements(variant) -> dict[str, set[str]]:
    """Each named variant's declared dependencies (runtime and dev), as written."""
    found = {}
    for name in VARIANTS:
        settings = tomllib.loads((variant(name) / "pyproject.toml").read_text())["project"]
        found[name] = {*settings["dependencies"], *settings["optional-dependencies"]["dev"]}
    return found


def own_requirements() -> dict[str, Requirement]:
    """The template repository's dev requirements, by distribution name."""
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = map(Requirement, settings["optional-dependencies"]["dev"])
    return {canonicalize_name(requirement.name): requirement for requirement in requirements}


def test_the_repository_installs_every_variants_dependencies_with_the_same_ranges(
    variant_requirements,
):
    own = own_requirements()
    mismatched = {}
    for declared in set().union(*variant_requirements.values()):
        requirement = Requirement(declared)
        mine = own.get(canonicalize_name(requirement.name))
        if mine is None or (mine.specifier, mine.extras) != (
            requirement.specifier,
            requirement.extras,
        ):
            mismatched[declared] = str(mine) if mine else "missing"
    assert mismatched == {}, "update pyproject.toml's dev list to match the template"


@functools.cache
def module_owners() -> dict[str, list[str]]:
    """Each top-level module of this environment with the distributions that provide it
    (read once: it reads the file list of every installed distribution, ~20 CPU-seconds
    when asked again for each dependency)."""
    return importlib.metadata.packages_distributions()


def import_names(distribution: str) -> set[str]:
    """The top-level modules an installed distribution provides."""
    wanted = canonicalize_name(distribution)
    return {
        module
        for module, owners in module_owners().items()
        if wanted in map(canonicalize_name, owners) and re.fullmatch(r"[a-z][a-z0-9_]*", module)
    }


def test_reserved_package_names_cover_every_dependencys_import_names(variant_requirements):
    validators = (ROOT / "includes" / "validators.jinja").read_text()
    reserved = set(re.findall(r'"([a-z0-9_]+)"', validators.split("taken_names", 1)[1]))
    missing = {}
    for declared in set().union(*variant_requirements.values()):
        name = Requirement(declared).name
        names = import_names(name) - reserved
        if names:
            missing[name] = sorted(names)
    assert missing == {}, "add these to taken_names in includes/validators.jinja"
