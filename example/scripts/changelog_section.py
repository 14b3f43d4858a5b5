"""Print the CHANGELOG.md section of one version: the release workflow's release notes.

    python scripts/changelog_section.py 1.2.0 > notes.md

The section is everything under the heading `## [1.2.0]` (or `## 1.2.0`, with or without
a date after it) up to the next `## ` heading. A version the changelog does not name is an
error, so a release is never published with empty notes.
"""

import re
import sys
from pathlib import Path

CHANGELOG = Path(__file__).resolve().parent.parent / "CHANGELOG.md"


def section(text: str, version: str) -> str:
    """The body of `version`'s section in a Keep a Changelog document."""
    heading = re.compile(rf"^## \[?v?{re.escape(version)}\]?(\s|$)")
    lines = text.splitlines()
    starts = [number for number, line in enumerate(lines) if heading.match(line)]
    if not starts:
        raise LookupError(
            f"CHANGELOG.md has no section for {version}: add a '## [{version}] - <date>'"
            " heading with the release's changes, then tag again"
        )
    body = []
    for line in lines[starts[0] + 1 :]:
        if line.startswith("## "):
            break
        body.append(line)
    return "\n".join(body).strip() + "\n"


def main(argv: list[str]) -> int:
    """Print the section of the version given as the only argument."""
    if len(argv) != 1:
        print("usage: changelog_section.py VERSION", file=sys.stderr)
        return 2
    try:
        print(section(CHANGELOG.read_text(encoding="utf-8"), argv[0]), end="")
    except LookupError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
