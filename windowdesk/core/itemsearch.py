"""Finding a service item as a clerk types: by code, by name, or by pinyin initials.

``dbsq`` finds 最低生活保障申请 (低…保…申请: the initials may skip characters, as
clerks abbreviate 低保申请): every reading of a
polyphonic character counts (长 is c or z, 重 is z or c), so the initials are matched
character by character against the set of each character's initials rather than
against one chosen reading.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

# Each character is looked up alone (every reading of it), never inside a phrase: without
# the phrase dictionary pypinyin loads in ~30 ms instead of ~150 ms, most of which held
# the interpreter lock in one JSON parse (a stall of the desk's UI thread).
os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")

from pypinyin import Style, pinyin  # noqa: E402

from windowdesk.core.catalogue import ServiceItem  # noqa: E402


@lru_cache(maxsize=4096)
def initials_of(char: str) -> frozenset[str]:
    """The pinyin initials of every reading of ``char`` (lower case); a letter or digit is itself."""
    if char.isascii():
        return frozenset({char.lower()}) if char.isalnum() else frozenset()
    readings = pinyin(char, style=Style.FIRST_LETTER, heteronym=True, errors="ignore", strict=False)
    return frozenset(r[0].lower() for r in (readings[0] if readings else ()) if r)


def _initials_rank(name: str, letters: str) -> int | None:
    """How well ``letters`` match the initials of ``name``'s characters: 0 consecutive
    from the first character, 1 consecutive elsewhere, 2 in order with gaps; None if not."""
    sets = [initials_of(c) for c in name]
    n = len(letters)
    for start in range(len(sets) - n + 1):
        if all(letters[k] in sets[start + k] for k in range(n)):
            return 0 if start == 0 else 1
    k = 0
    for initials in sets:  # in order, gaps allowed: taking the earliest match is enough
        if k < n and letters[k] in initials:
            k += 1
    return 2 if k == n else None


@dataclass(frozen=True)
class ItemHit:
    item: ServiceItem
    rank: int  # lower is better


def search_items(items, query: str, limit: int = 20) -> list[ServiceItem]:
    """Items matching ``query``: an exact code first, then code prefixes, names containing
    the text, and pinyin initials (at the start of the name before elsewhere)."""
    q = query.strip()
    if not q:
        return []
    lower = q.lower()
    hits: list[tuple[int, int, str, ServiceItem]] = []
    for item in items:
        code = item.code.lower()
        if code == lower:
            rank = 0
        elif code.startswith(lower) or code.split("-", 1)[-1].startswith(lower):
            rank = 1
        elif q in item.name:
            rank = 2 if item.name.startswith(q) else 3
        elif lower.isalpha() and lower.isascii():
            how = _initials_rank(item.name, lower)
            if how is None:
                continue
            rank = 4 + how
        else:
            continue
        hits.append((rank, len(item.name), item.code, item))
    hits.sort(key=lambda h: h[:3])
    return [h[3] for h in hits[:limit]]
