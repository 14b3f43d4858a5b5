"""The API's docs page: Swagger UI from the installed flask-swagger-ui package, not a CDN.

So the page works offline and under a Content-Security-Policy that allows only this
server's scripts: templates/swagger_ui.html (which replaces flask-smorest's) has no
inline script, and static/swagger-init.js starts Swagger UI.
"""

from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, Response, send_from_directory

SWAGGER_UI = Path(flask_swagger_ui.__file__).parent / "dist"
OWN_FILES = Path(__file__).parent / "static"

bp = Blueprint("api_docs_assets", __name__, url_prefix="/api/docs/assets")


@bp.get("/<path:filename>")
def asset(filename: str) -> Response:
    """A file of Swagger UI, or this project's script that starts it."""
    if (OWN_FILES / filename).is_file():
        return send_from_directory(OWN_FILES, filename)
    return send_from_directory(SWAGGER_UI, filename)
