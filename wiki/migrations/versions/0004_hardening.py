"""Hardening: sessions that end server-side, revisions that passed the privacy guard, redaction.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 17:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        # Part of every session's identity: raising it ends every session of the user.
        batch_op.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("revision", schema=None) as batch_op:
        # True: the revision passed the privacy guard (or a curator accepted its findings);
        # False: it holds findings; NULL: saved before the guard recorded it (scanned on demand).
        batch_op.add_column(sa.Column("privacy_clear", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("redacted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("redacted_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("redaction_reason", sa.String(500), nullable=False, server_default="")
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_revision_redacted_by_id_user"), "user", ["redacted_by_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("revision", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_revision_redacted_by_id_user"), type_="foreignkey")
        batch_op.drop_column("redaction_reason")
        batch_op.drop_column("redacted_by_id")
        batch_op.drop_column("redacted_at")
        batch_op.drop_column("privacy_clear")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
