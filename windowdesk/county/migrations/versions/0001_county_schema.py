"""county schema: townships, desks and their enrollment codes, every township's case log
(applied, pending, quarantined), the county's projection and village feeds, reference
data and the audit log

Revision ID: 0001
Revises:
Create Date: 2026-12-08
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "townships",
        sa.Column("code", sa.String(6), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("desks_enrolled", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_townships")),
    )
    op.create_table(
        "nodes",
        sa.Column("code", sa.String(8), nullable=False),
        sa.Column("township", sa.String(6), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("credential_hash", sa.String(64), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("protocol", sa.Integer(), nullable=False),
        sa.Column("replaced_by", sa.String(8), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_nodes")),
        sa.UniqueConstraint("credential_hash", name=op.f("uq_nodes_credential_hash")),
    )
    op.create_index(op.f("ix_nodes_township"), "nodes", ["township"], unique=False)
    op.create_table(
        "enroll_codes",
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("township", sa.String(6), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.String(8), nullable=True),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_enroll_codes")),
    )
    op.create_table(
        "events",
        sa.Column("seq", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("township", sa.String(6), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("payload_version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(32), nullable=False),
        sa.Column("window", sa.String(16), nullable=False),
        sa.Column("node", sa.String(8), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("hlc", sa.String(40), nullable=False),
        sa.Column("parents", sa.Text(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("term", sa.Numeric(precision=78, scale=0), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_from", sa.String(8), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_events_event_id")),
    )
    op.create_index(op.f("ix_events_case_id"), "events", ["case_id"], unique=False)
    op.create_index("ix_events_township_seq", "events", ["township", "seq"], unique=False)
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("township", sa.String(6), nullable=False),
        sa.Column("creator_node", sa.String(8), nullable=False),
        sa.Column("holder_node", sa.String(8), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("label", sa.String(40), nullable=False),
        sa.Column("heads", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_cases")),
    )
    op.create_index(op.f("ix_cases_township"), "cases", ["township"], unique=False)
    op.create_table(
        "case_access",
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("node", sa.String(8), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "node", name=op.f("pk_case_access")),
    )
    op.create_table(
        "node_feed",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("node", sa.String(8), nullable=False),
        sa.Column("event_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_node_feed")),
    )
    op.create_index("ix_node_feed_node_id", "node_feed", ["node", "id"], unique=False)
    op.create_table(
        "quarantine",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("node", sa.String(8), nullable=False),
        sa.Column("township", sa.String(6), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision", sa.String(16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine")),
    )
    op.create_index(op.f("ix_quarantine_event_id"), "quarantine", ["event_id"], unique=False)
    op.create_table(
        "pending",
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("node", sa.String(8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_pending")),
    )
    op.create_index(op.f("ix_pending_case_id"), "pending", ["case_id"], unique=False)
    op.create_table(
        "reference",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_reference")),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(40), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("alert", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit")),
    )


def downgrade() -> None:
    for table in ("audit", "reference", "pending", "quarantine", "node_feed", "case_access", "cases",
                  "events", "enroll_codes", "nodes", "townships"):
        op.drop_table(table)
