"""county sync: where each event came from, the holder desk of each case, conflicts,
and the sync bookkeeping (state, events the county holds back, alerts)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # 'local': written here; 'county': received from the county; 'file': carried in on a
    # file from a desk with no network, for this desk to forward.
    op.add_column("events", sa.Column("origin", sa.String(8), nullable=False, server_default="local"))
    op.add_column("cases", sa.Column("holder_node", sa.String(8), nullable=False, server_default=""))
    op.add_column("cases", sa.Column("contested", sa.Text(), nullable=False, server_default="[]"))
    op.add_column("cases", sa.Column("status_before_conflict", sa.String(24), nullable=True))
    op.add_column("cases", sa.Column("unknown_events", sa.Integer(), nullable=False, server_default="0"))
    # Until now one desk wrote every event: the holder desk is the one that wrote the
    # case's first event or last took it over, as replay now derives it.
    op.execute(
        "UPDATE cases SET holder_node = (SELECT e.node FROM events e WHERE e.case_id = cases.case_id "
        "AND (e.parents = '[]' OR e.type IN ('referral_accepted', 'handover_accepted')) "
        "ORDER BY e.hlc DESC LIMIT 1)"
    )
    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_table(
        "sync_held",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("held_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "sync_alerts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sync_alerts")
    op.drop_table("sync_held")
    op.drop_table("sync_state")
    with op.batch_alter_table("cases") as batch:
        for column in ("unknown_events", "status_before_conflict", "contested", "holder_node"):
            batch.drop_column(column)
    with op.batch_alter_table("events") as batch:
        batch.drop_column("origin")
