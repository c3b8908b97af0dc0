"""accounts: password hashes, sign-in lockout, presence (在岗 / 外出 / 会议 / 请假) and
A/B posts per window (AB岗)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clerks") as batch:
        batch.add_column(sa.Column("password_hash", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("failed_signins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", sa.String(32), nullable=True))
        batch.add_column(sa.Column("presence", sa.String(16), nullable=False, server_default="on_duty"))
        batch.add_column(sa.Column("presence_since", sa.String(32), nullable=True))
    with op.batch_alter_table("clerk_windows") as batch:
        batch.add_column(sa.Column("post", sa.String(1), nullable=True))  # 'A', 'B' or none
        batch.create_index("ix_clerk_windows_window_code_post", ["window_code", "post"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("clerk_windows") as batch:
        batch.drop_index("ix_clerk_windows_window_code_post")
        batch.drop_column("post")
    with op.batch_alter_table("clerks") as batch:
        for column in ("presence_since", "presence", "locked_until", "failed_signins", "password_hash"):
            batch.drop_column(column)
