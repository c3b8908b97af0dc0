"""Rebuilding the projection from the log, and checking a desk's file."""

from __future__ import annotations

from dataclasses import dataclass
from windowdesk.core.projection import FIELD_NAMES
import sqlite3

from windowdesk.core.errors import DomainError
from windowdesk.db.codec import INSERT_CASE_SQL, SELECT_CASE_SQL
from windowdesk.db.store import analyse_cases
from windowdesk.db.replay import ProgressFn, replay_all
from windowdesk.i18n import _
from windowdesk.services.uow import UnitOfWork

BATCH = 2000


@dataclass(frozen=True)
class RebuildResult:
    cases: int
    events: int


def rebuild_projection(uow: UnitOfWork, progress: ProgressFn | None = None) -> RebuildResult:
    """Throw the projection away and replay every case from the log, in one transaction."""
    conn = uow.dbapi
    # Filling a table and then indexing it is much faster than keeping a dozen indexes
    # up to date row by row; all of it is one transaction.
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cases' AND sql IS NOT NULL"
    ).fetchall()
    for name, _sql in indexes:
        conn.execute(f"DROP INDEX {name}")
    conn.execute("DELETE FROM cases")
    batch: list[tuple] = []
    cases = events = 0
    count_at = FIELD_NAMES.index("event_count")
    try:
        for row in replay_all(conn, progress, path=uow.store.path):
            batch.append(row)
            cases += 1
            events += row[count_at]
            if len(batch) >= BATCH:
                conn.executemany(INSERT_CASE_SQL, batch)
                batch.clear()
        if batch:
            conn.executemany(INSERT_CASE_SQL, batch)
        for _name, sql in indexes:
            conn.execute(sql)
        analyse_cases(conn)
    except sqlite3.IntegrityError as exc:
        uow.rollback()  # the old projection stays as it was
        raise DomainError(
            _("The projection cannot be rebuilt: the case log gives two cases the same number ({detail}). Run the check to find them; the projection was left unchanged.").format(
                detail=exc
            )
        ) from exc
    uow.commit()
    return RebuildResult(cases, events)


_NUMBER_AT = (FIELD_NAMES.index("case_number"), FIELD_NAMES.index("inquiry_number"))


def _label(row: tuple) -> str:
    return row[_NUMBER_AT[0]] or row[_NUMBER_AT[1]] or row[0]


@dataclass(frozen=True)
class CheckReport:
    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    cases: int
    events: int

    @property
    def ok(self) -> bool:
        return not self.problems


def check_store(uow: UnitOfWork, progress: ProgressFn | None = None, max_listed: int = 20) -> CheckReport:
    """SQLite integrity, projection equal to replay, unique case numbers, intact chains."""
    conn = uow.dbapi
    problems: list[str] = []
    warnings: list[str] = []

    integrity = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
    if integrity != ["ok"]:
        problems.append(_("SQLite integrity check failed: {detail}").format(detail="; ".join(integrity[:5])))

    stored_cursor = conn.execute(SELECT_CASE_SQL + " ORDER BY case_id")
    stored = iter(stored_cursor)
    current = next(stored, None)
    mismatched: list[str] = []
    cases = events = 0
    count_at = FIELD_NAMES.index("event_count")
    for expected in replay_all(conn, progress, path=uow.store.path):
        case_id, label = expected[0], _label(expected)
        cases += 1
        events += expected[count_at]
        while current is not None and current[0] < case_id:
            problems.append(_("Case {case} is in the projection but has no events.").format(case=current[0]))
            current = next(stored, None)
        if current is None or current[0] != case_id:
            problems.append(_("Case {case} has events but no projection row.").format(case=label))
            continue
        if tuple(current) != expected:
            columns = [n for n, a, b in zip(FIELD_NAMES, current, expected) if a != b]
            mismatched.append(f"{label} ({', '.join(columns)})")
        current = next(stored, None)
    while current is not None:
        problems.append(_("Case {case} is in the projection but has no events.").format(case=current[0]))
        current = next(stored, None)
    if mismatched:
        problems.append(
            _("{count} cases differ from the replay of their events: {cases}").format(
                count=len(mismatched), cases="; ".join(mismatched[:max_listed])
            )
        )

    duplicates = conn.execute(
        "SELECT json_extract(payload, '$.case_number') AS n, count(DISTINCT case_id) FROM events "
        "WHERE type = 'case_received' GROUP BY n HAVING count(DISTINCT case_id) > 1 LIMIT :m",
        {"m": max_listed},
    ).fetchall()
    for number, count in duplicates:
        problems.append(
            _("Case number {number} was given to {count} different cases.").format(number=number, count=count)
        )

    orphans = conn.execute(
        "SELECT e.event_id, e.case_id FROM events e, json_each(e.parents) p "
        "LEFT JOIN events q ON q.event_id = p.value "
        "WHERE q.event_id IS NULL OR q.case_id != e.case_id LIMIT :m",
        {"m": max_listed},
    ).fetchall()
    for event_id, case_id in orphans:
        problems.append(
            _("Event {event} of case {case} names a parent event that is missing or belongs to another case.").format(
                event=event_id, case=case_id
            )
        )

    cal = uow.calendar
    this_year = uow.today().year
    for year in cal.missing_years([this_year, this_year + 1]):
        warnings.append(
            _("The working-day calendar has no schedule for {year}; add it before deadlines reach that year.").format(
                year=year
            )
        )
    uow.rollback()
    return CheckReport(tuple(problems), tuple(warnings), cases, events)

