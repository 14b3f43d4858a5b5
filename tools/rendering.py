"""Render the template into a folder, for the maintenance tools."""

from pathlib import Path

import copier

ROOT = Path(__file__).resolve().parent.parent


def render(answers: dict, destination: Path) -> Path:
    """Render the working tree of the template with `answers` (defaults for the rest)."""
    copier.run_copy(
        str(ROOT),
        destination,
        data=answers,
        defaults=True,
        skip_tasks=True,
        vcs_ref="HEAD",
        quiet=True,
    )
    return destination
