"""sync files: the outgoing events of a desk with no network, carried in on a USB stick
and forwarded to the county by this desk

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_files",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("node", sa.String(8), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.String(32), nullable=False),
        sa.Column("forwarded_at", sa.String(32), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("sync_files")
