"""``windowdesk county …``: the county administrator's commands.

    windowdesk county init --database URL           apply the migrations, load the bundled reference data
    windowdesk county townships --database URL      one township per line, code first
    windowdesk county add-township --code QS --name 青石镇
    windowdesk county enroll-code --township QS --kind window|village [--label TEXT] [--qr FILE.png]
    windowdesk county demo --database URL           the demo county (two townships, their staff)
    windowdesk county revoke --node QS01

``--database`` defaults to ``$WINDOWDESK_COUNTY_DATABASE``. This module is imported
whenever the operator commands are (to build their parser), so it imports nothing heavy
at the top: SQLAlchemy and the county's modules come in when a county command runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from windowdesk.core.errors import NotFoundError, ValidationError
from windowdesk.i18n import N_, _

ENV_DATABASE = "WINDOWDESK_COUNTY_DATABASE"
KIND_LABELS = {"window": N_("window desk"), "village": N_("village point")}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def cmd_init(session, args) -> list[str]:
    from windowdesk.county import reference
    from windowdesk.county.db import head_revision, shown

    changed = reference.load_bundled(session, now=_now())
    catalogue = reference.get_document(session, "catalogue")
    years = [str(y["year"]) for y in reference.get_document(session, "calendar", [])]
    lines = [_("County database ready: {url} (schema {revision}).").format(url=shown(args.database),
                                                                          revision=head_revision())]
    if changed:
        lines.append(_("Loaded the bundled catalogue and holiday schedules."))
    lines.append(_("Catalogue version {version}; holiday schedules for {years}; {count} townships.").format(
        version=catalogue["version"], years="、".join(years), count=len(reference.townships(session))))
    return lines


def cmd_townships(session, args) -> list[str]:
    from windowdesk.county import reference

    found = reference.townships(session)
    if not found:
        print(_("The county has no townships yet; add one with windowdesk county add-township --code CODE "
                "--name NAME."), file=sys.stderr)
    return [f"{code} {name}" for code, name in found]


def cmd_add_township(session, args) -> list[str]:
    from windowdesk.county import reference

    added = reference.add_township(session, args.code, args.name, now=_now())
    return [_("Added township {name} ({code}).").format(name=added.name, code=added.code)]


def _write_qr(code: str, path: str) -> Path:
    import segno

    out = Path(path).expanduser()
    if not out.parent.is_dir():
        raise NotFoundError(_("The folder {folder} does not exist.").format(folder=out.parent))
    segno.make(code, micro=False, error="m").save(str(out), kind="png", scale=10, border=4)
    return out


def cmd_enroll_code(session, args) -> list[str]:
    from windowdesk.county import enrollment, reference

    now = _now()
    code = enrollment.issue_enroll_code(session, township=args.township, kind=args.kind, label=args.label or "",
                                        now=now)
    place = reference.township(session, args.township)
    lines = [
        _("Enrollment code for one {kind} of {name} ({township}), valid until {time} (72 hours), for one desk only:")
        .format(kind=_(KIND_LABELS[args.kind]), name=place.name, township=place.code,
                time=_local(now + enrollment.VALID_FOR)),
        _("Type it at the desk: windowdesk enroll --db PATH --server URL --code CODE, or from the desk's tools menu."),
    ]
    if args.qr:  # written before the code is committed: a failure issues no code
        lines.append(_("QR code of the enrollment code written to {path}.").format(path=_write_qr(code, args.qr)))
    return [*lines, code]


def cmd_demo(session, args) -> list[str]:
    from windowdesk.county.demo import build_demo_county
    from windowdesk.demo import DEMO_PASSWORD

    built = build_demo_county(session, now=_now())
    lines = [_("Demo county built: the bundled catalogue and holiday schedules, and {count} townships:").format(
        count=len(built))]
    lines += [_("  {code} {name}: {staff} staff accounts").format(code=t.code, name=t.name, staff=t.staff)
              for t in built]
    lines.append(_("Every demo account's password is {password}.").format(password=DEMO_PASSWORD))
    lines.append(_("Next: windowdesk county enroll-code --township {code} --kind window").format(code=built[0].code))
    return lines


def cmd_revoke(session, args) -> list[str]:
    from windowdesk.county import enrollment

    node = enrollment.revoke(session, args.node, _now())
    return [_("Desk {node} ({township}, {kind}) is revoked since {time}: the county refuses its requests.").format(
        node=node.code, township=node.township, kind=_(KIND_LABELS.get(node.kind, node.kind)),
        time=_local(node.revoked_at))]


def cmd_calendar_add(session, args) -> list[str]:
    import json

    from windowdesk.county import reference

    try:
        data = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValidationError(_("{path} is not a holiday schedule file (JSON): {error}").format(
            path=args.file, error=exc)) from exc
    year = reference.install_calendar_year(session, data, now=_now())
    return [_("Installed the {year} holiday schedule; every desk of the county takes it at its next sync.").format(
        year=year)]


def cmd_held(session, args) -> list[str]:
    from windowdesk.county import quarantine

    found = quarantine.held(session.connection(), args.township)
    if not found:
        return [_("No event is held back.")]
    return [f"{h.event_id} {h.township} {h.node} {h.type} {_local(h.received_at)} {h.reason_text}" for h in found]


def cmd_release(session, args) -> list[str]:
    from windowdesk.county import quarantine

    outcomes = quarantine.release(session.connection(), args.event, _now())
    return [_("Event {event}: {status}").format(event=o.event_id, status=quarantine.outcome_label(o))
            for o in outcomes]


def cmd_reject(session, args) -> list[str]:
    from windowdesk.county import quarantine

    quarantine.reject(session.connection(), args.event, _now())
    return [_("{event} stays held back for good.").format(event=args.event)]


HANDLERS = {
    "calendar-add": cmd_calendar_add,
    "held": cmd_held,
    "release": cmd_release,
    "reject": cmd_reject,
    "init": cmd_init,
    "townships": cmd_townships,
    "add-township": cmd_add_township,
    "enroll-code": cmd_enroll_code,
    "demo": cmd_demo,
    "revoke": cmd_revoke,
}


def run_county(args) -> int:
    """Run one ``windowdesk county`` command of ``HANDLERS`` in one transaction and print
    its lines once it is committed. Errors are ``DomainError``s (``windowdesk.cli`` prints
    them). A subcommand added with ``set_defaults(county_run=function)`` is called with
    ``args`` instead (``--database`` resolved), to run as it likes."""
    args.database = args.database or os.environ.get(ENV_DATABASE, "")
    if not args.database.strip():
        raise ValidationError(_("Say which county database to use: --database URL, or set {env}.").format(
            env=ENV_DATABASE))
    own = getattr(args, "county_run", None)
    if own is not None:  # a command that manages its database itself (set_defaults(county_run=…))
        return own(args)
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    from windowdesk.county.db import database_error, open_county

    engine = open_county(args.database)
    try:
        with Session(engine) as session, session.begin():
            lines = HANDLERS[args.county_command](session, args)
    except SQLAlchemyError as exc:
        raise database_error(exc, args.database) from None
    finally:
        engine.dispose()
    for line in lines:
        print(line)
    return 0


def _serve(args) -> int:
    from windowdesk.county.serve import serve

    serve(args.database, args.listen, args.cert, args.key)
    return 0


def add_county_parser(sub) -> None:
    """``county`` and its subcommands, under the operator commands' ``sub``."""
    county = sub.add_parser("county", help=_("the county server's administration (townships, enrollment codes)"))
    commands = county.add_subparsers(dest="county_command", required=True, metavar="COMMAND")

    def command(name: str, helptext: str) -> argparse.ArgumentParser:
        p = commands.add_parser(name, help=helptext)
        p.add_argument("--database", metavar="URL", help=_(
            "the county's PostgreSQL database, e.g. postgresql://user@host/county "
            "(default: $WINDOWDESK_COUNTY_DATABASE)"))
        return p

    command("init", _("apply the county's migrations and load the bundled catalogue and holiday schedules"))
    command("townships", _("list the townships, one per line, code first"))
    p = command("add-township", _("register a township"))
    p.add_argument("--code", required=True, help=_("2 to 6 capital letters or digits, e.g. QS"))
    p.add_argument("--name", required=True, help=_("the township's name"))
    p = command("enroll-code", _("issue a single-use enrollment code for one desk (valid 72 hours)"))
    p.add_argument("--township", required=True, help=_("the township's code"))
    p.add_argument("--kind", required=True, choices=("window", "village"),
                   help=_("window: a window PC of the hall; village: a village proxy point"))
    p.add_argument("--label", default="", help=_("a note to recognise the desk by, e.g. its window or village"))
    p.add_argument("--qr", metavar="FILE.png", help=_("also write the code as a QR code image"))
    command("demo", _("fill an empty county with the demo: two townships and their staff (password demo123)"))
    p = command("revoke", _("shut a desk out: its requests are refused from now on"))
    p.add_argument("--node", required=True, help=_("the desk's code, e.g. QS01"))
    p = command("calendar-add", _("install a year's holiday schedule for every desk of the county"))
    p.add_argument("file", help=_("the schedule, a JSON file like resources/calendar/cn-2026.json"))
    p = command("held", _("list the events the county holds back, for review"))
    p.add_argument("--township", help=_("only this township's"))
    for name, helptext in (("release", _("apply a held event after review")),
                           ("reject", _("keep a held event out for good"))):
        p = command(name, helptext)
        p.add_argument("--event", required=True, help=_("the event's id, as listed by held"))
    p = command("serve", _("run the county server (HTTP on 127.0.0.1, or HTTPS with --cert and --key)"))
    p.add_argument("--listen", default="127.0.0.1:8650", metavar="HOST:PORT")
    p.add_argument("--cert", metavar="FILE.pem", help=_("the server's TLS certificate"))
    p.add_argument("--key", metavar="FILE.pem", help=_("the certificate's private key"))
    p.set_defaults(county_run=_serve)
