"""Tests for windowdesk.core.identity (ID numbers, credit codes, phones, names).

Messages are translated, so tests check exception types and that the values a
message must name (positions, characters, expected check characters) appear in it.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from windowdesk.core.errors import ValidationError
from windowdesk.core.identity import (
    CreditCodeError,
    IdNumber,
    IdNumberError,
    PersonNameError,
    PhoneError,
    Sex,
    mask_id_number,
    normalize_name,
    normalize_phone,
    parse_credit_code,
    parse_id_number,
)

TODAY = date(2025, 6, 1)
PROVINCES = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
             50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82]


# Independent reference implementations (ISO 7064 formulations, not the module's tables).

def ref_id_check(body: str) -> str:
    """ISO 7064 MOD 11-2: weights 2^(17-i) mod 11, check value (12 - S mod 11) mod 11."""
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(body))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


CC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def ref_cc_check(body: str) -> str:
    """GB 32100: weights are 3^i mod 31."""
    total = sum(CC_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(body))
    return CC_ALPHABET[(31 - total % 31) % 31]


def make_id(area: str, born: str, seq: str) -> str:
    body = area + born + seq
    return body + ref_id_check(body)


def test_reference_checks_on_published_examples() -> None:
    assert ref_id_check("11010519491231002") == "X"
    assert ref_cc_check("91350100M000100Y4") == "3"


# --- 公民身份号码 -------------------------------------------------------------------

def test_standard_example() -> None:
    ident = parse_id_number("11010519491231002X", today=TODAY)
    assert ident == IdNumber("11010519491231002X", "110105", date(1949, 12, 31), Sex.FEMALE, False)
    assert str(ident) == "11010519491231002X"
    assert ident.to_18() is ident


@pytest.mark.parametrize("text", [
    "  11010519491231002x\n",
    "１１０１０５１９４９１２３１００２Ｘ",
    "１１０１０５１９４９１２３１００２ｘ",
    "\u300011010519491231002X\u3000",
])
def test_normalisation(text: str) -> None:
    assert parse_id_number(text, today=TODAY).number == "11010519491231002X"


def test_male_and_default_today() -> None:
    number = make_id("350102", "19800101", "013")
    ident = parse_id_number(number)
    assert ident.sex is Sex.MALE and ident.birth_date == date(1980, 1, 1) and not ident.legacy


def test_legacy_number() -> None:
    ident = parse_id_number("110105491231002", today=TODAY)
    assert ident.legacy
    assert ident.birth_date == date(1949, 12, 31)
    assert ident.sex is Sex.FEMALE
    upgraded = ident.to_18()
    assert upgraded.number == "11010519491231002X" and not upgraded.legacy
    assert upgraded == parse_id_number(upgraded.number, today=TODAY)
    assert parse_id_number("350102800101013").sex is Sex.MALE


def test_error_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        parse_id_number("123", today=TODAY)
    assert issubclass(IdNumberError, ValueError)


@pytest.mark.parametrize(("text", "count"), [("1101051949123100", "16"), ("11010519491231002X1", "19"), ("", "0")])
def test_wrong_length(text: str, count: str) -> None:
    with pytest.raises(IdNumberError) as err:
        parse_id_number(text, today=TODAY)
    message = str(err.value)
    assert count in message and "18" in message and "15" in message


@pytest.mark.parametrize(("text", "char", "position"), [
    ("1101A519491231002X", "A", "5"),
    ("11010519491231002Y", "Y", "18"),
    ("1101051949X231002X", "X", "11"),
    ("11010549123100X", "X", "15"),
    ("110105 9491231002X", " ", "7"),
])
def test_illegal_character(text: str, char: str, position: str) -> None:
    with pytest.raises(IdNumberError) as err:
        parse_id_number(text, today=TODAY)
    assert f"“{char}”" in str(err.value) and position in str(err.value)


def test_impossible_date() -> None:
    with pytest.raises(IdNumberError) as err:
        parse_id_number(make_id("110105", "19900230", "002"), today=TODAY)
    assert "19900230" in str(err.value)
    with pytest.raises(IdNumberError, match="19900231"):
        parse_id_number("110105900231002", today=TODAY)  # legacy numbers too


def test_future_birth_date() -> None:
    number = make_id("110105", "20250602", "002")
    with pytest.raises(IdNumberError) as err:
        parse_id_number(number, today=TODAY)
    assert "20250602" in str(err.value)
    assert parse_id_number(number, today=date(2025, 6, 2)).birth_date == date(2025, 6, 2)


def test_birth_year_before_1900() -> None:
    # The GB 11643 example for someone born in 1880.
    assert ref_id_check("44052418800101001") == "4"
    with pytest.raises(IdNumberError) as err:
        parse_id_number("440524188001010014", today=TODAY)
    assert "1880" in str(err.value)


@pytest.mark.parametrize("area", ["990105", "000000", "160101", "910101", "720101"])
def test_implausible_area(area: str) -> None:
    with pytest.raises(IdNumberError) as err:
        parse_id_number(make_id(area, "19800101", "013"), today=TODAY)
    assert area in str(err.value)


def test_wrong_check_character() -> None:
    with pytest.raises(IdNumberError) as err:
        parse_id_number("110105194912310021", today=TODAY)
    assert "“X”" in str(err.value) and "“1”" in str(err.value)


def ids() -> st.SearchStrategy[tuple[str, date, int]]:
    """A valid 18-character number with its birth date and sequence."""
    return st.tuples(
        st.sampled_from(PROVINCES),
        st.integers(0, 9999),
        st.dates(date(1900, 1, 1), TODAY),
        st.integers(0, 999),
    ).map(lambda t: (make_id(f"{t[0]:02d}{t[1]:04d}", t[2].strftime("%Y%m%d"), f"{t[3]:03d}"), t[2], t[3]))


@given(ids())
def test_generated_numbers_round_trip(case: tuple[str, date, int]) -> None:
    number, born, seq = case
    ident = parse_id_number(number, today=TODAY)
    assert ident.number == number and ident.area_code == number[:6]
    assert ident.birth_date == born
    assert ident.sex is (Sex.MALE if seq % 2 else Sex.FEMALE)
    assert mask_id_number(number) == number[:6] + "*" * 11 + number[-1]


@given(ids(), st.integers(0, 17), st.integers(0, 9))
def test_any_single_substitution_is_rejected(case: tuple[str, date, int], position: int, shift: int) -> None:
    number = case[0]
    alphabet = "0123456789X" if position == 17 else "0123456789"
    index = alphabet.index(number[position])
    char = alphabet[(index + 1 + shift % (len(alphabet) - 1)) % len(alphabet)]
    changed = number[:position] + char + number[position + 1:]
    assert changed != number
    with pytest.raises(IdNumberError):
        parse_id_number(changed, today=TODAY)


@given(st.sampled_from(PROVINCES), st.dates(date(1900, 1, 1), date(1999, 12, 31)), st.integers(0, 999))
def test_legacy_upgrade_matches_18(province: int, born: date, seq: int) -> None:
    legacy = f"{province}0101{born:%y%m%d}{seq:03d}"
    ident = parse_id_number(legacy, today=TODAY)
    assert ident.legacy and ident.birth_date == born
    assert ident.to_18().number == make_id(f"{province}0101", f"{born:%Y%m%d}", f"{seq:03d}")


# --- Masking ----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "masked"), [
    ("11010519491231002X", "110105***********X"),
    (" 11010519491231002x ", "110105***********X"),
    ("110105491231002", "110105*********"),
    ("1101051949", "110105***9"),
    ("ABCDEFGHIJKLMNOPQRSTUV", "ABCDEF***************V"),
    ("1234567", "*******"),
    ("12", "**"),
    ("", ""),
    (None, ""),
])
def test_mask(text: str | None, masked: str) -> None:
    assert mask_id_number(text) == masked


@given(st.text())
def test_mask_never_raises_or_leaks_the_middle(text: str) -> None:
    masked = mask_id_number(text)
    assert isinstance(masked, str)
    if len(masked) > 7:
        assert set(masked[6:-1]) == {"*"}


def test_masked_property() -> None:
    assert parse_id_number("11010519491231002X", today=TODAY).masked == "110105***********X"


# --- 统一社会信用代码 ------------------------------------------------------------------

def test_credit_code_example() -> None:
    code = parse_credit_code(" 91350100m000100y43 ")
    assert code.number == "91350100M000100Y43" and str(code) == code.number
    assert code.check_ok and code.warning is None
    assert (code.authority_code, code.type_code, code.area_code) == ("9", "1", "350100")
    assert code.organization_code == "M000100Y4"


def test_credit_code_bad_check_warns() -> None:
    code = parse_credit_code("91350100M000100Y44")
    assert not code.check_ok
    assert code.warning is not None and "“3”" in code.warning and "“4”" in code.warning


@pytest.mark.parametrize(("text", "char", "position"), [
    ("91350100M000100I43", "I", "16"),
    ("O1350100M000100Y43", "O", "1"),
    ("91350100M00010-Y43", "-", "15"),
])
def test_credit_code_illegal_character(text: str, char: str, position: str) -> None:
    with pytest.raises(CreditCodeError) as err:
        parse_credit_code(text)
    assert f"“{char}”" in str(err.value) and position in str(err.value)
    assert isinstance(err.value, ValidationError)


@pytest.mark.parametrize("text", ["91350100M000100Y4", "91350100M000100Y433", ""])
def test_credit_code_wrong_length(text: str) -> None:
    with pytest.raises(CreditCodeError) as err:
        parse_credit_code(text)
    assert str(len(text)) in str(err.value) and "18" in str(err.value)


@given(st.text(CC_ALPHABET, min_size=17, max_size=17), st.sampled_from(CC_ALPHABET))
def test_credit_code_check(body: str, last: str) -> None:
    code = parse_credit_code(body + last)
    assert code.check_ok is (last == ref_cc_check(body))
    assert (code.warning is None) is code.check_ok


# --- Phones -----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "number", "kind"), [
    ("13812345678", "13812345678", "mobile"),
    (" 138 1234 5678 ", "13812345678", "mobile"),
    ("138-1234-5678", "13812345678", "mobile"),
    ("+86 138 1234 5678", "13812345678", "mobile"),
    ("008613812345678", "13812345678", "mobile"),
    ("１９９１２３４５６７８", "19912345678", "mobile"),
    ("0591-87654321", "0591-87654321", "landline"),
    ("0591 8765 4321", "0591-87654321", "landline"),
    ("059187654321", "0591-87654321", "landline"),
    ("01065123456", "010-65123456", "landline"),
    ("010-6512-3456", "010-65123456", "landline"),
    ("（0591）87654321", "0591-87654321", "landline"),
    ("0311-1234567", "0311-1234567", "landline"),
    ("0591-87654321-123", "0591-87654321-123", "landline"),
    ("0591-87654321转123", "0591-87654321-123", "landline"),
    ("021 1234 5678 转 8", "021-12345678-8", "landline"),
])
def test_valid_phones(text: str, number: str, kind: str) -> None:
    phone = normalize_phone(text)
    assert (phone.number, phone.kind) == (number, kind)
    assert normalize_phone(phone.number) == phone


@pytest.mark.parametrize(("text", "named"), [
    ("", None),
    ("   ", None),
    ("1381234567", "1381234567"),        # 10 digits
    ("12812345678", "12812345678"),      # no 12x mobiles
    ("+86 0591 87654321", "0591"),       # +86 is taken for mobiles only
    ("87654321", "87654321"),            # landline without area code
    ("0591-876543", "0591-876543"),      # local number too short
    ("0591-876543210", "0591-876543210"),
    ("0591-87654321-1234567", "1234567"),  # extension too long
    ("0591-87654321转", None),
    ("0591-87654321转12-3", "12-3"),
    ("138123456ab", "a"),
    ("tel 13812345678", "t"),
])
def test_invalid_phones(text: str, named: str | None) -> None:
    with pytest.raises(PhoneError) as err:
        normalize_phone(text)
    assert isinstance(err.value, ValidationError)
    if named is not None:
        assert named in str(err.value)


# --- Names ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "name"), [
    ("张三", "张三"),
    (" 王 小明 ", "王小明"),
    ("欧阳\u3000娜娜", "欧阳娜娜"),
    ("阿依古丽·买买提", "阿依古丽·买买提"),
    ("阿依古丽•买买提", "阿依古丽·买买提"),
    ("阿依古丽‧买买提", "阿依古丽·买买提"),
    ("阿依古丽・买买提", "阿依古丽·买买提"),
    ("阿依古丽．买买提", "阿依古丽·买买提"),
    ("爱新觉罗·溥仪", "爱新觉罗·溥仪"),
    ("王㐂", "王㐂"),              # extension A
    ("李\U00020BB7", "李\U00020BB7"),  # extension B (𠮷)
    ("赵" * 30, "赵" * 30),
])
def test_valid_names(text: str, name: str) -> None:
    assert normalize_name(text) == name
    assert normalize_name(name) == name


@pytest.mark.parametrize(("text", "named"), [
    ("", None),
    ("王", "1"),
    ("赵" * 31, "31"),
    ("JOHN SMITH", "“J”"),
    ("王小明1", "“1”"),
    ("王（小）明", "“（”"),
    ("·王小明", None),
    ("王小明·", None),
    ("阿依古丽··买买提", None),
    ("阿依古丽•·买买提", None),
])
def test_invalid_names(text: str, named: str | None) -> None:
    with pytest.raises(PersonNameError) as err:
        normalize_name(text)
    assert isinstance(err.value, ValidationError)
    if named is not None:
        assert named in str(err.value)
    else:
        assert str(err.value)


@given(st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=2, max_size=30))
def test_any_ideograph_string_is_a_name(name: str) -> None:
    assert normalize_name(name) == name


def test_today_argument_is_optional_and_respects_now() -> None:
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(IdNumberError):
        parse_id_number(make_id("110105", tomorrow.strftime("%Y%m%d"), "001"))
