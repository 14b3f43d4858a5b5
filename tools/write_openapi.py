"""Regenerate template/docs/openapi.json.jinja from the generated projects' own command.

Renders the template with and without the example domain, runs `make openapi`
in each, and writes one Jinja file holding both documents (the title templated).

    python tools/write_openapi.py      # or: make openapi
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from rendering import ROOT, render

TARGET = ROOT / "template" / "docs" / "openapi.json.jinja"
TITLE = "Openapi Title Placeholder"


def document(example_domain: bool, destination: Path) -> str:
    """The OpenAPI document of one render, with its title as a Jinja expression."""
    render({"example_domain": example_domain, "project_name": TITLE}, destination)
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        ["make", "-s", "openapi", f"BIN={bin_dir}"],
        cwd=destination,
        check=True,
        env={
            "PATH": f"{bin_dir}:/usr/bin:/bin",
            "PYTHONPATH": str(destination / "src"),
            # Writing the document never connects; a URL spares starting a server.
            "TEST_DATABASE_URL": "postgresql://unused@127.0.0.1/unused",
        },
    )
    text = (destination / "docs" / "openapi.json").read_text()
    assert json.loads(text)["info"]["title"] == TITLE
    return text.replace(json.dumps(TITLE), "{{ project_name | tojson }}")


def main() -> int:
    """Write both documents into the template."""
    with tempfile.TemporaryDirectory() as tmp:
        with_domain = document(True, Path(tmp) / "with")
        without = document(False, Path(tmp) / "without")
    TARGET.write_text(
        "{% if example_domain -%}\n" + with_domain + "{% else -%}\n" + without + "{% endif -%}\n"
    )
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
