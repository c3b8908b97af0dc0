"""Sample PDFs of every printed form, made from a fresh demo desk.

    .venv/bin/python scripts/sample_forms.py [--out docs/forms]

Builds a six-month demo desk ending on a fixed day, picks a real case for each form
(accepted and deemed accepted, given a one-time notice, refused, completed), and writes
the forms as the desk prints them, with the registration book of the whole center for a month
and the service guide of 最低生活保障. Nothing is recorded: these are previews.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path

os.environ["TZ"] = "Asia/Shanghai"  # dates as a township office sees them
if hasattr(__import__("time"), "tzset"):
    __import__("time").tzset()

from windowdesk.db.store import open_store  # noqa: E402
from windowdesk.demo import build_demo  # noqa: E402
from windowdesk.printing.render import render_to_file  # noqa: E402
from windowdesk.printing.sheets import FormKind  # noqa: E402
from windowdesk.services import printing, printing_book  # noqa: E402
from windowdesk.services.printing_parts import print_actor  # noqa: E402
from windowdesk.services.uow import UnitOfWork  # noqa: E402

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 8, 30, tzinfo=timezone.utc)  # 16:30 at the center
ROOT = Path(__file__).resolve().parent.parent

# (file name, form, SQL choosing the case: the richest one of its kind)
CASES = (
    ("acceptance", FormKind.ACCEPTANCE,
     "SELECT case_number FROM cases WHERE accepted_on IS NOT NULL AND NOT deemed_accepted AND NOT immediate "
     "ORDER BY length(received_materials) DESC, case_number DESC LIMIT 1"),
    ("acceptance-deemed", FormKind.ACCEPTANCE,
     "SELECT case_number FROM cases WHERE deemed_accepted ORDER BY case_number DESC LIMIT 1"),
    ("one-time-notice", FormKind.ONE_TIME_NOTICE,
     "SELECT case_number FROM cases WHERE notice_count > 0 "
     "ORDER BY length(notice_materials) + length(notice_additions) DESC, case_number DESC LIMIT 1"),
    ("refusal", FormKind.REFUSAL,
     "SELECT case_number FROM cases WHERE refused_on IS NOT NULL AND refusal_redirect != '' "
     "ORDER BY case_number DESC LIMIT 1"),
    ("satisfaction", FormKind.SATISFACTION,
     "SELECT case_number FROM cases WHERE completed_on IS NOT NULL AND NOT immediate "
     "ORDER BY case_number DESC LIMIT 1"),
)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "forms")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "demo.sqlite", node_code="LJ03")
        try:
            build_demo(store, end=TODAY, months=6)
            with UnitOfWork(store) as uow:
                for name, form, sql in CASES:
                    row = uow.execute(sql).first()
                    if row is None:
                        print(f"no demo case for {name}", file=sys.stderr)
                        return 1
                    number = row[0]
                    actor = print_actor(uow, number)
                    sheet = printing.CASE_FORMS[form](uow, actor, number, now=NOW, record=False)
                    print(f"{name}: {number} -> {render_to_file(sheet, args.out / f'{name}.pdf')}")
                book = printing_book.registration_book(
                    uow, window=None, first_day=date(2026, 10, 1), last_day=date(2026, 10, 31), now=NOW)
                print(f"book: {len(book.lines)} lines -> {render_to_file(book, args.out / 'book.pdf')}")
                guide = printing_book.service_guide(uow, "MZ-GF-0001")
                print(f"guide -> {render_to_file(guide, args.out / 'guide.pdf')}")
        finally:
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
