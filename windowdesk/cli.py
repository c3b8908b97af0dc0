"""``windowdesk``: the desk application and its operator commands.

    windowdesk [--db PATH]               open the desk (creates the demo desk on first run)
    windowdesk demo --db PATH            create a demo database with months of history
    windowdesk rebuild --db PATH         replay the case log into the projection
    windowdesk check --db PATH           integrity checks; non-zero exit on any failure
    windowdesk stats --db PATH           figures for a period by window, item, clerk or month
    windowdesk calendar-add FILE --db PATH   install a year's holiday schedule
    windowdesk print FORM --db PATH --out FILE.pdf …   print a form (see ``print --help``)
    windowdesk center show|set --db PATH [--office-name …]   the center settings on the forms
"""

from __future__ import annotations

import argparse
import json
import sys

from windowdesk.core.errors import DomainError
from windowdesk.i18n import _

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
        from windowdesk.commands import cmd_summary

        return cmd_summary(args)
    from windowdesk.ui.app import run_desk

    sign_in = tuple(args.sign_in.split(":", 1)) if args.sign_in else None
    return run_desk(args.db, auto_sign_in=sign_in, quit_when_shown=args.quit_when_shown)


def add_desk_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help=_("database file (default: the per-user data folder)"))
    # for benchmarks and smoke tests: sign in as CODE:PASSWORD, quit once the queue is shown
    parser.add_argument("--sign-in", help=argparse.SUPPRESS)
    parser.add_argument("--quit-when-shown", action="store_true", help=argparse.SUPPRESS)


def build_parser(with_commands: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="windowdesk", description=_("WindowDesk township service desk"))
    add_desk_options(parser)
    if with_commands:
        from windowdesk.commands import add_subcommands

        add_subcommands(parser)
    else:
        parser.set_defaults(command=None)
    return parser


def opens_the_desk(argv: list[str]) -> bool:
    """Whether ``argv`` only opens the desk (no command, no help): then the operator
    commands are not even imported, and the desk starts sooner. The desk's own options
    are read by argparse itself; anything left over is for the full parser to explain."""
    probe = argparse.ArgumentParser(add_help=False, allow_abbrev=False, exit_on_error=False)
    add_desk_options(probe)
    try:
        _known, rest = probe.parse_known_args(argv)
    except argparse.ArgumentError:
        return False  # e.g. --db without its value
    return not rest


def main(argv: list[str] | None = None) -> int:
    if getattr(sys, "frozen", False):  # a PyInstaller build: rebuild's worker processes start here
        import multiprocessing

        multiprocessing.freeze_support()
    argv = sys.argv[1:] if argv is None else argv
    desk_only = opens_the_desk(argv)
    args = build_parser(with_commands=not desk_only).parse_args(argv)
    try:
        if args.command is None:
            return cmd_open(args)
        from windowdesk.commands import COMMANDS

        return COMMANDS[args.command](args)
    except DomainError as exc:
        print(_("Error: {message}").format(message=exc), file=sys.stderr)
        return 2
    except (OSError, json.JSONDecodeError) as exc:
        print(_("Error: {message}").format(message=exc), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
