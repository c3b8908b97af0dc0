"""the case log is append-only: refuse UPDATE and DELETE on events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE TRIGGER events_are_immutable_update BEFORE UPDATE ON events "
        "BEGIN SELECT RAISE(ABORT, 'events are immutable'); END"
    )
    op.execute(
        "CREATE TRIGGER events_are_immutable_delete BEFORE DELETE ON events "
        "BEGIN SELECT RAISE(ABORT, 'events are immutable'); END"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER events_are_immutable_update")
    op.execute("DROP TRIGGER events_are_immutable_delete")
