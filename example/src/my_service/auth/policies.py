"""Who may call what: every API operation declares a policy, checked before its view runs.

- PUBLIC: anyone (signing in, resetting a password).
- SIGNED_IN: any active user; each view then scopes what they see and change to
  what is theirs, and administrators see everything.
- ADMIN: administrators only.

An operation under /api that declares nothing is treated as ADMIN (deny by default),
and the access-matrix test fails for it until it declares its policy with `@access`.
"""

import enum
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, g, request
from werkzeug.exceptions import Forbidden

from .callers import ANONYMOUS, Caller
from .tokens import authenticate

F = TypeVar("F", bound=Callable)
# The OpenAPI document, the docs page and its files: public, whatever the caller.
PUBLIC_BLUEPRINTS = {"api-docs", "api_docs_assets"}


class Policy(enum.StrEnum):
    """Who may call an operation."""

    PUBLIC = "public"
    SIGNED_IN = "signed_in"
    ADMIN = "admin"


def access(policy: Policy) -> Callable[[F], F]:
    """Declare who may call an operation (a MethodView method or a view function)."""

    def declare(view: F) -> F:
        view.access_policy = policy  # type: ignore[attr-defined]  # read by the access check
        return view

    return declare


def declared_policy(endpoint: str | None, method: str) -> Policy | None:
    """The policy the operation behind `endpoint` and `method` declares, if any."""
    view = current_app.view_functions.get(endpoint or "")
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        name = "get" if method == "HEAD" else method.lower()
        view = getattr(view_class, name, None)
    return getattr(view, "access_policy", None)


def current_caller() -> Caller:
    """The caller of the request being handled."""
    return g.get("caller", ANONYMOUS)


def check_access() -> None:
    """Authenticate the caller and refuse what their policy forbids, before the view runs."""
    # Nothing of an earlier request's caller carries over (tests reuse one app context).
    g.caller = ANONYMOUS
    g.pop("account", None)
    if request.method == "OPTIONS" or not request.path.startswith("/api/"):
        return
    if request.blueprint in PUBLIC_BLUEPRINTS or request.url_rule is None:
        return  # the API's documentation; and unknown URLs, answered with a 404
    policy = declared_policy(request.endpoint, request.method) or Policy.ADMIN
    if policy is Policy.PUBLIC:
        return
    g.caller = authenticate()
    if policy is Policy.ADMIN and not g.caller.is_admin:
        raise Forbidden("Only an administrator may do this.")


def register_access(app: Flask) -> None:
    """Check every API request against its operation's policy."""
    app.before_request(check_access)
