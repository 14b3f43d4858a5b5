<%!
import textwrap
%>"""${"\n".join(textwrap.wrap(message or "An empty revision", 96))}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade():
% if upgrades:
    ${upgrades}
% else:
    # The old release keeps serving while this runs and until the new one replaces it: each
    # step below leaves a schema both work on (docs/migrations.md, "Changes without downtime").
    # Keep what this revision needs, delete the rest, and import what it uses: `op`, `sa`, and
    # `allow` from my_service.database.lint_allowances. A rename, in three releases:
    #
    # 1. Expand: add the new column, nullable; the code writes both, reads the old one.
    #     op.add_column("users", sa.Column("full_name", sa.Text(), nullable=True))
    #
    # 2. Migrate: backfill in batches, each committed alone, so no row stays locked for long;
    #    index without blocking writes (CONCURRENTLY runs outside a transaction). The code
    #    reads the new column, still writes both.
    #     batch = sa.text(
    #         "UPDATE users SET full_name = name WHERE id IN "
    #         "(SELECT id FROM users WHERE full_name IS NULL ORDER BY id LIMIT 1000)"
    #     )
    #     with op.get_context().autocommit_block():
    #         if op.get_context().as_sql:  # writing SQL (--sql, the linter): one batch shows it
    #             op.execute(batch)
    #         else:
    #             while op.get_bind().execute(batch).rowcount:
    #                 pass
    #         op.create_index(
    #             "ix_users_full_name",
    #             "users",
    #             ["full_name"],
    #             postgresql_concurrently=True,
    #             if_not_exists=True,
    #         )
    #    Then require a value: a check added NOT VALID takes its lock for an instant...
    #     op.execute(
    #         "ALTER TABLE users ADD CONSTRAINT ck_users_full_name_present"
    #         " CHECK (full_name IS NOT NULL) NOT VALID"
    #     )
    #    ...and is validated in the next revision (its own transaction), scanning the table
    #    without blocking writes.
    #     op.execute("ALTER TABLE users VALIDATE CONSTRAINT ck_users_full_name_present")
    #
    # 3. Contract, once no running release reads the old column (allow() tells the linter).
    #     allow("ban-drop-column", reason="no release since 2.4 reads users.name")
    #     op.drop_column("users", "name")
    pass
% endif


def downgrade():
    ${downgrades if downgrades else "pass"}
