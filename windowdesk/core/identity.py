"""Identity numbers, credit codes, phone numbers and personal names.

* 公民身份号码 (citizen ID number), GB 11643-1999, including old 15-digit numbers;
* 统一社会信用代码 (unified social credit code), GB 32100-2015;
* Chinese mobile and landline phone numbers;
* Chinese personal names (with the middle dot of minority names).

Everything here is pure: parsers take text as typed (or pasted) at the window and
either return a frozen value or raise a ``ValidationError`` subclass whose message
says exactly what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from enum import Enum
from typing import Literal

from windowdesk.core.errors import ValidationError
from windowdesk.i18n import _

__all__ = [
    "CreditCode",
    "CreditCodeError",
    "IdNumber",
    "IdNumberError",
    "PersonNameError",
    "Phone",
    "PhoneError",
    "Sex",
    "credit_code_check_char",
    "id_check_char",
    "mask_id_number",
    "normalize_name",
    "normalize_phone",
    "parse_credit_code",
    "parse_id_number",
]


class IdNumberError(ValidationError):
    """A 公民身份号码 that cannot be right."""


class CreditCodeError(ValidationError):
    """A 统一社会信用代码 of the wrong shape."""


class PhoneError(ValidationError):
    """A phone number that is neither a mobile nor a landline number."""


class PersonNameError(ValidationError):
    """A personal name with characters or a shape a name cannot have."""


# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space map to plain ASCII.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_DIGITS = frozenset("0123456789")


def _ascii(text: str) -> str:
    return text.translate(_FULLWIDTH).strip()


# --- 公民身份号码 -------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
# Province-level codes (first two digits of the area code).
_PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82}
)


class Sex(Enum):
    MALE = "male"
    FEMALE = "female"


@dataclass(frozen=True)
class IdNumber:
    """A checked citizen ID number. ``number`` is normalised (ASCII, upper-case X)."""

    number: str
    area_code: str
    birth_date: date
    sex: Sex
    legacy: bool = False

    def __str__(self) -> str:
        return self.number

    @property
    def masked(self) -> str:
        return mask_id_number(self.number)

    def to_18(self) -> IdNumber:
        """The 18-character form: a legacy number gets '19' and a check char."""
        if not self.legacy:
            return self
        body = self.number[:6] + "19" + self.number[6:]
        return replace(self, number=body + id_check_char(body), legacy=False)


def id_check_char(body: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def parse_id_number(text: str, today: date | None = None) -> IdNumber:
    """Parse and check a 公民身份号码 (18 characters, or 15 digits for old numbers).

    Raises ``IdNumberError`` naming the first thing that is wrong.
    """
    number = _ascii(text).upper()
    length = len(number)
    if length not in (15, 18):
        raise IdNumberError(_("The ID number has {count} characters; it must have 18 (or 15 for an old-style number).").format(count=length))
    for position, char in enumerate(number, start=1):
        if char not in _DIGITS and not (char == "X" and position == 18):
            raise IdNumberError(_("The character “{char}” at position {position} is not allowed in an ID number: only digits may be used, and X only as the 18th character.").format(char=char, position=position))
    area_code = number[:6]
    if int(area_code[:2]) not in _PROVINCES:
        raise IdNumberError(_("The area code {code} (the first six digits) is not a Chinese administrative area: its first two digits are not a province code.").format(code=area_code))
    legacy = length == 15
    birth_date = _birth_date("19" + number[6:12] if legacy else number[6:14], today or date.today())
    if not legacy:
        expected = id_check_char(number[:17])
        if number[17] != expected:
            raise IdNumberError(_("The ID number fails its check: for the first 17 digits as entered the last character should be “{expected}”, but “{given}” was entered. A digit is probably mistyped; compare the whole number with the ID card.").format(expected=expected, given=number[17]))
    sequence = number[12:15] if legacy else number[14:17]
    sex = Sex.MALE if int(sequence) % 2 else Sex.FEMALE
    return IdNumber(number, area_code, birth_date, sex, legacy)


def _birth_date(digits: str, today: date) -> date:
    """The birth date from its eight digits YYYYMMDD, checked for plausibility."""
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:8])
    if year < 1900:
        raise IdNumberError(_("The birth year {year} in the ID number is before 1900.").format(year=digits[:4]))
    try:
        born = date(year, month, day)
    except ValueError:
        raise IdNumberError(_("The birth date {digits} in the ID number does not exist.").format(digits=digits)) from None
    if born > today:
        raise IdNumberError(_("The birth date {digits} in the ID number is in the future.").format(digits=digits))
    return born


def mask_id_number(text: str | None) -> str:
    """Hide the birth date and sequence of an ID number for display. Never raises.

    18 characters keep the first 6 and the last one; 15 digits keep the first 6.
    Anything else keeps the first 6 and last 1 if at least one character stays
    hidden, else everything is hidden.
    """
    if not text:
        return ""
    shown = _ascii(str(text)).upper()
    length = len(shown)
    if length == 15:
        return shown[:6] + "*" * 9
    if length <= 7:
        return "*" * length
    return shown[:6] + "*" * (length - 7) + shown[-1]


# --- 统一社会信用代码 ------------------------------------------------------------------

_CC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_CC_VALUES = {char: value for value, char in enumerate(_CC_ALPHABET)}
_CC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@dataclass(frozen=True)
class CreditCode:
    """A unified social credit code of the right shape.

    ``check_ok`` is False when the check character does not match; some lawful
    early codes are like that, so this is a ``warning`` (translated), not an error.
    """

    number: str
    check_ok: bool
    warning: str | None = None

    def __str__(self) -> str:
        return self.number

    @property
    def authority_code(self) -> str:
        """登记管理部门代码 (character 1), e.g. '9' for market regulation."""
        return self.number[0]

    @property
    def type_code(self) -> str:
        """机构类别代码 (character 2), e.g. '1' for an enterprise."""
        return self.number[1]

    @property
    def area_code(self) -> str:
        """登记管理机关行政区划码 (characters 3-8)."""
        return self.number[2:8]

    @property
    def organization_code(self) -> str:
        """主体标识码 (characters 9-17, the former organisation code)."""
        return self.number[8:17]


def credit_code_check_char(body: str) -> str:
    """The GB 32100 check character for the first 17 characters."""
    total = sum(_CC_VALUES[c] * w for c, w in zip(body, _CC_WEIGHTS, strict=True))
    return _CC_ALPHABET[(31 - total % 31) % 31]


def parse_credit_code(text: str) -> CreditCode:
    """Parse a 统一社会信用代码; a wrong check character only gives a warning."""
    code = _ascii(text).upper()
    if len(code) != 18:
        raise CreditCodeError(_("The unified social credit code has {count} characters; it must have 18.").format(count=len(code)))
    for position, char in enumerate(code, start=1):
        if char not in _CC_VALUES:
            raise CreditCodeError(_("The character “{char}” at position {position} is not allowed in a unified social credit code (only digits and capital letters except I, O, S, V and Z).").format(char=char, position=position))
    expected = credit_code_check_char(code[:17])
    if code[17] == expected:
        return CreditCode(code, check_ok=True)
    warning = _("The check character of the unified social credit code does not match: “{expected}” was expected but the code ends in “{given}”. Some early codes are lawful even so; please compare it with the business licence.").format(expected=expected, given=code[17])
    return CreditCode(code, check_ok=False, warning=warning)


# --- Phone numbers ----------------------------------------------------------------

PhoneKind = Literal["mobile", "landline"]

# After _ascii(): spaces vanish, dashes become '-', "(0591)" becomes "0591-".
_PHONE_SEPARATORS = str.maketrans({" ": "", "(": "", ")": "-", "\u2010": "-", "\u2011": "-", "\u2013": "-", "\u2014": "-"})
_PHONE_CHARS = frozenset("0123456789-+转")


@dataclass(frozen=True)
class Phone:
    """A normalised phone number: '13812345678', '0591-87654321' or '010-12345678-123'."""

    number: str
    kind: PhoneKind

    def __str__(self) -> str:
        return self.number


def normalize_phone(text: str) -> Phone:
    """Check and normalise a mobile or landline number; raises ``PhoneError``."""
    shown = _ascii(text or "")
    phone = shown.translate(_PHONE_SEPARATORS)
    if not phone:
        raise PhoneError(_("Please enter a phone number."))
    for char in phone:
        if char not in _PHONE_CHARS:
            raise PhoneError(_("The character “{char}” is not allowed in a phone number.").format(char=char))
    compact = phone.replace("-", "")
    international = compact.startswith(("+86", "0086"))
    if international:
        compact = compact.removeprefix("+86").removeprefix("0086")
    if international or compact.startswith("1"):
        if re.fullmatch(r"1[3-9]\d{9}", compact):
            return Phone(compact, "mobile")
        raise PhoneError(_("The mobile number {number} is not valid: it must have 11 digits and start with 13 to 19.").format(number=shown))
    if not compact.startswith("0"):
        if re.fullmatch(r"\d{7,8}", compact):
            raise PhoneError(_("The landline number {number} needs its area code in front, for example 0591-87654321.").format(number=shown))
        raise _landline_error(shown)
    return _landline(phone, shown)


def _landline(phone: str, shown: str) -> Phone:
    main, has_ext, ext = phone.partition("转")
    parts = [part for part in main.split("-") if part]
    if not parts:
        raise _landline_error(shown)
    if len(parts) == 1:
        # No separator: 010 and 02X are the only three-digit area codes.
        digits = parts[0]
        split = 3 if digits[1:2] in ("1", "2") else 4
        area, rest = digits[:split], [digits[split:]]
    else:
        area, rest = parts[0], parts[1:]
    local = ""
    while rest and len(local) < 7:
        local += rest.pop(0)
    if rest:
        if has_ext or len(rest) > 1:
            raise _landline_error(shown)
        has_ext, ext = "-", rest[0]
    if not re.fullmatch(r"0[1-9]\d{1,2}", area) or not re.fullmatch(r"\d{7,8}", local):
        raise _landline_error(shown)
    if not has_ext:
        return Phone(f"{area}-{local}", "landline")
    if not re.fullmatch(r"\d{1,6}", ext):
        raise PhoneError(_("The extension “{extension}” is not valid: it must have 1 to 6 digits.").format(extension=ext))
    return Phone(f"{area}-{local}-{ext}", "landline")


def _landline_error(shown: str) -> PhoneError:
    return PhoneError(_("The phone number {number} is not valid: enter an 11-digit mobile number, or an area code starting with 0 and a 7 or 8 digit number, for example 0591-87654321.").format(number=shown))


# --- Personal names ---------------------------------------------------------------

MIDDLE_DOT = "\u00b7"
# Dots people type in minority names (阿依古丽·买买提): all become U+00B7.
_NAME_DOTS = str.maketrans({char: MIDDLE_DOT for char in "•‧・．.･∙⋅"})
# CJK unified ideographs: base block, extension A, extensions B-F and I, G-H.
_CJK_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2EBEF), (0x30000, 0x323AF))


def _is_ideograph(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def normalize_name(text: str) -> str:
    """Check a Chinese personal name; returns it without spaces and with U+00B7 dots."""
    name = "".join((text or "").split()).translate(_NAME_DOTS)
    if not name:
        raise PersonNameError(_("Please enter the name."))
    for char in name:
        if char != MIDDLE_DOT and not _is_ideograph(char):
            raise PersonNameError(_("The character “{char}” is not allowed in a name: only Chinese characters and the middle dot “·” may be used.").format(char=char))
    if not 2 <= len(name) <= 30:
        raise PersonNameError(_("A name must have 2 to 30 characters, not {count}.").format(count=len(name)))
    if name[0] == MIDDLE_DOT or name[-1] == MIDDLE_DOT or MIDDLE_DOT * 2 in name:
        raise PersonNameError(_("The middle dot “·” may not begin or end a name, nor appear twice in a row."))
    return name
