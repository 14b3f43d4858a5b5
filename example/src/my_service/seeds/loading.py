"""Reading seed sets: parse each TOML file, check every record, and name the culprit of a typo."""

import hashlib
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from marshmallow import Schema, ValidationError
from sqlalchemy import ColumnElement, func

from ..models import Tag, User
from ..tags.schemas import TagSchema
from ..users.schemas import UserSchema

SETS = Path(__file__).parent / "sets"
ENVIRONMENTS = ("development", "testing", "production")


class SeedError(Exception):
    """A seed set cannot be read or applied; the message names the file and the record."""


@dataclass(frozen=True)
class Kind:
    """A kind of record a seed set may hold: how to check it, build it and find it again."""

    schema: type[Schema]
    model: type
    same_as: Callable[[dict], ColumnElement[bool]]


KINDS = {
    "users": Kind(UserSchema, User, lambda user: func.lower(User.email) == user["email"].lower()),
    "tags": Kind(TagSchema, Tag, lambda tag: Tag.name == tag["name"].strip().lower()),
}


@dataclass(frozen=True)
class SeedSet:
    """One seed file, read and checked."""

    id: str
    path: Path
    checksum: str
    description: str
    environments: tuple[str, ...]
    records: dict[str, list[dict]]


def read_set(path: Path) -> SeedSet:
    """Parse and check one seed file; a SeedError names the file, the record and the field."""
    content = path.read_bytes()
    try:
        data = tomllib.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SeedError(f"{path.name}: not valid TOML ({error})") from None
    description = data.pop("description", None)
    environments = data.pop("environments", None)
    if not isinstance(description, str) or not description.strip():
        raise SeedError(f'{path.name}: add a `description = "..."` line saying what the set is for')
    if not isinstance(environments, list) or not set(environments) <= set(ENVIRONMENTS):
        raise SeedError(
            f"{path.name}: `environments` must list some of {', '.join(ENVIRONMENTS)}, "
            f"got {environments!r}"
        )
    records = {}
    for kind, items in data.items():
        if kind not in KINDS:
            raise SeedError(
                f"{path.name}: unknown section [[{kind}]]: use one of {', '.join(KINDS)}"
            )
        records[kind] = [check_record(path, kind, index, item) for index, item in enumerate(items)]
    return SeedSet(
        id=path.stem,
        path=path,
        checksum=hashlib.sha256(content).hexdigest(),
        description=description.strip(),
        environments=tuple(environments),
        records=records,
    )


def check_record(path: Path, kind: str, index: int, record: dict) -> dict:
    """One record, loaded through the API's schema for its kind."""
    try:
        return KINDS[kind].schema().load(record)
    except ValidationError as error:
        messages = error.normalized_messages()
        problems = "; ".join(
            f"{field}: {' '.join(texts)}" for field, texts in sorted(messages.items())
        )
        raise SeedError(f"{path.name}: {kind}[{index}]: {problems}") from None


def read_sets(directory: Path = SETS) -> list[SeedSet]:
    """Every seed set in `directory`, in file-name order."""
    return [read_set(path) for path in sorted(directory.glob("*.toml"))]
