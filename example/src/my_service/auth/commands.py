"""`flask users ...`: the first administrator, and passwords set from the command line."""

import secrets
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..extensions import db
from ..users.models import Role, User
from ..validation import ModelValidationError
from .models import Credential
from .routes import set_password
from .tokens import end_sessions


@click.group(cls=AppGroup)
def users() -> None:
    """User accounts: the first administrator, passwords."""


def read_password() -> str:
    """A password from the terminal (hidden, typed twice), or one line of piped input."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


def save_password(user: User, password: str) -> None:
    """Set the user's password, end their sessions, and commit; a rule it breaks is an error."""
    try:
        set_password(user, db.session.get(Credential, user.id), password)
    except ModelValidationError as error:
        raise click.ClickException(f"The password {error.message}.") from None
    end_sessions(user.id)
    db.session.commit()


def find_user(email: str) -> User | None:
    """The user with this address, in any case."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))


@users.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrator", show_default=True)
def create_admin(email: str, name: str) -> None:
    """Create an administrator (or make EMAIL's user one) with a password you type.

    Typed at a terminal, the password is hidden and asked twice; piped in, the first
    line of standard input is the password.
    """
    user = find_user(email)
    if user is None:
        try:
            user = User(email=email, name=name)
        except ModelValidationError as error:
            raise click.ClickException(f"{error.field} {error.message}.") from None
        db.session.add(user)
    user.role = Role.ADMIN
    user.is_active = True
    db.session.flush()
    save_password(user, read_password())
    click.echo(f"{user.email} is an administrator and can sign in.")


@users.command("set-password")
@click.argument("email")
def set_password_command(email: str) -> None:
    """Set EMAIL's password (ending their sessions); typed or piped, as for create-admin."""
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"No user has the address {email}.")
    save_password(user, read_password())
    click.echo(f"{user.email} has a new password.")


def give_passwords(emails: list[str]) -> list[tuple[str, str]]:
    """A fresh random password for each of these users who has none; (email, password) pairs."""
    given = []
    for email in emails:
        user = find_user(email)
        if user is not None and db.session.get(Credential, user.id) is None:
            password = secrets.token_urlsafe(12)
            set_password(user, None, password)
            given.append((user.email, password))
    db.session.commit()
    return given
