"""Rebuilding the projection from the log, and checking a desk's file."""

from __future__ import annotations

import sqlite3
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from windowdesk.core.errors import DomainError
from windowdesk.core.projection import FIELD_NAMES
from windowdesk.db.codec import CASE_COLUMNS, SELECT_CASE_SQL
from windowdesk.db.replay import MAX_PARTS, ProgressFn, replay_all, replay_into_files
from windowdesk.db.store import analyse_cases
from windowdesk.i18n import _
from windowdesk.services.uow import UnitOfWork

# The rows a rebuild throws away are the projection itself, rewritten at once from the log
# kept in the same file: zeroing its freed pages first (SQLite as Debian builds it defaults
# to secure_delete) would only push another gigabyte through the write-ahead log.
REBUILD_PRAGMAS = {"secure_delete": 0}
# While the indexes are built: SQLite's sorter sorts runs as large as the page cache in
# the foreground, and with the desk's 64 MB cache a run is most of an index. Small runs
# (2 MB, SQLite's default cache) are sorted by helper threads on the other core while
# the table is read, and merged; 12 indexes on 1M cases take 15-17 s instead of 25-30 s.
INDEX_PRAGMAS = {"cache_size": -2048, "threads": 2}


@contextmanager
def _pragmas(conn: sqlite3.Connection, settings: dict[str, int]) -> Iterator[None]:
    """Connection settings for a while; the connection goes back to the pool as it was."""
    before = {name: conn.execute(f"PRAGMA {name}").fetchone()[0] for name in settings}
    try:
        for name, value in settings.items():
            conn.execute(f"PRAGMA {name}={int(value)}")
        yield
    finally:
        for name, value in before.items():
            conn.execute(f"PRAGMA {name}={int(value)}")


@dataclass(frozen=True)
class RebuildResult:
    cases: int
    events: int


def rebuild_projection(uow: UnitOfWork, progress: ProgressFn | None = None) -> RebuildResult:
    """Throw the projection away and replay every case from the log, in one transaction."""
    conn = uow.dbapi
    attached: list[str] = []
    # Part files (see ``replay_into_files``) stay attached until the transaction ends.
    with tempfile.TemporaryDirectory(prefix="windowdesk-rebuild-", ignore_cleanup_errors=True) as folder:
        try:
            result = _rebuild(conn, uow.store.path, Path(folder), attached, progress)
        except sqlite3.IntegrityError as exc:
            uow.rollback()  # the old projection stays as it was
            raise DomainError(
                _("The projection cannot be rebuilt: the case log gives two cases the same number ({detail}). Run the check to find them; the projection was left unchanged.").format(
                    detail=exc
                )
            ) from exc
        else:
            uow.commit()
        finally:
            if attached:
                uow.rollback()  # nothing left to roll back unless something failed; DETACH needs no transaction
                for schema in attached:
                    conn.execute(f"DETACH DATABASE {schema}")
    return result


def _rebuild(
    conn: sqlite3.Connection, path: Path, folder: Path, attached: list[str], progress: ProgressFn | None
) -> RebuildResult:
    # Filling a table and then indexing it is much faster than keeping a dozen indexes
    # up to date row by row; all of it is one transaction.
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cases' AND sql IS NOT NULL"
    ).fetchall()
    columns = ", ".join(CASE_COLUMNS)
    cases = events = 0
    with _pragmas(conn, REBUILD_PRAGMAS):
        for name, _sql in indexes:
            conn.execute(f"DROP INDEX {name}")
        conn.execute("DELETE FROM cases")
        for part in replay_into_files(conn, folder, progress, path=path, parts=_free_attachments(conn)):
            schema = f"replayed_{len(attached)}"
            conn.execute(f"ATTACH DATABASE ? AS {schema}", (str(part.path),))
            attached.append(schema)
            conn.execute(f"INSERT INTO main.cases ({columns}) SELECT {columns} FROM {schema}.cases ORDER BY rowid")
            cases += part.cases
            events += part.events
        with _pragmas(conn, INDEX_PRAGMAS):
            for _name, sql in indexes:
                conn.execute(sql)
        analyse_cases(conn)
    return RebuildResult(cases, events)


def _free_attachments(conn: sqlite3.Connection) -> int:
    in_use = len(conn.execute("PRAGMA database_list").fetchall()) - 1  # beside main (temp counts: harmless)
    return max(1, min(MAX_PARTS, conn.getlimit(sqlite3.SQLITE_LIMIT_ATTACHED) - in_use))


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

    from windowdesk.services.sync import verify

    sync_problems, sync_warnings = verify(uow)
    problems += sync_problems
    warnings += sync_warnings

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

