"""Regenerate the generated project's generated docs inside the template.

Renders the template with and without the example domain, runs the project's own
`make openapi` and `make erd` in each, and writes the results back as Jinja:
template/docs/openapi.json.jinja (the answers it shows templated) and the ERD block
of template/docs/erd.md.jinja.

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


def generated_docs(example_domain: bool, destination: Path) -> tuple[str, str]:
    """One render's OpenAPI document (title as Jinja) and its Mermaid ERD."""
    render(ROOT, destination, {"example_domain": example_domain, **PLACEHOLDERS})
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
        assert json.dumps(placeholder) in openapi, f"{question} is not in the document"
        openapi = openapi.replace(json.dumps(placeholder), f"{{{{ {question} | tojson }}}}")
    erd = ERD.search((destination / "docs" / "erd.md").read_text()).group(0)
    return openapi, erd


def either(with_domain: str, without: str) -> str:
    """Jinja choosing one text or the other by example_domain."""
    return "{% if example_domain -%}\n" + with_domain + "{% else -%}\n" + without + "{% endif -%}\n"


def main() -> int:
    """Write both generated docs into the template."""
    with tempfile.TemporaryDirectory() as tmp:
        openapi_with, erd_with = generated_docs(True, Path(tmp) / "with")
        openapi_without, erd_without = generated_docs(False, Path(tmp) / "without")
    OPENAPI.write_text(either(openapi_with, openapi_without))
    erd_with, erd_without = (text.removeprefix("```mermaid\n") for text in (erd_with, erd_without))
    database = DATABASE.read_text()
    start, end = database.index("```mermaid\n"), database.index("```\n<!-- erd:end -->")
    DATABASE.write_text(
        database[: start + len("```mermaid\n")]
        + either(erd_with.removesuffix("```\n"), erd_without.removesuffix("```\n"))
        + database[end:]
    )
    print(f"wrote {OPENAPI.relative_to(ROOT)} and the diagram in {DATABASE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
