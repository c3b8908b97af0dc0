"""Statistics as SQL aggregates over the projection (never Python loops over cases)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from windowdesk.core.stats import MEASURES, Dimension, StatRow

_GROUP = {
    Dimension.WINDOW: "holder_window",
    Dimension.ITEM: "item_code",
    Dimension.CLERK: "holder_clerk",
    Dimension.MONTH: "substr(received_on, 1, 7)",
}

# One conditional aggregate per measure; :s and :e bound the period (inclusive), :t is today.
_IN = "BETWEEN :s AND :e"
_MEASURE_SQL = {
    "received": f"received_on {_IN}",
    "accepted": f"accepted_on {_IN}",
    "refused": f"refused_on {_IN}",
    "immediate": f"received_on {_IN} AND immediate = 1",
    "committed": f"received_on {_IN} AND immediate = 0",
    "completed": f"completed_on {_IN}",
    "completed_on_time": f"completed_on {_IN} AND on_time = 1",
    "overdue_now": "status = 'in_progress' AND due_date < :t",
    "in_progress": "status IN ('in_progress', 'suspended')",
    "rated_5": f"rated_on {_IN} AND rating = 5",
    "rated_4": f"rated_on {_IN} AND rating = 4",
    "rated_3": f"rated_on {_IN} AND rating = 3",
    "rated_2": f"rated_on {_IN} AND rating = 2",
    "rated_1": f"rated_on {_IN} AND rating = 1",
}


def statistics_sql(dimension: Dimension, window: str | None = None) -> str:
    parts = []
    for name in MEASURES:
        if name == "workdays_taken":
            parts.append(f"coalesce(sum(CASE WHEN completed_on {_IN} THEN workdays_taken END), 0)")
        else:
            parts.append(f"count(CASE WHEN {_MEASURE_SQL[name]} THEN 1 END)")
    where = "kind = 'case'"
    if window:
        where += " AND holder_window = :w"
    # Only rows that can count in the period or now: keeps the scan to what matters.
    where += (
        " AND (received_on >= :s OR status IN ('in_progress', 'suspended')"
        " OR completed_on >= :s OR rated_on >= :s OR refused_on >= :s)"
    )
    return (
        f"SELECT {_GROUP[dimension]} AS k, {', '.join(parts)} FROM cases WHERE {where} "
        f"GROUP BY k ORDER BY k"
    )


def statistics(
    db, start: date, end: date, today: date, dimension: Dimension = Dimension.WINDOW,
    window: str | None = None,
) -> list[StatRow]:
    """Figures per group for the period [start, end] (a SQLAlchemy session or connection)."""
    params = {"s": start.isoformat(), "e": end.isoformat(), "t": today.isoformat(), "w": window}
    rows = db.execute(text(statistics_sql(dimension, window)), params).all()
    return [StatRow(r[0] or "", *r[1:]) for r in rows]


def totals(rows: list[StatRow], key: str = "") -> StatRow:
    return StatRow(key, *(sum(getattr(r, m) for r in rows) for m in MEASURES))
