"""The schema of a desk's SQLite file.

``events`` is the append-only case log (triggers refuse UPDATE and DELETE); ``cases``
is its projection, rebuilt from the log at will. Dates and times in ``cases`` and
``events`` are ISO text (dates ``YYYY-MM-DD``, times UTC), so they sort and compare in
SQL as they do in Python; ``windowdesk.db.codec`` is the one place that converts them.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Meta(Base):
    """Facts about this desk: its node code, clock state, schema notes."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Setting(Base):
    """Configurable rules (yellow share, referral follow-up time, …) as JSON values."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # JSON


class CatalogueVersion(Base):
    __tablename__ = "catalogue_versions"
    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    published: Mapped[str] = mapped_column(String(10))
    publisher: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    imported_at: Mapped[str] = mapped_column(String(32))
    current: Mapped[bool] = mapped_column(Boolean, default=False)


class Window(Base):
    __tablename__ = "windows"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    department: Mapped[str] = mapped_column(Text, default="")


class ServiceItemRow(Base):
    """An item as published in one catalogue version; cases keep the version they used."""

    __tablename__ = "service_items"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(
        ForeignKey("catalogue_versions.version"), primary_key=True
    )
    name: Mapped[str] = mapped_column(Text)
    window_code: Mapped[str] = mapped_column(ForeignKey("windows.code"))
    kind: Mapped[str] = mapped_column(String(16))
    committed_limit: Mapped[int] = mapped_column(Integer)
    statutory_limit: Mapped[int] = mapped_column(Integer)
    data: Mapped[str] = mapped_column(Text)  # JSON


class Clerk(Base):
    __tablename__ = "clerks"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))  # clerk | agent | supervisor | admin
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # scrypt$n$r$p$salt$hash (windowdesk.services.accounts); empty until one is set
    password_hash: Mapped[str] = mapped_column(Text, server_default="")
    failed_signins: Mapped[int] = mapped_column(Integer, server_default="0")
    locked_until: Mapped[str | None] = mapped_column(String(32))
    presence: Mapped[str] = mapped_column(String(16), server_default="on_duty")  # core.codes.Presence
    presence_since: Mapped[str | None] = mapped_column(String(32))


class ClerkWindow(Base):
    __tablename__ = "clerk_windows"
    clerk_code: Mapped[str] = mapped_column(ForeignKey("clerks.code"), primary_key=True)
    window_code: Mapped[str] = mapped_column(ForeignKey("windows.code"), primary_key=True)
    post: Mapped[str | None] = mapped_column(String(1))  # AB岗: 'A', 'B' or none

    __table_args__ = (Index("ix_clerk_windows_window_code_post", "window_code", "post", unique=True),)


class CalendarYear(Base):
    __tablename__ = "calendar_years"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[str] = mapped_column(Text)  # JSON
    source: Mapped[str] = mapped_column(Text, default="")
    installed_at: Mapped[str] = mapped_column(String(32))
    installed_by: Mapped[str] = mapped_column(String(32))


class Applicant(Base):
    """People and organisations who have applied here; reused at the next visit."""

    __tablename__ = "applicants"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    id_type: Mapped[str] = mapped_column(String(16))  # resident_id | credit_code | none
    id_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text, index=True)
    phone: Mapped[str] = mapped_column(String(32), default="", index=True)
    address: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[str] = mapped_column(String(32))


class NumberSequence(Base):
    """The last number issued per desk, scope (case / inquiry) and day."""

    __tablename__ = "number_sequences"
    node: Mapped[str] = mapped_column(String(8), primary_key=True)
    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class EventRow(Base):
    """One immutable event of the case log."""

    __tablename__ = "events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    case_id: Mapped[str] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(32))
    payload_version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)  # JSON, written once, never re-encoded
    actor: Mapped[str] = mapped_column(String(32))
    window: Mapped[str] = mapped_column(String(16))
    node: Mapped[str] = mapped_column(String(8))
    recorded_at: Mapped[str] = mapped_column(String(32))
    hlc: Mapped[str] = mapped_column(String(40))
    parents: Mapped[str] = mapped_column(Text)  # JSON list of event ids
    # 'local' (written here), 'county' (received from it), 'file' (carried in to forward)
    origin: Mapped[str] = mapped_column(String(8), server_default="local")

    __table_args__ = (Index("ix_events_case_id_hlc", "case_id", "hlc"),)


class SyncState(Base):
    """This desk's standing with the county: enrollment, cursors, digest, last round."""

    __tablename__ = "sync_state"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SyncHeld(Base):
    """Events of this desk's log that the county holds back (quarantine): kept, not replayed."""

    __tablename__ = "sync_held"
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    held_at: Mapped[str] = mapped_column(String(32))


class SyncFile(Base):
    """A sync file carried in from a desk with no network, to forward to the county."""

    __tablename__ = "sync_files"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    node: Mapped[str] = mapped_column(String(8))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[str] = mapped_column(String(32))
    forwarded_at: Mapped[str | None] = mapped_column(String(32))


class SyncAlert(Base):
    """Something sync found that a person must look at (an event id reused with other content …)."""

    __tablename__ = "sync_alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)


STATS_COLUMNS = (
    "received_on", "kind", "immediate", "accepted_on", "refused_on", "completed_on", "on_time",
    "workdays_taken", "rated_on", "rating", "status", "due_date",
)


class CaseRow(Base):
    """The projection: each case's current state, derived from ``events``."""

    __tablename__ = "cases"
    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(24))
    case_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    inquiry_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    item_code: Mapped[str | None] = mapped_column(String(64))
    item_version: Mapped[str | None] = mapped_column(String(32))
    item_name: Mapped[str] = mapped_column(Text)
    immediate: Mapped[int] = mapped_column(Integer)
    limit_days: Mapped[int] = mapped_column(Integer)
    statutory_days: Mapped[int] = mapped_column(Integer)
    applicant_name: Mapped[str] = mapped_column(Text)
    applicant_id_type: Mapped[str] = mapped_column(String(16))
    applicant_id_number: Mapped[str] = mapped_column(String(32))
    applicant_phone: Mapped[str] = mapped_column(String(32))
    applicant_address: Mapped[str] = mapped_column(Text)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    first_clerk: Mapped[str] = mapped_column(String(32))
    first_window: Mapped[str] = mapped_column(String(16))
    holder_window: Mapped[str] = mapped_column(String(16))
    holder_clerk: Mapped[str] = mapped_column(String(32))
    holder_node: Mapped[str] = mapped_column(String(8), server_default="")
    received_on: Mapped[str | None] = mapped_column(String(10))
    decision_base_on: Mapped[str | None] = mapped_column(String(10))
    notice_deadline: Mapped[str | None] = mapped_column(String(10))
    received_materials: Mapped[str] = mapped_column(Text)  # JSON
    missing_materials: Mapped[str] = mapped_column(Text)  # JSON
    outstanding_additions: Mapped[str] = mapped_column(Text)  # JSON
    notice_materials: Mapped[str] = mapped_column(Text)  # JSON
    notice_additions: Mapped[str] = mapped_column(Text)  # JSON
    notice_issued_on: Mapped[str | None] = mapped_column(String(10))
    notice_count: Mapped[int] = mapped_column(Integer)
    notice_overrides: Mapped[int] = mapped_column(Integer)
    supplements_completed_on: Mapped[str | None] = mapped_column(String(10))
    accepted_on: Mapped[str | None] = mapped_column(String(10))
    deemed_accepted: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[str | None] = mapped_column(String(10))
    warn_date: Mapped[str | None] = mapped_column(String(10))
    due_assumed: Mapped[int] = mapped_column(Integer)
    extension_days: Mapped[int] = mapped_column(Integer)
    suspensions: Mapped[str] = mapped_column(Text)  # JSON
    refused_on: Mapped[str | None] = mapped_column(String(10))
    refusal_reason: Mapped[str] = mapped_column(Text)
    refusal_basis: Mapped[str] = mapped_column(Text)
    refusal_redirect: Mapped[str] = mapped_column(Text)
    completed_on: Mapped[str | None] = mapped_column(String(10))
    result: Mapped[str | None] = mapped_column(String(8))
    result_reason: Mapped[str] = mapped_column(Text)
    on_time: Mapped[int | None] = mapped_column(Integer)
    workdays_taken: Mapped[int | None] = mapped_column(Integer)
    delivered_on: Mapped[str | None] = mapped_column(String(10))
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str] = mapped_column(Text)
    rated_on: Mapped[str | None] = mapped_column(String(10))
    withdrawn_on: Mapped[str | None] = mapped_column(String(10))
    withdrawal_reason: Mapped[str] = mapped_column(Text)
    referral_to_window: Mapped[str | None] = mapped_column(String(16))
    referral_reason: Mapped[str] = mapped_column(Text)
    referral_offered_at: Mapped[str | None] = mapped_column(String(32))
    referral_from_window: Mapped[str | None] = mapped_column(String(16))
    referral_from_clerk: Mapped[str | None] = mapped_column(String(32))
    status_before_referral: Mapped[str | None] = mapped_column(String(24))
    referral_count: Mapped[int] = mapped_column(Integer)
    contested: Mapped[str] = mapped_column(Text, server_default="[]")  # JSON
    status_before_conflict: Mapped[str | None] = mapped_column(String(24))
    unknown_events: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))
    event_count: Mapped[int] = mapped_column(Integer)
    heads: Mapped[str] = mapped_column(Text)  # JSON
    last_hlc: Mapped[str] = mapped_column(String(40))

    __table_args__ = (
        # Look-ups return the newest first: the date in the index spares a sort.
        Index("ix_cases_applicant_id_number", "applicant_id_number", "received_on"),
        Index("ix_cases_applicant_name", "applicant_name", "received_on"),
        Index("ix_cases_applicant_phone", "applicant_phone", "received_on"),
        Index("ix_cases_holder", "holder_window", "status"),
        # Statistics (windowdesk.db.stats): covering indexes for the period's cases, by
        # window (skip-scan over windows) and by date, and small (date, received_on)
        # indexes for cases received earlier that were active in the period.
        Index("ix_cases_stats_window", "holder_window", *STATS_COLUMNS),
        Index("ix_cases_stats_received", "received_on", "holder_clerk", "item_code", "holder_window",
              *STATS_COLUMNS[1:]),
        Index("ix_cases_completed_on", "completed_on", "received_on"),
        Index("ix_cases_rated_on", "rated_on", "received_on"),
        Index("ix_cases_accepted_on", "accepted_on", "received_on"),
        Index("ix_cases_refused_on", "refused_on", "received_on"),
        Index("ix_cases_status_due", "status", "due_date"),
        Index("ix_cases_referral", "referral_to_window", "referral_offered_at"),
    )

