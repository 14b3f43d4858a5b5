"""Binding authentication to an app: the identity checks, the access policies, the commands."""

from flask import Flask

from .commands import users
from .policies import register_access
from .tokens import init_tokens


def register_auth(app: Flask) -> None:
    """Identify callers, and check every API request against its operation's policy."""
    init_tokens(app)
    app.cli.add_command(users)
    register_access(app)
