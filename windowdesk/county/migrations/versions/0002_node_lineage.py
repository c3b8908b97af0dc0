"""desks: the last of its own events each desk has sent (by its local sequence), so a
restored or copied database is recognised

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


def downgrade() -> None:
    op.drop_column("nodes", "pushed_seq")
