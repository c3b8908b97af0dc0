"""Every user-visible string has a zh_CN translation, and the app speaks Chinese."""

from __future__ import annotations

import gettext
import importlib.util
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("i18n_tool", ROOT / "scripts" / "i18n.py")
i18n_tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(i18n_tool)

PLACEHOLDER = re.compile(r"\{(\w*)\}")
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def po():
    with open(i18n_tool.PO, "rb") as fh:
        return read_po(fh)


@pytest.fixture(scope="module")
def source_messages():
    return {m.id: m for m in i18n_tool.extract() if m.id}


def test_every_marked_string_has_a_translation(po, source_messages):
    translated = {m.id: m.string for m in po if m.id and m.string}
    missing = sorted(set(source_messages) - set(translated))
    assert not missing, "untranslated (run scripts/i18n.py update):\n" + "\n".join(missing)


def test_translations_keep_their_placeholders(po):
    bad = [
        m.id for m in po
        if m.id and sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))
    ]
    assert not bad, bad


def test_translations_are_chinese_and_sources_are_english(po, source_messages):
    assert not [m for m in source_messages if CJK.search(m)]
    assert not [m.id for m in po if m.id and not CJK.search(m.string)]


def test_compiled_catalogue_matches_the_po(po):
    with open(i18n_tool.MO, "rb") as fh:
        mo = gettext.GNUTranslations(fh)
    stale = [m.id for m in po if m.id and m.string and mo.gettext(m.id) != m.string]
    assert not stale, "run scripts/i18n.py compile; stale: " + ", ".join(stale[:5])


def test_the_app_speaks_chinese_by_default():
    import os
    import subprocess
    import sys

    code = (
        "from windowdesk.core.lifecycle import Status, Action, check_allowed\n"
        "print(Status.RECEIVED.label)\n"
        "try:\n"
        "    check_allowed('LJ03-20260302-0001', Status.COMPLETED, Action.ACCEPT)\n"
        "except ValueError as e:\n"
        "    print(e)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "WINDOWDESK_LANG"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    label, message = out.splitlines()
    assert label == "已收件"
    assert "LJ03-20260302-0001" in message and "已办结" in message and "受理" in message


def test_vocabularies_sharing_a_value_keep_their_own_labels():
    from windowdesk.core.codes import Delivery, Role
    from windowdesk.core.deadlines import WarningLevel
    from windowdesk.core.lifecycle import Action, Status
    from windowdesk.core.stats import Dimension

    assert Role.AGENT == Delivery.AGENT == "agent"
    assert Role.AGENT.label != Delivery.AGENT.label
    for enum in (Role, Delivery, Status, Action, WarningLevel, Dimension):
        assert all(member.label for member in enum)
