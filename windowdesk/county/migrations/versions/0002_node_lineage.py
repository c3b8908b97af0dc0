"""desks: the last of its own events each desk has sent, and each event's sequence number
on the desk that wrote it, so a restored or copied database is recognised

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-08
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("nodes", sa.Column("pushed_seq", sa.BigInteger(), nullable=False, server_default="0"))
    # the writing desk's own sequence number of each event: two events under one number
    # from one desk mean two databases write as that desk
    op.add_column("events", sa.Column("local_seq", sa.BigInteger(), nullable=True))
    op.create_index("ix_events_node_local_seq", "events", ["node", "local_seq"])


def downgrade() -> None:
    op.drop_index("ix_events_node_local_seq", "events")
    op.drop_column("events", "local_seq")
    op.drop_column("nodes", "pushed_seq")
