"""Fixtures of the meta test suite: a snapshot of the template and the named variants."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import VARIANTS, snapshot_template
from tools.rendering import render

# Copier reads user settings (default answers, trusted templates) from the
# machine; the suite must not depend on them.
os.environ["COPIER_SETTINGS_PATH"] = str(Path(__file__).with_name("copier-settings.yml"))


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git snapshot of the template's working tree."""
    return snapshot_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def variant(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Render a named variant once per session, with its post-copy tasks run."""
    rendered: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in rendered:
            destination = tmp_path_factory.mktemp(f"variant-{name}") / "project"
            rendered[name] = render(template, destination, VARIANTS[name], tasks=True)
        return rendered[name]

    return get
