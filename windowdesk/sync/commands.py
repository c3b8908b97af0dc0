"""``windowdesk enroll`` and ``windowdesk sync``: the desk's sync from the command line."""

from __future__ import annotations

from windowdesk.db.store import open_store
from windowdesk.i18n import _


def add_parsers(sub) -> None:
    p = sub.add_parser("enroll", help=_("enroll a new desk with the county server (once)"))
    p.add_argument("--db", required=True)
    p.add_argument("--server", required=True, help=_("the county server, e.g. https://county.example:8650"))
    p.add_argument("--code", required=True, help=_("the single-use enrollment code from the county"))
    p = sub.add_parser("sync", help=_("exchange the case log with the county once (or show the state)"))
    p.add_argument("--db", required=True)
    what = p.add_mutually_exclusive_group()
    what.add_argument("--status", action="store_true", help=_("only show the sync state"))
    what.add_argument("--export", metavar="FILE", help=_(
        "write the events not yet sent to a signed file, to carry to a desk of the township"))
    what.add_argument("--import", dest="import_file", metavar="FILE", help=_(
        "take in a sync file carried from a desk with no network; it is forwarded at the next round"))


def describe(status) -> list[str]:
    if not status.enrolled:
        return [_("This desk is not enrolled with a county server; it works on its own.")]
    lines = [
        _("County server: {server}").format(server=status.server),
        _("Desk {node} of township {township} ({kind})").format(
            node=status.node, township=status.township,
            kind=_("village proxy point") if status.kind == "village" else _("window desk")),
        _("Waiting to send: {count} events").format(count=status.waiting),
    ]
    if status.held:
        lines.append(_("Held back by the county (see the supervisor): {count} events").format(count=status.held))
    if status.last_ok_at:
        lines.append(_("Last in step: {time}").format(time=status.last_ok_at.astimezone().strftime("%Y-%m-%d %H:%M")))
    if status.last_error:
        lines.append(_("Last problem: {error}").format(error=status.last_error))
    if abs(status.clock_offset_ms) > 5 * 60 * 1000:
        lines.append(_("This PC's clock is off by {minutes} minutes from the county's.").format(
            minutes=round(status.clock_offset_ms / 60000)))
    return lines


def cmd_enroll(args) -> int:
    from windowdesk.sync.engine import enroll_desk

    store = open_store(args.db)
    try:
        status = enroll_desk(store, args.server, args.code)
    finally:
        store.close()
    print(_("Enrolled: this desk is {node} of township {township}.").format(node=status.node, township=status.township))
    return 0


def _carry(store, args) -> int:
    from pathlib import Path

    from windowdesk.services import sync_files
    from windowdesk.services.uow import UnitOfWork

    if args.export:
        with UnitOfWork(store, write=False) as uow:
            exported = sync_files.export_outbox(uow)
        if not exported.events:
            print(_("Nothing is waiting to be sent: no file was written."))
            return 0
        target = Path(args.export)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(exported.data)
        tmp.replace(target)
        print(_("{count} events written to {path}: carry it to any desk of the township.").format(
            count=exported.events, path=target))
        return 0
    with UnitOfWork(store) as uow:
        imported = sync_files.import_file(uow, Path(args.import_file).read_bytes())
    if imported.new:
        print(_("{count} events of desk {node} taken in; they go to the county at the next sync.").format(
            count=imported.events, node=imported.node))
    else:
        print(_("This sync file was taken in before."))
    return 0


def cmd_sync(args) -> int:
    from windowdesk.services import sync
    from windowdesk.services.uow import UnitOfWork
    from windowdesk.sync.engine import run_round

    store = open_store(args.db)
    if args.export or args.import_file:
        try:
            return _carry(store, args)
        finally:
            store.close()
    try:
        with UnitOfWork(store, write=False) as uow:
            status = sync.status(uow)
        if args.status or not status.enrolled:
            print("\n".join(describe(status)))
            return 0 if status.enrolled or args.status else 1
        result = run_round(store)
        with UnitOfWork(store, write=False) as uow:
            status = sync.status(uow)
    finally:
        store.close()
    print(_("Sent {sent} events, received {received}.").format(sent=result.sent, received=result.received))
    print("\n".join(describe(status)))
    return 0 if result.in_step and not result.error and status.waiting == 0 else 1


COMMANDS = {"enroll": cmd_enroll, "sync": cmd_sync}
