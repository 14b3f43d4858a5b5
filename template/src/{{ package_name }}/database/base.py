"""The declarative base every model inherits: predictable constraint names and typed columns."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase, registry

# Alembic can only alter or drop a constraint it can name; these names are
# stable across databases and readable in error messages.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model: metadata with the naming convention, and the column type map."""

    # Flask-SQLAlchemy refuses a type_annotation_map set on the base itself,
    # so the metadata and the map travel together on one registry.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            datetime: DateTime(timezone=True),
            int: BigInteger(),
        },
    )
    # Values the database fills in (ids, timestamps, now() set on a column) come back with
    # the INSERT or UPDATE itself (RETURNING), so nothing has to be read again afterwards.
    __mapper_args__ = {"eager_defaults": True}
