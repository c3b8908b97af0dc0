"""The county server's PostgreSQL schema (Alembic migrations of its own under
``county/migrations``; a test compares them with these models).

``events`` holds every township's case log, applied: each event's parents are present
and it passed the checks of ``county.ingest``. What failed a check waits in
``quarantine`` (kept, listed for a supervisor); what arrived before its parents waits
in ``pending``. ``seq`` orders a township's log for the desks' pull cursors; ingest
takes a per-township lock, so within a township seqs commit in order and a cursor
never skips an event that commits later.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Index, Integer, MetaData, Numeric, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Township(Base):
    __tablename__ = "townships"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    desks_enrolled: Mapped[int] = mapped_column(Integer, default=0)  # for the next node code


class Node(Base):
    """A registered desk: a window PC of a township hall or a village proxy point."""

    __tablename__ = "nodes"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    township: Mapped[str] = mapped_column(String(6), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # window | village
    label: Mapped[str] = mapped_column(Text, default="")
    credential_hash: Mapped[str] = mapped_column(String(64), unique=True)
    public_key: Mapped[str] = mapped_column(Text, default="")  # Ed25519, for files carried by hand
    store_id: Mapped[str] = mapped_column(String(32))
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    protocol: Mapped[int] = mapped_column(Integer, default=1)
    replaced_by: Mapped[str | None] = mapped_column(String(8))  # a restored copy took a new code
    # the desk's own local sequence number of the last event it has sent: a database that
    # is behind it is a restored backup or a copy
    pushed_seq: Mapped[int] = mapped_column(BigInteger, server_default="0")


class EnrollCode(Base):
    """A single-use code for one desk; only its hash is stored."""

    __tablename__ = "enroll_codes"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    township: Mapped[str] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(8))
    label: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_by: Mapped[str | None] = mapped_column(String(8))


class EventRow(Base):
    __tablename__ = "events"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    township: Mapped[str] = mapped_column(String(6))
    type: Mapped[str] = mapped_column(String(32))
    payload_version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)  # JSON as received
    actor: Mapped[str] = mapped_column(String(32))
    window: Mapped[str] = mapped_column(String(16))
    node: Mapped[str] = mapped_column(String(8))
    recorded_at: Mapped[str] = mapped_column(String(32))
    hlc: Mapped[str] = mapped_column(String(40))
    parents: Mapped[str] = mapped_column(Text)  # JSON list
    hash: Mapped[str] = mapped_column(String(64))
    term: Mapped[int] = mapped_column(Numeric(78, 0))  # the event's share of a scope digest
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_from: Mapped[str] = mapped_column(String(8))  # the desk that pushed it (may forward)
    local_seq: Mapped[int | None] = mapped_column(BigInteger)  # its number on the desk that wrote it

    __table_args__ = (
        Index("ix_events_township_seq", "township", "seq"),
        Index("ix_events_node_local_seq", "node", "local_seq"),
    )


class CaseRow(Base):
    """The county's projection of each case: replayed with the desks' own core."""

    __tablename__ = "cases"
    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    township: Mapped[str] = mapped_column(String(6), index=True)
    creator_node: Mapped[str] = mapped_column(String(8))
    holder_node: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(24))
    label: Mapped[str] = mapped_column(String(40))
    heads: Mapped[str] = mapped_column(Text)  # JSON
    state: Mapped[str] = mapped_column(Text)  # the projection row, JSON


class CaseAccess(Base):
    """Village points that see a case (they created it or hold it)."""

    __tablename__ = "case_access"
    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    node: Mapped[str] = mapped_column(String(8), primary_key=True)


class NodeFeed(Base):
    """A village point's own feed: the events of the cases it sees, in the order it pulls them."""

    __tablename__ = "node_feed"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    node: Mapped[str] = mapped_column(String(8))
    event_seq: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_node_feed_node_id", "node", "id"),)


class Quarantine(Base):
    """Events kept but not applied: a clock in the future, an id reused with other content,
    a write by a desk that does not hold the case … A supervisor releases or rejects them."""

    __tablename__ = "quarantine"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), index=True)
    case_id: Mapped[str] = mapped_column(String(36))
    node: Mapped[str] = mapped_column(String(8))
    township: Mapped[str] = mapped_column(String(6))
    body: Mapped[str] = mapped_column(Text)  # the event as received (wire JSON)
    reason: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision: Mapped[str | None] = mapped_column(String(16))  # released | rejected


class Pending(Base):
    """Events that arrived before one of their parents; applied when it comes."""

    __tablename__ = "pending"
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    node: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Reference(Base):
    """Reference data the county owns, one JSON document per key: ``catalogue``,
    ``calendar``, ``windows``, and per township ``staff:<code>``, ``settings:<code>``."""

    __tablename__ = "reference"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Audit(Base):
    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(40))  # a node code, or "admin"
    action: Mapped[str] = mapped_column(String(32))
    alert: Mapped[bool] = mapped_column(Boolean, default=False)  # a security alert
    detail: Mapped[str] = mapped_column(Text)  # JSON, never an ID or phone number
