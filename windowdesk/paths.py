"""Where bundled resources live (next to the package in a checkout or a frozen build)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    """The bundled ``resources/`` folder.

    ``WINDOWDESK_RESOURCES`` overrides it; a PyInstaller build keeps it under
    ``sys._MEIPASS``; otherwise it is the checkout's top-level ``resources/``.
    """
    override = os.environ.get("WINDOWDESK_RESOURCES")
    if override:
        return Path(override)
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"
