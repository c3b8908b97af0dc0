"""indexes for statistics over a period without scanning the whole history, and
look-ups by applicant that return the newest cases without sorting

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

LOOKUPS = ["applicant_id_number", "applicant_name", "applicant_phone"]
STATS = ["received_on", "kind", "immediate", "accepted_on", "refused_on", "completed_on", "on_time",
         "workdays_taken", "rated_on", "rating", "status", "due_date"]


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_received_on")
        batch.create_index("ix_cases_stats_window", ["holder_window", *STATS])
        batch.create_index("ix_cases_stats_received",
                           ["received_on", "holder_clerk", "item_code", "holder_window", *STATS[1:]])
        for column in ("completed_on", "rated_on", "accepted_on", "refused_on"):
            batch.create_index(f"ix_cases_{column}", [column, "received_on"])
        for column in LOOKUPS:
            batch.drop_index(f"ix_cases_{column}")
            batch.create_index(f"ix_cases_{column}", [column, "received_on"])
    # Let the planner know windows are few (it then skip-scans the window index).
    op.execute("ANALYZE cases")


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        for column in ("completed_on", "rated_on", "accepted_on", "refused_on"):
            batch.drop_index(f"ix_cases_{column}")
        for column in LOOKUPS:
            batch.drop_index(f"ix_cases_{column}")
            batch.create_index(f"ix_cases_{column}", [column])
        batch.drop_index("ix_cases_stats_received")
        batch.drop_index("ix_cases_stats_window")
        batch.create_index("ix_cases_received_on", ["received_on", "holder_window"])
