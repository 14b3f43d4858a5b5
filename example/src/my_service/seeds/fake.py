"""`flask seed fake`: realistic bulk data for development.

Faker writes the text; users and projects go in with one multi-row INSERT,
tasks with PostgreSQL's COPY, so 100,000 tasks take seconds. Faker is a development
dependency: the command exists where it is installed.
"""

import csv
import io
import random
import secrets
from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy import exists, insert, select

from ..caching import note_written
from ..extensions import db
from ..models import Project, Status, User
from ..projects.models import slugify

if TYPE_CHECKING:
    from faker import Faker

FAKE_DOMAIN = "example.test"  # reserved for testing (RFC 2606), so no fake address is real
TASK_COLUMNS = "project_id, assignee_id, title, status, priority, due_date"
ASSIGNED_SHARE, DATED_SHARE = 0.7, 0.6  # of fake tasks with an assignee, with a due date


def has_fake_data() -> bool:
    """Whether an earlier run added fake data (its users' addresses are at FAKE_DOMAIN)."""
    fake_user = exists().where(User.email.endswith(f"@{FAKE_DOMAIN}"))
    return bool(db.session.scalar(select(fake_user)))


def insert_rows(model: type[Any], rows: list[dict]) -> list[int]:
    """Insert rows in one statement and return their ids."""
    if not rows:
        return []
    return list(db.session.scalars(insert(model).returning(model.id), rows))


def fake_users(count: int, faker: "Faker", batch: str) -> list[int]:
    """Users with unique addresses (`batch` keeps them unique across runs)."""
    rows = [
        {"email": f"{faker.user_name()}.{batch}{n}@{FAKE_DOMAIN}", "name": faker.name()}
        for n in range(count)
    ]
    return insert_rows(User, rows)


def fake_projects(count: int, owners: list[int], faker: "Faker", rng: random.Random, batch: str):
    """Projects owned by the given users, with unique slugs."""
    rows = []
    for n in range(count):
        name = faker.catch_phrase()
        slug = f"{slugify(name)[:60]}-{batch}{n}"
        rows.append({"owner_id": rng.choice(owners), "name": name, "slug": slug})
    return insert_rows(Project, rows)


def task_rows(
    count: int, projects: list[int], users: list[int], faker: "Faker", rng: random.Random
) -> list[tuple]:
    """Task rows; titles come from a pool Faker writes once, which keeps this fast."""
    titles = [faker.sentence(nb_words=5).rstrip(".") for _ in range(500)]
    statuses = [status.value for status in Status]
    today = date.today()
    rows = []
    for _ in range(count):
        assignee = rng.choice(users) if users and rng.random() < ASSIGNED_SHARE else None
        due = today + timedelta(days=rng.randint(-30, 90)) if rng.random() < DATED_SHARE else None
        status, priority = rng.choice(statuses), rng.randint(1, 5)
        rows.append((rng.choice(projects), assignee, rng.choice(titles), status, priority, due))
    return rows


def copy_rows(table: str, columns: str, rows: Iterable[tuple]) -> None:
    """Load rows with COPY, inside the session's transaction."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    statement = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)"
    note_written(db.session, table)
    raw: Any = db.session.connection().connection.dbapi_connection
    buffer.seek(0)
    with raw.cursor() as cursor:
        cursor.copy_expert(statement, buffer)


def generate(users: int, projects: int = 0, tasks: int = 0, seed: int | None = None) -> dict:
    """Add fake users, projects and tasks, commit, and say how many of each."""
    # A seeded generator, so a --seed gives the same fake data again; nothing secret comes of it.
    # A development dependency, slow to import: imported when used.
    from faker import Faker  # noqa: PLC0415

    rng, faker, batch = random.Random(seed), Faker(), secrets.token_hex(3)  # nosec B311
    faker.seed_instance(seed)
    user_ids = fake_users(users, faker, batch)
    if (projects or tasks) and not user_ids:
        raise click.ClickException("projects and tasks need users: pass --users 1 or more")
    project_ids = fake_projects(projects, user_ids, faker, rng, batch)
    if tasks and not project_ids:
        raise click.ClickException("tasks need projects: pass --projects 1 or more")
    copy_rows("tasks", TASK_COLUMNS, task_rows(tasks, project_ids, user_ids, faker, rng))
    db.session.commit()
    return {"users": len(user_ids), "projects": len(project_ids), "tasks": tasks}


@click.command("fake")
@click.option("--users", default=50, show_default=True, type=click.IntRange(min=0))
@click.option("--projects", default=200, show_default=True, type=click.IntRange(min=0))
@click.option("--tasks", default=10_000, show_default=True, type=click.IntRange(min=0))
@click.option("--seed", type=int, help="Random seed, for the same data every time.")
@click.option("--if-empty", is_flag=True, help="Add nothing if fake data is there already.")
def fake_command(seed: int | None, if_empty: bool, **sizes: int) -> None:
    """Fill the database with realistic fake data (development only)."""
    if if_empty and has_fake_data():
        click.echo("Fake data is there already: nothing added.")
        return
    counts = generate(**sizes, seed=seed)
    click.echo("Added " + ", ".join(f"{count} {name}" for name, count in counts.items()) + ".")
