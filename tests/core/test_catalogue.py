"""The service-item catalogue (事项目录): the bundled data and the checks on loading it."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest

from windowdesk.core.catalogue import (
    Catalogue,
    CatalogueError,
    ItemKind,
    ItemType,
    Material,
    ServiceItem,
    load_catalogue,
)
from windowdesk.core.errors import NotFoundError, ValidationError
from windowdesk.paths import resources_dir


@pytest.fixture(scope="module")
def bundled() -> Catalogue:
    return Catalogue.bundled()


def _raw_bundled() -> dict:
    path = resources_dir() / "catalogue" / "township.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _small() -> dict:
    """A minimal valid catalogue: two windows, one promised and one immediate item."""
    def material(code: str, **extra: object) -> dict:
        return {"code": code, "name": f"材料{code}", "required": True, "original": True,
                "copy": True, "copies": 1, "notes": "", "source": "申请人自备", **extra}

    def item(code: str, window: str, kind: str, statutory: int, committed: int) -> dict:
        return {
            "code": code, "name": f"事项{code}", "type": "benefit", "department": "县民政局",
            "window": window, "kind": kind, "statutory_limit": statutory,
            "committed_limit": committed,
            "special_procedures": [{"name": "公示", "limit": 7}],
            "conditions": ["本县户籍"], "legal_basis": ["《社会救助暂行办法》第九条"],
            "fees": "不收费", "proxy_allowed": True, "location": "便民服务中心",
            "phone": "0736-7212301", "supervision_phone": "0736-7212345",
            "procedure": ["申请", "受理", "审核"],
            "materials": [material("M01"), material("M02", required=False)],
        }

    return {
        "catalogue": {"version": "T1", "published": "2026-01-10", "publisher": "测试县"},
        "windows": [{"code": "MZ", "name": "民政窗口", "department": "镇民政办"},
                    {"code": "SB", "name": "社会保障窗口", "department": "镇社保所"}],
        "items": [item("MZ-T-0001", "MZ", "promised", 30, 20),
                  item("SB-T-0001", "SB", "immediate", 0, 0)],
    }


# --- the bundled catalogue ---------------------------------------------------------------

def test_bundled_catalogue_loads(bundled: Catalogue) -> None:
    assert bundled.version == "2026.1"
    assert bundled.published == date(2026, 1, 10)
    assert bundled.publisher
    assert len(bundled.items) >= 15
    assert len(bundled.windows) >= 8
    assert isinstance(bundled.items, tuple) and isinstance(bundled.windows, tuple)


def test_bundled_items_keep_file_order(bundled: Catalogue) -> None:
    assert [i.code for i in bundled.items] == [i["code"] for i in _raw_bundled()["items"]]


def test_bundled_every_item_window_exists(bundled: Catalogue) -> None:
    codes = {w.code for w in bundled.windows}
    assert all(item.window in codes for item in bundled.items)
    for window in bundled.windows:
        assert bundled.window(window.code) is window


def test_bundled_limits_are_consistent(bundled: Catalogue) -> None:
    for item in bundled.items:
        assert 0 <= item.committed_limit <= item.statutory_limit, item.code
        if item.kind is ItemKind.IMMEDIATE:
            assert item.committed_limit == 0, item.code
        else:
            assert item.committed_limit >= 1, item.code
        assert all(p.limit >= 1 for p in item.special_procedures), item.code


def test_bundled_has_a_mix_of_items(bundled: Catalogue) -> None:
    kinds = {item.kind for item in bundled.items}
    types = {item.type for item in bundled.items}
    assert kinds == set(ItemKind)
    assert ItemType.LICENSING in types and ItemType.BENEFIT in types
    assert any(item.special_procedures for item in bundled.items)
    for item in bundled.items:
        assert 2 <= len(item.materials) <= 8, item.code
        assert item.required_material_codes(), item.code
        assert item.legal_basis and item.conditions and item.procedure, item.code
    assert any(not m.required for item in bundled.items for m in item.materials)


def test_bundled_codes_are_unique(bundled: Catalogue) -> None:
    codes = [item.code for item in bundled.items]
    assert len(codes) == len(set(codes))
    for item in bundled.items:
        material_codes = [m.code for m in item.materials]
        assert len(material_codes) == len(set(material_codes)), item.code


# --- lookups -----------------------------------------------------------------------------

def test_item_lookup(bundled: Catalogue) -> None:
    first = bundled.items[0]
    assert bundled.item(first.code) is first


def test_unknown_item_names_the_code(bundled: Catalogue) -> None:
    with pytest.raises(NotFoundError) as err:
        bundled.item("XX-NOPE-9999")
    assert "XX-NOPE-9999" in str(err.value)


def test_unknown_window_names_the_code(bundled: Catalogue) -> None:
    with pytest.raises(NotFoundError) as err:
        bundled.window("ZZ")
    assert "ZZ" in str(err.value)


def test_material_lookup_and_required_codes() -> None:
    item = load_catalogue(_small()).item("MZ-T-0001")
    assert item.material("M02") == Material(code="M02", name="材料M02", required=False,
                                            original=True, copy=True, copies=1, notes="",
                                            source="申请人自备")
    assert item.required_material_codes() == ("M01",)
    with pytest.raises(NotFoundError) as err:
        item.material("M99")
    assert "M99" in str(err.value) and "MZ-T-0001" in str(err.value)


def test_labels_are_text() -> None:
    assert all(isinstance(t.label, str) and t.label for t in ItemType)
    assert all(isinstance(k.label, str) and k.label for k in ItemKind)
    assert len({t.label for t in ItemType}) == len(ItemType)
    assert ItemKind.IMMEDIATE.label != ItemKind.PROMISED.label


def test_items_for_window(bundled: Catalogue) -> None:
    total = sum(len(bundled.items_for_window(w.code)) for w in bundled.windows)
    assert total == len(bundled.items)


# --- round trips -------------------------------------------------------------------------

def test_item_round_trip(bundled: Catalogue) -> None:
    raw_items = _raw_bundled()["items"]
    for item, raw in zip(bundled.items, raw_items, strict=True):
        assert item.to_dict() == raw
        assert list(item.to_dict()) == list(raw)
        assert ServiceItem.from_dict(item.to_dict()) == item
        stored = json.loads(json.dumps(item.to_dict(), ensure_ascii=False))
        assert ServiceItem.from_dict(stored) == item


def test_catalogue_round_trip(bundled: Catalogue) -> None:
    assert bundled.to_dict() == _raw_bundled()
    assert load_catalogue(bundled.to_dict()) == bundled


def test_from_dict_validates() -> None:
    raw = _small()["items"][0]
    raw["committed_limit"] = 99
    with pytest.raises(CatalogueError) as err:
        ServiceItem.from_dict(raw)
    assert "MZ-T-0001" in str(err.value)


def test_items_are_frozen(bundled: Catalogue) -> None:
    with pytest.raises(AttributeError):
        bundled.items[0].name = "x"  # type: ignore[misc]


# --- validation --------------------------------------------------------------------------

def _item(data: dict, index: int = 0) -> dict:
    return data["items"][index]


def _set(path: tuple, value: object):
    def mutate(data: dict) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return mutate


def _delete(path: tuple):
    def mutate(data: dict) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return mutate


def _duplicate_item(data: dict) -> None:
    data["items"].append(copy.deepcopy(_item(data)))


def _duplicate_material(data: dict) -> None:
    materials = _item(data)["materials"]
    materials.append(copy.deepcopy(materials[0]))


def _duplicate_window(data: dict) -> None:
    data["windows"].append(copy.deepcopy(data["windows"][0]))


ITEM = ("items", 0)
CASES = {
    "missing name": (_delete(ITEM + ("name",)), ["MZ-T-0001", "name"]),
    "missing statutory limit": (_delete(ITEM + ("statutory_limit",)),
                                ["MZ-T-0001", "statutory_limit"]),
    "missing committed limit": (_delete(ITEM + ("committed_limit",)),
                                ["MZ-T-0001", "committed_limit"]),
    "missing materials": (_delete(ITEM + ("materials",)), ["MZ-T-0001", "materials"]),
    "missing item code": (_delete(ITEM + ("code",)), ["code"]),
    "missing material name": (_delete(ITEM + ("materials", 0, "name")),
                              ["MZ-T-0001", "M01", "name"]),
    "missing window name": (_delete(("windows", 1, "name")), ["SB", "name"]),
    "missing header": (_delete(("catalogue",)), ["catalogue"]),
    "missing header version": (_delete(("catalogue", "version")), ["version"]),
    "unknown type": (_set(ITEM + ("type",), "tax"), ["MZ-T-0001", "tax"]),
    "unknown kind": (_set(ITEM + ("kind",), "urgent"), ["MZ-T-0001", "urgent"]),
    "unknown window": (_set(ITEM + ("window",), "QQ"), ["MZ-T-0001", "QQ"]),
    "unknown field": (_set(ITEM + ("statutory_limt",), 3), ["MZ-T-0001", "statutory_limt"]),
    "unknown material field": (_set(ITEM + ("materials", 1, "colour"), "red"),
                               ["MZ-T-0001", "M02", "colour"]),
    "duplicate item": (_duplicate_item, ["MZ-T-0001"]),
    "duplicate material": (_duplicate_material, ["MZ-T-0001", "M01"]),
    "duplicate window": (_duplicate_window, ["MZ"]),
    "committed over statutory": (_set(ITEM + ("committed_limit",), 31),
                                 ["MZ-T-0001", "31", "30"]),
    "immediate with committed": (_set(("items", 1, "committed_limit"), 2),
                                 ["SB-T-0001", "2"]),
    "promised with zero committed": (_set(ITEM + ("committed_limit",), 0),
                                     ["MZ-T-0001", "committed_limit"]),
    "negative statutory": (_set(ITEM + ("statutory_limit",), -1),
                           ["MZ-T-0001", "statutory_limit"]),
    "negative committed": (_set(ITEM + ("committed_limit",), -5),
                           ["MZ-T-0001", "committed_limit"]),
    "negative special procedure": (_set(ITEM + ("special_procedures", 0, "limit"), -7),
                                   ["MZ-T-0001", "limit"]),
    "no materials": (_set(ITEM + ("materials",), []), ["MZ-T-0001"]),
    "text limit": (_set(ITEM + ("statutory_limit",), "30"), ["MZ-T-0001", "statutory_limit"]),
    "bool limit": (_set(ITEM + ("statutory_limit",), True), ["MZ-T-0001", "statutory_limit"]),
    "empty name": (_set(ITEM + ("name",), "  "), ["MZ-T-0001", "name"]),
    "conditions not a list": (_set(ITEM + ("conditions",), "本县户籍"),
                              ["MZ-T-0001", "conditions"]),
    "proxy not a flag": (_set(ITEM + ("proxy_allowed",), "yes"),
                         ["MZ-T-0001", "proxy_allowed"]),
    "zero copies": (_set(ITEM + ("materials", 0, "copies"), 0), ["MZ-T-0001", "M01", "copies"]),
    "neither original nor copy": (
        lambda d: (_set(ITEM + ("materials", 0, "original"), False)(d),
                   _set(ITEM + ("materials", 0, "copy"), False)(d)),
        ["MZ-T-0001", "M01"]),
    "item not an object": (_set(ITEM, "MZ-T-0001"), ["1"]),
    "bad published date": (_set(("catalogue", "published"), "2026-13-40"), ["published"]),
    "items not a list": (_set(("items",), {}), ["items"]),
}


def test_small_catalogue_is_valid() -> None:
    catalogue = load_catalogue(_small())
    assert [i.code for i in catalogue.items] == ["MZ-T-0001", "SB-T-0001"]
    assert catalogue.item("SB-T-0001").is_immediate


@pytest.mark.parametrize("case", sorted(CASES))
def test_validation_errors_name_the_offender(case: str) -> None:
    mutate, expected = CASES[case]
    data = _small()
    mutate(data)
    with pytest.raises(CatalogueError) as err:
        load_catalogue(data)
    message = str(err.value)
    for text in expected:
        assert text in message, (case, message)


def test_catalogue_error_is_a_validation_error() -> None:
    assert issubclass(CatalogueError, ValidationError)
    assert issubclass(CatalogueError, ValueError)


def test_not_a_catalogue_at_all() -> None:
    for data in (None, [], "catalogue", {"items": []}):
        with pytest.raises(CatalogueError):
            load_catalogue(data)


def test_unreadable_files(tmp_path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(CatalogueError) as err:
        Catalogue.from_file(broken)
    assert "broken.json" in str(err.value)
    with pytest.raises(CatalogueError):
        Catalogue.from_file(tmp_path / "missing.json")


# --- content hash ------------------------------------------------------------------------

def test_content_hash_is_stable(bundled: Catalogue) -> None:
    digest = bundled.content_hash()
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert Catalogue.bundled().content_hash() == digest
    assert load_catalogue(bundled.to_dict()).content_hash() == digest


def test_content_hash_ignores_key_order_and_header() -> None:
    data = _small()
    reordered = copy.deepcopy(data)
    reordered["items"] = [dict(reversed(list(i.items()))) for i in reordered["items"]]
    reordered["catalogue"]["version"] = "T2"
    assert load_catalogue(reordered).content_hash() == load_catalogue(data).content_hash()


@pytest.mark.parametrize("mutate", [
    _set(ITEM + ("name",), "另一个事项"),
    _set(ITEM + ("committed_limit",), 19),
    _set(ITEM + ("materials", 1, "required"), True),
    _set(("windows", 0, "name"), "民政办窗口"),
    lambda d: d["items"].reverse(),
])
def test_content_hash_changes_on_edit(mutate) -> None:
    data = _small()
    before = load_catalogue(data).content_hash()
    mutate(data)
    assert load_catalogue(data).content_hash() != before
