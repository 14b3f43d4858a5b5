"""Render the template into a folder: the one way the tools and the meta suite render it.

pytest-copie renders the option matrix (tests/test_render_matrix.py); everything else comes
through here.
"""

from pathlib import Path

import copier

ROOT = Path(__file__).resolve().parent.parent


def render(
    template: Path, destination: Path, answers: dict, *, tasks: bool = False, vcs_ref: str = "HEAD"
) -> Path:
    """Render `template` at `vcs_ref` with `answers` (defaults for the rest) into `destination`.

    With `tasks`, the post-copy tasks run too (git init, .env), as `copier copy --trust` does.
    """
    copier.run_copy(
        str(template),
        destination,
        data=answers,
        defaults=True,
        unsafe=True,
        skip_tasks=not tasks,
        vcs_ref=vcs_ref,
        quiet=True,
    )
    return destination
