"""Allowances for the migration linter, written in the revision with the reason beside them.

`flask dbtools lint-migrations` runs squawk over the SQL each revision writes in offline
mode (`flask db upgrade --sql`). Where a revision does something squawk warns about on
purpose, it says so, and why, just before the statement:

    allow("ban-drop-column", reason="no release since 1.4 reads tasks.legacy_code")
    op.drop_column("tasks", "legacy_code")

In offline mode that writes squawk's ignore comment, with the reason above it, into the
SQL; a real upgrade writes nothing.
"""

from alembic import op


def allow(*rules: str, reason: str, whole_revision: bool = False) -> None:
    """Let the next statement (or every statement of this revision) break squawk's `rules`."""
    if not rules or not reason.strip():
        raise ValueError(
            "allow() needs the squawk rules to allow and a reason, e.g. "
            'allow("ban-drop-column", reason="no release reads it since 1.4")'
        )
    context = op.get_context()
    output = context.impl.output_buffer
    if not context.as_sql or output is None:
        return
    directive = "squawk-ignore-file" if whole_revision else "squawk-ignore"
    comment = " ".join(reason.split())
    # squawk reads the ignore comment on the line just above the statement, so it comes last.
    output.write(f"-- Allowed: {comment}\n-- {directive} {', '.join(rules)}\n")
