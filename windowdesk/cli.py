"""``windowdesk``: the desk application and its operator commands.

    windowdesk [--db PATH]               open the desk (creates the demo desk on first run)
    windowdesk demo --db PATH            create a demo database with months of history
    windowdesk rebuild --db PATH         replay the case log into the projection
    windowdesk check --db PATH           integrity checks; non-zero exit on any failure
    windowdesk stats --db PATH           figures for a period by window, item, clerk or month
    windowdesk calendar-add FILE --db PATH   install a year's holiday schedule
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from windowdesk.core.calendar import YearSchedule
from windowdesk.core.errors import DomainError
from windowdesk.core.lifecycle import Status
from windowdesk.core.stats import Dimension, format_rate
from windowdesk.db.stats import group_names, statistics, totals
from windowdesk.db.store import default_db_path, open_store
from windowdesk.i18n import _
from windowdesk.services.uow import SystemClock, UnitOfWork


def _progress(done: int, total: int) -> None:
    if total:
        print(_("  {done}/{total} events").format(done=done, total=total), file=sys.stderr)


def _print_summary(store) -> None:
    with UnitOfWork(store, write=False) as uow:
        counts = dict(uow.execute("SELECT status, count(*) FROM cases GROUP BY status").all())
        events = uow.execute("SELECT count(*) FROM events").scalar_one()
        windows = uow.execute("SELECT count(*) FROM windows").scalar_one()
        clerks = uow.execute("SELECT count(*) FROM clerks").scalar_one()

    print(_("WindowDesk database: {path}").format(path=store.path))
    print(_("Desk code: {node}; {windows} windows, {clerks} staff accounts").format(
        node=store.node_code, windows=windows, clerks=clerks))
    print(_("{cases} records, {events} events in the case log").format(
        cases=sum(counts.values()), events=events))
    for status in Status:
        if counts.get(status.value):
            print(f"  {status.label}：{counts[status.value]}")


def cmd_demo(args) -> int:
    from windowdesk.demo import build_demo

    path = Path(args.db)
    if path.exists() and path.stat().st_size > 0:
        print(_("{path} already exists; the demo is only created in a new file.").format(path=path), file=sys.stderr)
        return 2
    store = open_store(path, node_code=args.node)
    end = date.fromisoformat(args.today) if args.today else SystemClock().today()
    summary = build_demo(store, end=end, months=args.months, seed=args.seed)
    print(_("Demo history from {start} to {end}: {cases} cases, {inquiries} inquiries.").format(
        start=summary.start, end=summary.end, cases=summary.cases, inquiries=summary.inquiries))
    _print_summary(store)
    store.close()
    return 0


def _has_display() -> bool:
    import os

    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def cmd_open(args) -> int:
    """The desk app on the given or the embedded default database."""
    if not _has_display():
        print(_("No screen is available here (no DISPLAY), so the desk window cannot open; "
                "showing the desk's summary instead."), file=sys.stderr)
        return cmd_summary(args)
    from windowdesk.ui.app import run_desk

    sign_in = tuple(args.sign_in.split(":", 1)) if args.sign_in else None
    return run_desk(args.db, auto_sign_in=sign_in, quit_when_shown=args.quit_when_shown)


def cmd_summary(args) -> int:
    """Make sure the desk database is there (the demo on first start) and summarise it."""
    path = Path(args.db) if args.db else default_db_path()
    if not path.exists() or path.stat().st_size == 0:
        print(_("First start: creating the demo desk at {path} …").format(path=path))
        args.db, args.node, args.months, args.seed, args.today = str(path), "LJ03", 6, 7, None
        return cmd_demo(args)
    store = open_store(path)
    _print_summary(store)
    store.close()
    return 0


def cmd_rebuild(args) -> int:
    from windowdesk.services.maintenance import rebuild_projection

    store = open_store(args.db)
    with UnitOfWork(store) as uow:
        result = rebuild_projection(uow, _progress)
    print(_("Rebuilt {cases} cases from {events} events.").format(cases=result.cases, events=result.events))
    store.close()
    return 0


def cmd_check(args) -> int:
    from windowdesk.services.maintenance import check_store

    store = open_store(args.db, auto_backup=False)
    with UnitOfWork(store, write=False) as uow:
        report = check_store(uow, _progress)
    store.close()
    for warning in report.warnings:
        print(_("Warning: {text}").format(text=warning))
    for problem in report.problems:
        print(_("Problem: {text}").format(text=problem))
    if report.ok:
        print(_("Check passed: {cases} cases, {events} events.").format(cases=report.cases, events=report.events))
        return 0
    print(_("Check failed: {count} problems.").format(count=len(report.problems)))
    return 1


def cmd_stats(args) -> int:
    store = open_store(args.db)
    today = SystemClock().today()
    start = date.fromisoformat(args.start) if args.start else date(today.year, 1, 1)
    end = date.fromisoformat(args.end) if args.end else today
    dimension = Dimension(args.by)
    with UnitOfWork(store, write=False) as uow:
        rows = statistics(uow.dbapi, start, end, today, dimension)
        names = group_names(uow.dbapi, dimension)
    store.close()
    header = [dimension.label, _("Received"), _("Completed"), _("On time"), _("On-time rate"),
              _("Overdue now"), _("Ratings"), _("Satisfaction"), _("Bad ratings")]
    print("\t".join(header))
    for row in rows + [totals(rows, _("Total"))]:
        print("\t".join(str(v) for v in (
            names.get(row.key, row.key), row.received, row.completed, row.completed_on_time, format_rate(row.on_time_rate),
            row.overdue_now, row.ratings, format_rate(row.satisfaction_rate), row.bad_ratings)))
    return 0


def cmd_calendar_add(args) -> int:
    from windowdesk.services.setup import install_calendar_year

    data = json.loads(Path(args.file).read_text(encoding="utf-8"))
    schedule = YearSchedule.from_dict(data)
    store = open_store(args.db)
    with UnitOfWork(store) as uow:
        install_calendar_year(uow, schedule, installed_by="cli")
    store.close()
    print(_("Installed the {year} holiday schedule.").format(year=schedule.year))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="windowdesk", description=_("WindowDesk township service desk"))
    parser.add_argument("--db", help=_("database file (default: the per-user data folder)"))
    # for benchmarks and smoke tests: sign in as CODE:PASSWORD, quit once the queue is shown
    parser.add_argument("--sign-in", help=argparse.SUPPRESS)
    parser.add_argument("--quit-when-shown", action="store_true", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command")
    summary = sub.add_parser("summary", help=_("print the desk's summary (creates the demo desk on first start)"))
    summary.add_argument("--db", default=argparse.SUPPRESS)
    demo = sub.add_parser("demo", help=_("create a demo database with months of history"))
    demo.add_argument("--db", required=True)
    demo.add_argument("--node", default="LJ03", help=_("desk code, e.g. LJ03"))
    demo.add_argument("--months", type=int, default=6)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--today", help=argparse.SUPPRESS)
    for name, helptext in (("rebuild", _("replay the case log into the projection")),
                           ("check", _("run integrity checks"))):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--db", required=True)
    stats = sub.add_parser("stats", help=_("figures for a period"))
    stats.add_argument("--db", required=True)
    stats.add_argument("--from", dest="start")
    stats.add_argument("--to", dest="end")
    stats.add_argument("--by", choices=[d.value for d in Dimension], default="window")
    cal = sub.add_parser("calendar-add", help=_("install a year's holiday schedule from a JSON file"))
    cal.add_argument("file")
    cal.add_argument("--db", required=True)
    return parser


COMMANDS = {
    None: cmd_open,
    "summary": cmd_summary,
    "demo": cmd_demo,
    "rebuild": cmd_rebuild,
    "check": cmd_check,
    "stats": cmd_stats,
    "calendar-add": cmd_calendar_add,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except DomainError as exc:
        print(_("Error: {message}").format(message=exc), file=sys.stderr)
        return 2
    except (OSError, json.JSONDecodeError) as exc:
        print(_("Error: {message}").format(message=exc), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
