"""Regenerate the generated project's generated docs inside the template.

Renders the template for every combination of the answers that change them (the
example domain, the auth mode), runs the project's own `make openapi` and `make erd`
in each, and writes the results back as Jinja: template/docs/openapi.json.jinja (the
answers it shows templated) and the ERD block of template/docs/erd.md.jinja.

    python tools/write_docs.py      # or: make docs
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from rendering import ROOT, render

OPENAPI = ROOT / "template" / "docs" / "openapi.json.jinja"
DATABASE = ROOT / "template" / "docs" / "erd.md.jinja"
# Answers the document shows, rendered as placeholders and templated back.
PLACEHOLDERS = {
    "project_name": "Openapi Title Placeholder",
    "description": "Openapi description placeholder.",
    "author_name": "Openapi Author Placeholder",
    "author_email": "openapi-author@placeholder.example",
}
ERD = re.compile(r"```mermaid\n.*?```\n", re.DOTALL)


# The answers that change the generated documents, with every value they take.
COMBINATIONS = [
    {"example_domain": domain, "auth": auth}
    for domain in (True, False)
    for auth in ("tokens", "oidc", "none")
]


def generated_docs(answers: dict, destination: Path) -> tuple[str, str]:
    """One render's OpenAPI document (the answers it shows as Jinja) and its Mermaid ERD."""
    render(ROOT, destination, {**answers, **PLACEHOLDERS})
    bin_dir = Path(sys.executable).parent
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "PYTHONPATH": str(destination / "src"),
        # Neither command connects; a URL spares starting the embedded server.
        "TEST_DATABASE_URL": "postgresql://unused@127.0.0.1/unused",
    }
    for target in ("openapi", "erd"):
        subprocess.run(
            ["make", "-s", target, f"BIN={bin_dir}"], cwd=destination, env=env, check=True
        )
    openapi = (destination / "docs" / "openapi.json").read_text()
    assert json.loads(openapi)["info"]["title"] == PLACEHOLDERS["project_name"]
    for question, placeholder in PLACEHOLDERS.items():
        inner = json.dumps(placeholder)[1:-1]  # as it stands inside a JSON string
        assert inner in openapi, f"{question} is not in the document"
        openapi = openapi.replace(inner, f"{{{{ ({question} | tojson)[1:-1] }}}}")
    erd = ERD.search((destination / "docs" / "erd.md").read_text()).group(0)
    return openapi, erd.removeprefix("```mermaid\n").removesuffix("```\n")


def choose(texts: list[str]) -> str:
    """Jinja picking, for each combination of answers, its text."""
    branches = []
    for index, (answers, text) in enumerate(zip(COMBINATIONS, texts, strict=True)):
        domain = "example_domain" if answers["example_domain"] else "not example_domain"
        keyword = "if" if index == 0 else "elif"
        branches.append(f"{{% {keyword} {domain} and auth == '{answers['auth']}' -%}}\n{text}")
    return "".join(branches) + "{% endif -%}\n"


def main() -> int:
    """Write the generated docs of every combination into the template."""
    with tempfile.TemporaryDirectory() as tmp:
        docs = [
            generated_docs(answers, Path(tmp) / str(index))
            for index, answers in enumerate(COMBINATIONS)
        ]
    OPENAPI.write_text(choose([openapi for openapi, _ in docs]))
    diagram = DATABASE.read_text()
    start, end = diagram.index("```mermaid\n"), diagram.index("```\n<!-- erd:end -->")
    DATABASE.write_text(
        diagram[: start + len("```mermaid\n")] + choose([erd for _, erd in docs]) + diagram[end:]
    )
    print(f"wrote {OPENAPI.relative_to(ROOT)} and the diagram in {DATABASE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
