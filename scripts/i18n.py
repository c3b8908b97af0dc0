"""Keep the zh_CN catalogue in step with the source.

    python scripts/i18n.py update   # extract _()/N_() strings, merge into the .po
    python scripts/i18n.py compile  # write the .mo the app loads

Translations waiting to be merged may be dropped into ``i18n-pending/*.tsv``
(msgid TAB msgstr per line); ``update`` merges them (delete them once merged).
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "resources/locale/zh_CN/LC_MESSAGES/windowdesk.po"
MO = PO.with_suffix(".mo")
PENDING = ROOT / "i18n-pending"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def extract() -> Catalog:
    catalog = Catalog(project="WindowDesk", locale="zh_CN", domain="windowdesk")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT / "windowdesk"), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        catalog.add(message, locations=[(f"windowdesk/{filename}", lineno)], auto_comments=comments)
    return catalog


def load_po() -> Catalog:
    if not PO.exists():
        return Catalog(locale="zh_CN", domain="windowdesk")
    with open(PO, "rb") as fh:
        return read_po(fh, locale="zh_CN", domain="windowdesk")


def update() -> int:
    fresh = extract()
    old = load_po()
    known = {m.id: m.string for m in old if m.id and m.string}
    for tsv in sorted(PENDING.glob("*.tsv")) if PENDING.exists() else []:
        for line in tsv.read_text(encoding="utf-8").splitlines():
            if "\t" in line:
                msgid, msgstr = line.split("\t", 1)
                if msgstr.strip():
                    known[msgid] = msgstr
    missing = []
    for message in fresh:
        if not message.id:
            continue
        message.string = known.get(message.id, "")
        if not message.string:
            missing.append(message.id)
    fresh.locale = old.locale
    PO.parent.mkdir(parents=True, exist_ok=True)
    with open(PO, "wb") as fh:
        write_po(fh, fresh, width=100, sort_output=False, omit_header=False)
    for msgid in missing:
        print(f"untranslated: {msgid}")
    print(f"{len(fresh) - 1} messages, {len(missing)} untranslated -> {PO.relative_to(ROOT)}")
    return 1 if missing else 0


def compile_mo() -> int:
    catalog = load_po()
    with open(MO, "wb") as fh:
        write_mo(fh, catalog)
    print(f"compiled {MO.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    action = sys.argv[1] if len(sys.argv) > 1 else "update"
    sys.exit({"update": update, "compile": compile_mo}[action]())
