"""Where bundled folders live (next to the package in a checkout or a frozen build)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def _bundled(name: str, override_variable: str) -> Path:
    """The bundled top-level folder ``name``: the environment variable overrides it; a
    PyInstaller build keeps it under ``sys._MEIPASS``; otherwise it is the checkout's."""
    override = os.environ.get(override_variable)
    if override:
        return Path(override)
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / name
    return Path(__file__).resolve().parent.parent / name


def resources_dir() -> Path:
    """The bundled ``resources/`` folder (``WINDOWDESK_RESOURCES`` overrides it)."""
    return _bundled("resources", "WINDOWDESK_RESOURCES")


def forms_dir() -> Path:
    """The ``forms/`` folder of declarative print templates, one TOML file per form
    (``WINDOWDESK_FORMS`` overrides it)."""
    return _bundled("forms", "WINDOWDESK_FORMS")
