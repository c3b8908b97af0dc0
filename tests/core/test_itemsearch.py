"""Finding a service item as a clerk types: code, name, pinyin initials (every reading of
a polyphonic character counts)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings, strategies as st
from pypinyin import Style, lazy_pinyin

from windowdesk.core.catalogue import Catalogue
from windowdesk.core.itemsearch import initials_of, search_items

ITEMS = Catalogue.bundled().items
BY_NAME = {i.name: i for i in ITEMS}


def names(query: str, **kw) -> list[str]:
    return [i.name for i in search_items(ITEMS, query, **kw)]


def initials(name: str) -> str:
    """The initials of ``name`` taking the first (most common) reading of each character."""
    return "".join(x for x in lazy_pinyin(name, style=Style.FIRST_LETTER) if x.isascii() and x.isalpha()).lower()


def test_the_common_abbreviation_finds_dibao_first():
    assert names("dbsq")[0] == "最低生活保障申请"
    assert names("DBSQ")[0] == "最低生活保障申请", "upper case works as well"
    assert names(" dbsq ")[0] == "最低生活保障申请"


def test_initials_from_the_start_of_the_name_come_first():
    found = names("zd")
    assert found[:2] == ["最低生活保障申请", "重度残疾人护理补贴申请"]  # both start z-d; shorter first
    assert "生育登记" in found  # 登…: later in the name


@pytest.mark.parametrize("query", ["zdcj", "cdcj", "zdcjrhlbtsq", "cdcjrhlbtsq", "hlbt"])
def test_a_polyphonic_character_is_found_by_either_reading(query):
    assert names(query)[0] == "重度残疾人护理补贴申请"


def test_both_readings_of_a_polyphonic_character_are_known():
    assert {"z", "c"} <= initials_of("重")
    assert {"c", "z"} <= initials_of("长")
    assert initials_of("低") == {"d"}
    assert initials_of("A") == {"a"} and initials_of("7") == {"7"}
    assert initials_of("、") == frozenset() and initials_of("-") == frozenset()


def test_an_exact_code_comes_first():
    for item in ITEMS:
        assert search_items(ITEMS, item.code)[0] is item
        assert search_items(ITEMS, item.code.lower())[0] is item
    # A code prefix lists that window's items, ahead of anything matched otherwise.
    assert {i.code for i in search_items(ITEMS, "MZ")} == {i.code for i in ITEMS if i.window == "MZ"}
    assert {i.code for i in search_items(ITEMS, "cl-")} == {i.code for i in ITEMS if i.code.startswith("CL-")}
    # The part after the window code is a prefix too.
    assert {i.code for i in search_items(ITEMS, "GF-0001")} == {i.code for i in ITEMS if i.code.endswith("GF-0001")}


def test_an_exact_code_beats_a_longer_code_it_begins_and_a_name_containing_it():
    base = ITEMS[0]
    exact = replace(base, code="MZ-GF-0009", name="最低生活保障再认定")
    longer = replace(base, code="MZ-GF-00091", name="低保边缘家庭认定")
    named = replace(base, code="SB-GG-0099", name="关于MZ-GF-0009的咨询")
    items = [named, longer, exact]
    assert search_items(items, "MZ-GF-0009") == [exact, longer, named]
    assert search_items(items, "mz-gf-0009") == [exact, longer]  # names match as written


def test_a_name_substring_finds_the_item():
    assert names("残疾")[:2] == ["残疾人证新办", "残疾人证换领、补领"], "names starting with it first"
    assert set(names("残疾")) == {n for n in BY_NAME if "残疾" in n}
    assert names("宅基地") == ["农村宅基地和建房（规划许可）申请"]
    assert names("护理补贴") == ["重度残疾人护理补贴申请"]
    assert names("养老保险") == sorted((n for n in BY_NAME if "养老保险" in n), key=len)


@pytest.mark.parametrize("query", ["", "   ", "\t"])
def test_an_empty_query_finds_nothing(query):
    assert search_items(ITEMS, query) == []


def test_nothing_matches_nonsense():
    assert search_items(ITEMS, "qqqqq") == []
    assert search_items(ITEMS, "火星") == []
    assert search_items(ITEMS, "ZZ-XX-9999") == []


def test_the_limit_is_respected():
    assert len(search_items(ITEMS, "s", limit=3)) == 3
    assert len(search_items(ITEMS, "s")) <= 20


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ITEMS))
def test_the_initials_of_any_item_find_it(item):
    found = search_items(ITEMS, initials(item.name))
    assert item in found
    # Anything listed before it matches those initials from its first character too.
    for other in found[: found.index(item)]:
        assert len(other.name) <= len(item.name)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ITEMS), st.data())
def test_any_run_or_pick_of_the_initials_finds_the_item(item, data):
    """Clerks abbreviate: consecutive initials from anywhere, or some of them in order."""
    letters = initials(item.name)
    start = data.draw(st.integers(0, len(letters) - 1))
    end = data.draw(st.integers(start + 1, len(letters)))
    assert item in search_items(ITEMS, letters[start:end], limit=len(ITEMS))
    picked = data.draw(st.lists(st.integers(0, len(letters) - 1), min_size=1, unique=True))
    subsequence = "".join(letters[i] for i in sorted(picked))
    assert item in search_items(ITEMS, subsequence, limit=len(ITEMS))
