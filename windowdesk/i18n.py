"""Translation of user-visible text.

Source strings are English and marked with ``_()``; people read them in the
language of the zh_CN catalogue under ``resources/locale``. The catalogue is
loaded once; ``WINDOWDESK_LANG=en`` shows the source strings (for developers).
"""

from __future__ import annotations

import gettext
import os
from functools import lru_cache

from windowdesk.paths import resources_dir

DOMAIN = "windowdesk"
DEFAULT_LANGUAGE = "zh_CN"


@lru_cache(maxsize=None)
def translations(language: str | None = None) -> gettext.NullTranslations:
    lang = language or os.environ.get("WINDOWDESK_LANG", DEFAULT_LANGUAGE)
    if lang == "en":
        return gettext.NullTranslations()
    localedir = resources_dir() / "locale"
    return gettext.translation(DOMAIN, localedir=str(localedir), languages=[lang])


def _(message: str) -> str:
    """Translate ``message`` into the user's language."""
    return translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet."""
    return message
