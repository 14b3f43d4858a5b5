# Read by the `flask` command (python-dotenv), before .env: it names the app, so
# `flask db upgrade`, `flask seed run`, `flask routes` and `flask shell` work here as typed.
FLASK_APP=my_service
