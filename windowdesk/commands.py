"""The operator commands of ``windowdesk`` (everything but opening the desk): demo,
summary, rebuild, check, stats, calendar-add, print and center. ``windowdesk.cli``
imports this module only when one of them is asked for, so opening the desk does not
pay for what they import.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import date
from pathlib import Path

from windowdesk.core.calendar import YearSchedule
from windowdesk.core.errors import DomainError, NotFoundError, ValidationError
from windowdesk.core.lifecycle import Status
from windowdesk.core.stats import Dimension, format_rate
from windowdesk.county.cli import add_county_parser, run_county
from windowdesk.db.stats import group_names, statistics, totals
from windowdesk.db.store import default_db_path, open_store
from windowdesk.i18n import N_, _
from windowdesk.services.uow import SystemClock, UnitOfWork
from windowdesk.sync import commands as sync_commands


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


def _existing_store(db: str):
    path = Path(db)
    if not path.is_file() or path.stat().st_size == 0:
        raise NotFoundError(_("There is no WindowDesk database at {path}.").format(path=path))
    return open_store(path)


def _day_option(value: str | None, option: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationError(
            _("{option} {value} is not a date: write it as YYYY-MM-DD, for example 2026-11-01.").format(
                option=option, value=value)
        ) from None


_PRINT_NEEDS = {"book": ("--from", "--to"), "guide": ("--item",)}


def _build_sheet(uow, args):
    """The sheet of the form asked for; a case's print is recorded, not yet committed."""
    from windowdesk.services import printing, printing_book

    if args.form == "book":
        return printing_book.registration_book(
            uow, window=args.window.strip().upper() if args.window else None, first_day=_day_option(args.start, "--from"),
            last_day=_day_option(args.end, "--to"))
    if args.form == "guide":
        return printing_book.service_guide(uow, (args.item or "").strip().upper())
    actor = printing.print_actor(uow, args.case, args.clerk)
    return printing.CASE_FORMS[args.form](uow, actor, args.case, commit=False)


def _write_atomically(out: Path, data: bytes) -> Path:
    """``data`` into a temporary file beside ``out`` (renamed over it by the caller)."""
    from windowdesk.printing.render import give_usual_mode

    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    give_usual_mode(fd)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return Path(name)


def cmd_print(args) -> int:
    """A form to a PDF file. The case's print is committed to its log only once the PDF
    is written, and the file appears only then (a failure leaves neither)."""
    from windowdesk.printing.sheets import FormKind
    from windowdesk.services.printing import form_title

    form = FormKind(args.form)
    needs = _PRINT_NEEDS.get(args.form, ("--case",))
    missing = [o for o in needs if not getattr(args, {"--from": "start", "--to": "end"}.get(o, o[2:]))]
    if missing:
        raise ValidationError(_("Printing the {form} needs {options}.").format(
            form=form_title(form), options=" ".join(missing)))
    out = Path(args.out).expanduser()
    if not out.parent.is_dir():
        raise NotFoundError(_("The folder {folder} does not exist.").format(folder=out.parent))
    try:
        from windowdesk.printing.render import render
    except ImportError as exc:
        raise NotFoundError(_("The form renderer is not available: {error}").format(error=exc)) from exc

    store = _existing_store(args.db)
    temporary = None
    try:
        with UnitOfWork(store) as uow:
            sheet = _build_sheet(uow, args)
            try:
                data = render(sheet)
            except DomainError:
                raise
            except Exception as exc:  # the layout failed: nothing is recorded or written
                raise ValidationError(_("The {form} could not be laid out: {error}").format(
                    form=form_title(form), error=exc)) from exc
            temporary = _write_atomically(out, data)
            uow.commit()
        os.replace(temporary, out)
        temporary = None
    finally:
        store.close()
        if temporary is not None:
            temporary.unlink(missing_ok=True)
    mark = getattr(sheet, "mark", None)
    key = N_("Reprinted the {form} to {path}.") if mark and mark.reprint else N_("Printed the {form} to {path}.")
    print(_(key).format(form=form_title(form), path=out))
    return 0


def cmd_center(args) -> int:
    """Show the center settings, or change some of them as an administrator."""
    from windowdesk.services.center import FIELDS, center_info, label, set_center_info

    store = _existing_store(args.db)
    try:
        with UnitOfWork(store) as uow:
            if args.action == "set":
                values = {n: getattr(args, n) for n in FIELDS if getattr(args, n) is not None}
                clerk = args.clerk or _sole_admin(uow)
                info = set_center_info(uow, clerk, values)
            else:
                info = center_info(uow)
    finally:
        store.close()
    unset = _("(not set)")
    for name in FIELDS:
        value = getattr(info, name)
        print(f"{label(name)}：{value if str(value).strip() else unset}")
    return 0


def _sole_admin(uow) -> str:
    rows = uow.execute("SELECT code FROM clerks WHERE role = 'admin' AND active = 1 ORDER BY code").all()
    if len(rows) != 1:
        raise ValidationError(_("Say which administrator makes the change, with --clerk CODE."))
    return rows[0][0]


def add_print_parser(sub) -> None:
    from windowdesk.printing.sheets import FormKind

    p = sub.add_parser(
        "print", help=_("print a form to a PDF file"),
        description=_("Print a form to a PDF file. Case forms (acceptance, one-time-notice, refusal, satisfaction) "
                      "need --case and are recorded in the case's history; book needs --from and --to (and "
                      "--window for one window's book); guide needs --item."))
    p.add_argument("form", choices=[k.value for k in FormKind])
    p.add_argument("--db", required=True)
    p.add_argument("--out", required=True, help=_("the PDF file to write"))
    p.add_argument("--case", help=_("case number, e.g. LJ03-20261120-0001"))
    p.add_argument("--clerk", help=_("the clerk the print is recorded as (default: the clerk holding the case, "
                                      "at the case's window; a supervisor may print any case)"))
    p.add_argument("--window", help=_("window code of the book (default: every window)"))
    p.add_argument("--from", dest="start", help=_("first day received, YYYY-MM-DD"))
    p.add_argument("--to", dest="end", help=_("last day received, YYYY-MM-DD"))
    p.add_argument("--item", help=_("service item code of the guide"))


def add_center_parser(sub) -> None:
    from windowdesk.services.center import FIELDS, label

    p = sub.add_parser("center", help=_("show or change the center settings printed on the forms"))
    p.add_argument("action", choices=["show", "set"])
    p.add_argument("--db", required=True)
    p.add_argument("--clerk", help=_("the administrator making the change (default: the only administrator)"))
    for name in FIELDS:
        p.add_argument("--" + name.replace("_", "-"), dest=name, help=label(name))




def add_subcommands(parser) -> None:
    """The operator commands' parsers, under ``parser``."""
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
    add_print_parser(sub)
    add_center_parser(sub)
    add_county_parser(sub)
    sync_commands.add_parsers(sub)


COMMANDS = {
    "summary": cmd_summary,
    "demo": cmd_demo,
    "rebuild": cmd_rebuild,
    "check": cmd_check,
    "stats": cmd_stats,
    "calendar-add": cmd_calendar_add,
    "print": cmd_print,
    "center": cmd_center,
    "county": run_county,
    **sync_commands.COMMANDS,
}


