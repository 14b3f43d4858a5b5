"""The entity-relationship diagram of the models, as Mermaid text for the docs."""

import re

from sqlalchemy import MetaData
from sqlalchemy.dialects import postgresql

START, END = "<!-- erd:start -->", "<!-- erd:end -->"
# Mermaid syntax, kept out of f-strings where braces would need doubling.
OPEN, ZERO_OR_MANY = "{", "o{"


def column_type(column) -> str:
    """A short PostgreSQL type name that Mermaid accepts (no spaces or brackets)."""
    name = column.type.compile(dialect=postgresql.dialect()).lower()
    name = name.replace("timestamp with time zone", "timestamptz")
    return re.sub(r"\(.*\)", "", name).replace(" ", "_")


def column_keys(column) -> str:
    """The PK/FK/UK markers of a column."""
    keys = []
    if column.primary_key:
        keys.append("PK")
    if column.foreign_keys:
        keys.append("FK")
    if column.unique:
        keys.append("UK")
    return ",".join(keys)


def mermaid_erd(metadata: MetaData) -> str:
    """The diagram of every table, its columns and the foreign keys between them."""
    lines = ["erDiagram"]
    tables = sorted(metadata.tables.values(), key=lambda table: table.name)
    for table in tables:
        lines.append(f"    {table.name} {OPEN}")
        for column in table.columns:
            keys = column_keys(column)
            lines.append(f"        {column_type(column)} {column.name}{' ' + keys if keys else ''}")
        lines.append("    }")
    for table in tables:
        for key in sorted(table.foreign_keys, key=lambda fk: fk.parent.name):
            parent = key.column.table.name
            one = "|o" if key.parent.nullable else "||"
            lines.append(f'    {parent} {one}--{ZERO_OR_MANY} {table.name} : "{key.parent.name}"')
    return "\n".join(lines) + "\n"


def replace_diagram(document: str, diagram: str) -> str:
    """The document with the text between the ERD markers replaced by `diagram`."""
    if START not in document or END not in document:
        raise ValueError(f"the document has no {START} ... {END} section")
    head, rest = document.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n```mermaid\n{diagram}```\n{END}{tail}"
