"""Statistics as SQL aggregates over the projection (never Python loops over cases).

A case counts in a period if any of its measure dates (received, accepted, refused,
completed, rated) falls in it, or — for the "now" figures — if it is open today. The
query reads three disjoint parts, each through an index:

1. cases received in the period: a range of a covering index (every measure date of
   such a case is on or after the start, so "in the period" is just "≤ the end");
2. cases received before the period with another measure date in it, or open now:
   found through small (date, received_on) indexes, then aggregated in full;
3. open cases received after the period (when the period ends before today).

The parts are aggregated per group and summed, so the work is proportional to one
period's cases, not to the whole history.
"""

from __future__ import annotations

from datetime import date

from windowdesk.db.queries import dbapi

from windowdesk.core.stats import MEASURES, Dimension, StatRow

_GROUP = {
    Dimension.WINDOW: "holder_window",
    Dimension.ITEM: "item_code",
    Dimension.CLERK: "holder_clerk",
    Dimension.MONTH: "substr(received_on, 1, 7)",
}

_IN = "BETWEEN :s AND :e"
_OPEN = "status IN ('in_progress', 'suspended')"

# Each measure for any case ("full"), and for a case received in the period ("received").
_MEASURE_SQL: dict[str, tuple[str, str]] = {
    "received": (f"sum(received_on {_IN})", "count(*)"),
    "accepted": (f"sum(accepted_on {_IN})", "sum(accepted_on <= :e)"),
    "refused": (f"sum(refused_on {_IN})", "sum(refused_on <= :e)"),
    "immediate": (f"sum(received_on {_IN} AND immediate)", "sum(immediate)"),
    "committed": (f"sum(received_on {_IN} AND NOT immediate)", "sum(NOT immediate)"),
    "completed": (f"sum(completed_on {_IN})", "sum(completed_on <= :e)"),
    "completed_on_time": (f"sum(completed_on {_IN} AND on_time)", "sum(completed_on <= :e AND on_time)"),
    "overdue_now": ("sum(status = 'in_progress' AND due_date < :t)",) * 2,
    "in_progress": (f"sum({_OPEN})",) * 2,
    "workdays_taken": (f"total(iif(completed_on {_IN}, workdays_taken, 0))",
                       "total(iif(completed_on <= :e, workdays_taken, 0))"),
    **{
        f"rated_{n}": (f"sum(rated_on {_IN} AND rating = {n})", f"sum(rated_on <= :e AND rating = {n})")
        for n in range(1, 6)
    },
}

_BEFORE_OR_OPEN = f"""rowid IN (
    SELECT rowid FROM cases WHERE completed_on {_IN} AND received_on < :s
    UNION SELECT rowid FROM cases WHERE rated_on {_IN} AND received_on < :s
    UNION SELECT rowid FROM cases WHERE accepted_on {_IN} AND received_on < :s
    UNION SELECT rowid FROM cases WHERE refused_on {_IN} AND received_on < :s
    UNION SELECT rowid FROM cases WHERE {_OPEN} AND received_on NOT {_IN})"""


def statistics_sql(dimension: Dimension, window: str | None = None) -> str:
    key = _GROUP[dimension]
    only = " AND holder_window = :w" if window else ""

    def part(which: int, where: str) -> str:
        columns = ", ".join(f"{_MEASURE_SQL[m][which]} AS m{i}" for i, m in enumerate(MEASURES))
        return f"SELECT {key} AS k, {columns} FROM cases WHERE kind = 'case'{only} AND {where} GROUP BY k"

    sums = ", ".join(f"sum(m{i})" for i in range(len(MEASURES)))
    return (
        f"SELECT k, {sums} FROM ({part(1, f'received_on {_IN}')} UNION ALL {part(0, _BEFORE_OR_OPEN)}) "
        f"GROUP BY k ORDER BY k"
    )


def statistics(
    db, start: date, end: date, today: date, dimension: Dimension = Dimension.WINDOW,
    window: str | None = None,
) -> list[StatRow]:
    """Figures per group for the period [start, end] (a sqlite3 connection, or a SQLAlchemy
    session or connection)."""
    params = {"s": start.isoformat(), "e": end.isoformat(), "t": today.isoformat(), "w": window}
    rows = dbapi(db).execute(statistics_sql(dimension, window), params).fetchall()
    return [StatRow(r[0] or "", *(int(v or 0) for v in r[1:])) for r in rows]


_NAMES_SQL = {
    Dimension.WINDOW: "SELECT code, name FROM windows",
    Dimension.CLERK: "SELECT code, name FROM clerks",
    Dimension.ITEM: "SELECT s.code, s.name FROM service_items s "
                    "JOIN catalogue_versions v ON v.version = s.version AND v.current = 1",
}


def group_names(db, dimension: Dimension) -> dict[str, str]:
    """What a person reads for each group key (a window's name, not its code)."""
    sql = _NAMES_SQL.get(dimension)
    return dict(dbapi(db).execute(sql).fetchall()) if sql else {}


def totals(rows: list[StatRow], key: str = "") -> StatRow:
    return StatRow(key, *(sum(getattr(r, m) for r in rows) for m in MEASURES))
