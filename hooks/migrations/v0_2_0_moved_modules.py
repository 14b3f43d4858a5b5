"""Copier migration to 0.2.0: follow the modules 0.2.0 moved, in the team's own code.

0.2.0 renamed `api.py` to `rest.py` and moved `database/validation.py` to
`validation.py`; the template's own files arrive already changed, but a module the
team wrote that imports the old paths would break. This rewrites those imports in
every Python file under src/ and tests/, and names what it cannot fix by itself:
`retry_transient` now takes the session as its first argument.

Copier runs it once, when an update crosses 0.2.0. Standard library only.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

MOVES = (
    # from .api import x / from ..api import x / from pkg.api import x
    (re.compile(r"^(\s*from\s+(?:\.+|[\w.]+\.))api(\s+import\b)", re.MULTILINE), r"\1rest\2"),
    (
        re.compile(r"^(\s*from\s+(?:\.+|[\w.]+\.))database\.validation(\s+import\b)", re.MULTILINE),
        r"\1validation\2",
    ),
)
NEEDS_A_SESSION = re.compile(r"retry_transient\(\s*(?:attempts\s*=\s*\d+\s*)?\)")


def migrate(path: Path) -> tuple[bool, bool]:
    """Rewrite the moved imports in one file; whether it changed, and whether it needs a hand."""
    text = path.read_text(encoding="utf-8")
    new = text
    for pattern, replacement in MOVES:
        new = pattern.sub(replacement, new)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text, bool(NEEDS_A_SESSION.search(new))


def main() -> int:
    """Migrate every Python file of the project's code and tests; say what changed."""
    project = Path.cwd()
    changed, by_hand = [], []
    for folder in ("src", "tests"):
        for path in sorted((project / folder).rglob("*.py")):
            rewritten, needs_hand = migrate(path)
            if rewritten:
                changed.append(path.relative_to(project))
            if needs_hand:
                by_hand.append(path.relative_to(project))
    print("0.2.0: imports of moved modules rewritten in:", *(changed or ["(none)"]), sep="\n  ")
    if by_hand:
        print(
            "0.2.0: retry_transient now takes the session first, as in "
            "`@retry_transient(db.session)`: change the calls in",
            *by_hand,
            sep="\n  ",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
