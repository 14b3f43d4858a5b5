"""A PostgreSQL toolkit that needs only an engine or a URL, never the application.

The model base and mixins, reading database errors, retrying transient failures,
waiting for the server, creating and dropping databases, backups, upkeep and the
schema diagram, and the embedded development server. Nothing here imports the app, its
extensions or a feature package (a test checks it), so these tools work the same
in scripts, migrations and tests.
"""
