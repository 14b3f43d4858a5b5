"""Re-pin the generated project's requirements files for every dependency-changing answer.

Renders the template once per combination of the answers that change the
dependency set, runs the generated project's own `make lock` in each render,
and writes template/requirements*.txt.jinja: lines shared by every render as
they are, the others behind the answer that brings them in.

    python tools/lock_requirements.py      # or: make lock
"""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from rendering import ROOT, render

# The answers that change the dependency set, with every value they take.
DIMENSIONS: dict[str, list] = {
    "db_driver": ["psycopg2", "psycopg"],
    "embedded_postgres": [True, False],
    "cache_backend": ["simple", "redis"],
    "auth": ["tokens", "oidc", "none"],
}
FILES = ("requirements.txt", "requirements-dev.txt", "requirements-uv.txt")


def render_and_lock(answers: dict, destination: Path) -> dict[str, list[str]]:
    """Render one combination and return the lines of each requirements file."""
    render(ROOT, destination, answers)
    bin_dir = Path(sys.executable).parent
    subprocess.run(["make", "-s", "lock", f"BIN={bin_dir}"], cwd=destination, check=True)
    return {name: entries((destination / name).read_text()) for name in FILES}


def entries(text: str) -> list[str]:
    """The file's lines, a pin and its `--hash` continuation lines kept as one entry."""
    return text.replace(" \\\n", " \\\0").splitlines()


def file_text(merged: list[str]) -> str:
    """Entries back to file lines."""
    return "\n".join(merged).replace(" \\\0", " \\\n")


def condition(combos: list[dict], present: list[dict]) -> str:
    """The Jinja test that holds for exactly the combinations in `present`."""
    for name, values in DIMENSIONS.items():
        for value in values:
            if present == [combo for combo in combos if combo[name] == value]:
                return jinja_test(name, value)
    clauses = [
        " and ".join(jinja_test(key, value) for key, value in combo.items()) for combo in present
    ]
    return " or ".join(f"({clause})" for clause in clauses)


def jinja_test(name: str, value: object) -> str:
    """The Jinja test that an answer has a value (bools read as themselves)."""
    if isinstance(value, bool):
        return name if value else f"not {name}"
    return f"{name} == {value!r}"


def package_name(line: str) -> str:
    """The normalised package name a requirement line pins."""
    return re.split(r"[=<>!~ ;\[]", line, maxsplit=1)[0].lower().replace("_", "-")


def merge(combos: list[dict], locks: list[list[str]]) -> str:
    """One Jinja file whose rendering gives each combination's lines back."""
    order: list[str] = []
    for lines in locks:
        order.extend(line for line in lines if line not in order)
    out = [line for line in order if line.startswith("#")]
    body = sorted((line for line in order if not line.startswith("#")), key=package_name)
    open_condition = None
    for line in body:
        present = [combo for combo, lines in zip(combos, locks, strict=True) if line in lines]
        wanted = None if len(present) == len(combos) else condition(combos, present)
        if wanted != open_condition:
            if open_condition:
                out[-1] += "\n{%- endif %}"
            if wanted:
                out[-1] += f"\n{{%- if {wanted} %}}"
            open_condition = wanted
        out.append(line)
    if open_condition:
        out[-1] += "\n{%- endif %}"
    return file_text(out) + "\n"


def main() -> int:
    """Lock every combination and write the merged templates."""
    combos = [
        dict(zip(DIMENSIONS, values, strict=True))
        for values in itertools.product(*DIMENSIONS.values())
    ]
    with tempfile.TemporaryDirectory() as tmp:
        locks = [render_and_lock(combo, Path(tmp) / str(i)) for i, combo in enumerate(combos)]
    for name in FILES:
        merged = merge(combos, [lock[name] for lock in locks])
        (ROOT / "template" / f"{name}.jinja").write_text(merged)
        print(f"wrote template/{name}.jinja")
    return 0


if __name__ == "__main__":
    sys.exit(main())
