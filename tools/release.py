"""Cut a release of the template: check the tree, date the changelog, commit and tag.

    python tools/release.py 0.3.0      # or: make release VERSION=0.3.0

The "Unreleased" section of CHANGELOG.md becomes "X.Y.Z — today" under a fresh, empty
"Unreleased", and the commit is tagged `vX.Y.Z` (PEP 440), which `copier update`
offers to every generated project.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
UNRELEASED = "## Unreleased\n"
RELEASED = re.compile(r"^## (\S+) — ", re.MULTILINE)


class ReleaseError(Exception):
    """The release cannot be cut; the message says why and what to do."""


def git(*args: str) -> str:
    """Run git in the repository and return its output."""
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


def newest_version(changelog: str) -> Version | None:
    """The highest version released so far, by the changelog and the tags."""
    names = RELEASED.findall(changelog) + [tag.removeprefix("v") for tag in git("tag").split()]
    versions = []
    for name in names:
        try:
            versions.append(Version(name))
        except InvalidVersion:
            continue
    return max(versions, default=None)


def dated_changelog(changelog: str, version: Version, day: date) -> str:
    """The changelog with the Unreleased notes moved under `version`."""
    if UNRELEASED not in changelog:
        raise ReleaseError("CHANGELOG.md has no '## Unreleased' section")
    head, rest = changelog.split(UNRELEASED, 1)
    notes, _, older = rest.partition("\n## ")
    if not notes.strip():
        raise ReleaseError("the Unreleased section of CHANGELOG.md is empty: say what changed")
    older = f"\n## {older}" if older else ""
    return f"{head}{UNRELEASED}\n## {version} — {day.isoformat()}\n\n{notes.strip()}\n{older}"


def release(version_text: str, day: date) -> str:
    """Check, date, commit and tag; return the tag."""
    try:
        version = Version(version_text)
    except InvalidVersion:
        raise ReleaseError(f"{version_text!r} is not a PEP 440 version such as 0.3.0") from None
    if git("status", "--porcelain").strip():
        raise ReleaseError("the working tree has uncommitted changes: commit or stash them")
    changelog_path = ROOT / "CHANGELOG.md"
    changelog = changelog_path.read_text(encoding="utf-8")
    newest = newest_version(changelog)
    if newest is not None and version <= newest:
        raise ReleaseError(f"{version} is not newer than {newest}, the newest release")
    changelog_path.write_text(dated_changelog(changelog, version, day), encoding="utf-8")
    tag = f"v{version}"
    git("add", "CHANGELOG.md")
    git("commit", "--quiet", "--message", f"Release {version}")
    git("tag", "--annotate", tag, "--message", f"Release {version}")
    return tag


def main(argv: list[str] | None = None) -> int:
    """Parse the version and cut the release."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("version", help="the new version, such as 0.3.0")
    arguments = parser.parse_args(argv)
    try:
        tag = release(arguments.version, date.today())
    except ReleaseError as error:
        print(f"release refused: {error}", file=sys.stderr)
        return 1
    print(f"Tagged {tag}. Push it: git push origin main {tag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
