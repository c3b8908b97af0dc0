"""One-time notice rules (pure)."""

from __future__ import annotations

import pytest

from windowdesk.core.catalogue import Catalogue
from windowdesk.core.errors import NotFoundError, RuleViolation, ValidationError
from windowdesk.core.notices import (
    NoticeRequest,
    ReceivedMaterial,
    build_notice,
    check_later_notice,
    check_received,
    merge_received,
    missing_materials,
    new_demands,
)

ITEM = Catalogue.bundled().item("MZ-GF-0001")  # M02/M03 need original + 1 copy; M07 a copy only


def received(*recs):
    return {r.code: r for r in recs}


def test_missing_takes_the_form_into_account():
    got = received(ReceivedMaterial("M01", True, 0), ReceivedMaterial("M02", True, 0),
                   ReceivedMaterial("M03", False, 1), ReceivedMaterial("M07", False, 1))
    assert missing_materials(ITEM, got) == ("M02", "M03", "M04", "M05")
    assert "M06" not in missing_materials(ITEM, {})  # optional materials are never "missing"


def test_supplements_merge_originals_and_copies():
    merged = merge_received(received(ReceivedMaterial("M02", True, 0)), [ReceivedMaterial("M02", False, 1)])
    assert merged["M02"] == ReceivedMaterial("M02", True, 1)


def test_notice_lists_every_missing_material_plus_defects_and_additions():
    notice = build_notice(ITEM, received(ReceivedMaterial("M01", True, 0)), defective=["M01"],
                          additions=[" 村委会意见 ", "村委会意见", ""])
    assert notice.materials == ("M01", "M02", "M03", "M04", "M05", "M07")
    assert notice.additions == ("村委会意见",)
    with pytest.raises(NotFoundError):
        build_notice(ITEM, {}, defective=["M99"])


def test_an_empty_notice_is_refused():
    complete = {m.code: ReceivedMaterial(m.code, True, m.copies) for m in ITEM.materials}
    with pytest.raises(ValidationError):
        build_notice(ITEM, complete)


def test_later_notice_may_repeat_but_not_add():
    first = NoticeRequest(("M02", "M03"), ("村委会意见",))
    assert new_demands(first, NoticeRequest(("M03",))).empty
    assert not check_later_notice("X", ITEM, first, NoticeRequest(("M02",), ("村委会意见",)), None)
    with pytest.raises(RuleViolation) as info:
        check_later_notice("LJ03-1", ITEM, first, NoticeRequest(("M02", "M05"), ("收入证明",)), None)
    assert ITEM.material("M05").name in str(info.value) and "收入证明" in str(info.value)
    assert check_later_notice("X", ITEM, first, NoticeRequest(("M05",)), "签字页缺失")


def test_received_materials_are_checked_against_the_checklist():
    with pytest.raises(NotFoundError):
        check_received(ITEM, [ReceivedMaterial("M42", True, 0)])
    with pytest.raises(ValidationError):
        check_received(ITEM, [ReceivedMaterial("M01", True, 0), ReceivedMaterial("M01", True, 0)])
    with pytest.raises(ValidationError):
        check_received(ITEM, [ReceivedMaterial("M01", False, 0)])
