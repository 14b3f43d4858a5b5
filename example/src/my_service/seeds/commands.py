"""`flask seed ...`: apply versioned seed sets, show their state, generate fake data."""

import importlib.util

import click
from flask import current_app

from ..auth.commands import give_passwords
from ..cli import DatabaseCommands
from . import runner
from .loading import SeedError, read_sets

# Faker is a development dependency: no fake data in production. The command exists where
# Faker is installed, and imports it only when it runs (Faker is slow to import).
fake_command: click.Command | None = None
if importlib.util.find_spec("faker") is not None:
    from .fake import fake_command


@click.group(cls=DatabaseCommands)
def seed() -> None:
    """Seed data: apply the pending sets and show their status (and fake data, in development)."""


def environment() -> str:
    """The environment seed sets are chosen for (APP_ENV's configuration)."""
    return current_app.config["NAME"]


@seed.command("run")
@click.option("--target", help="Stop after applying this seed set (its file name without .toml).")
def run_command(target: str | None) -> None:
    """Apply the pending seed sets of this environment, in order."""
    sets = read_sets()
    try:
        applied = runner.run(sets, environment(), target)
    except SeedError as error:
        raise click.ClickException(str(error)) from None
    if not applied:
        click.echo("Nothing to apply: every seed set for this environment is applied.")
    for seed_id in applied:
        click.echo(f"applied {seed_id}")
    # Seed files never hold passwords: each seeded user who has none gets a random one,
    # shown here once. `flask users set-password EMAIL` sets one of your choosing.
    emails = [
        user["email"]
        for seed_set in sets
        if seed_set.id in applied
        for user in seed_set.records.get("users", [])
    ]
    for email, password in give_passwords(emails):
        click.echo(f"{email} signs in with the password {password} (shown once)")


@seed.command("status")
def status_command() -> None:
    """List every seed set and whether it is applied, pending or changed."""
    try:
        states = runner.status(read_sets(), environment())
    except SeedError as error:
        raise click.ClickException(str(error)) from None
    for seed_set, state in states:
        click.echo(f"{seed_set.id:<40} {state:<20} {seed_set.description}")


if fake_command is not None:
    seed.add_command(fake_command)
