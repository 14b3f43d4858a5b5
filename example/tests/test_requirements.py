"""The pinned requirements files agree with the ranges declared in pyproject.toml."""

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def declared(extra: str | None = None) -> list[Requirement]:
    """The dependencies pyproject.toml declares (with an extra's, if named)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = project["dependencies"] + (project["optional-dependencies"][extra] if extra else [])
    return [Requirement(name) for name in names]


def entries(filename: str) -> list[str]:
    """A requirements file's pins, each with its `--hash` options on the same line."""
    text = (ROOT / filename).read_text().replace("\\\n", " ")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def pinned(filename: str) -> dict[str, str]:
    """Package name to pinned version, from a requirements file."""
    pins = {}
    for entry in entries(filename):
        line = entry.split(" --hash=")[0]
        if line:
            requirement = Requirement(line)
            [specifier] = requirement.specifier
            assert specifier.operator == "==", f"{filename}: {line!r} is not pinned with =="
            pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


@pytest.mark.parametrize(
    ("filename", "extra"), [("requirements.txt", None), ("requirements-dev.txt", "dev")]
)
def test_every_declared_dependency_is_pinned_within_its_range(filename, extra):
    pins = pinned(filename)
    for requirement in declared(extra):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is missing from {filename}: run `make lock`"
        outside = f"{filename} pins {name}=={pins[name]} outside {requirement.specifier}"
        assert requirement.specifier.contains(pins[name]), f"{outside}: run `make lock`"


@pytest.mark.parametrize(
    "filename", ["requirements.txt", "requirements-dev.txt", "requirements-uv.txt"]
)
def test_every_pin_carries_its_hashes(filename):
    # `make install` and the image install with --require-hashes, which refuses a pin without one.
    unhashed = [entry for entry in entries(filename) if " --hash=sha256:" not in entry]
    assert unhashed == [], f"{filename} has pins without hashes: run `make lock`"


def test_the_bootstrapped_uv_is_the_one_the_development_pins_hold():
    # pip installs uv from requirements-uv.txt, then `uv pip sync` keeps the dev lock's uv.
    assert pinned("requirements-uv.txt") == {"uv": pinned("requirements-dev.txt")["uv"]}


def test_development_pins_match_the_runtime_pins():
    runtime, development = pinned("requirements.txt"), pinned("requirements-dev.txt")
    assert {name: development.get(name) for name in runtime} == runtime
