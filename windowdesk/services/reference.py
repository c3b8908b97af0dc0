"""The county's reference data on a desk: catalogue, holiday schedules, staff with their
posts, and the center settings, installed from the county's snapshot in one transaction.

A snapshot (``windowdesk.county.reference.snapshot``) is a dict::

    {"version": sha256 of the canonical JSON of the rest,
     "township": {"code", "name"},
     "catalogue": {"version", "content_hash", "source", "data": Catalogue.to_dict()} or None,
     "calendar": [YearSchedule.to_dict(), ...],
     "staff": [{"code", "name", "role", "active", "password_hash",
                "windows": [{"window", "post"}]}, ...],
     "settings": {settings key: JSON value}}

The county owns staff: a clerk of the snapshot gets the county's name, role, active flag,
password and windows (posts included); what only this desk knows of them (failed
sign-ins, a lock, presence) stays. Clerks the county does not list are left as they are.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

from windowdesk.core.calendar import YearSchedule
from windowdesk.core.catalogue import load_catalogue
from windowdesk.core.codes import Role, parse_code
from windowdesk.core.errors import ValidationError
from windowdesk.i18n import _
from windowdesk.services import setup
from windowdesk.services.uow import UnitOfWork

VERSION_KEY = "reference_version"  # in sync_state
CONTENT_KEYS = ("township", "catalogue", "calendar", "staff", "settings")


def canonical_json(value: Any) -> bytes:
    """One spelling of a JSON value: keys sorted, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def snapshot_version(snapshot: Mapping[str, Any]) -> str:
    """The version of a snapshot: sha256 of the canonical JSON of its content (every key
    of ``CONTENT_KEYS``; anything else travelling with it is not part of it)."""
    return hashlib.sha256(canonical_json({k: snapshot.get(k) for k in CONTENT_KEYS})).hexdigest()


def installed_version(uow: UnitOfWork) -> str | None:
    row = uow.execute("SELECT value FROM sync_state WHERE key = ?", (VERSION_KEY,)).first()
    return row[0] if row else None


def _check(snapshot: Mapping[str, Any]) -> None:
    if not isinstance(snapshot, Mapping) or not isinstance(snapshot.get("version"), str):
        raise ValidationError(_("The county's reference data is malformed: it has no version."))
    if snapshot_version(snapshot) != snapshot["version"]:
        raise ValidationError(_(
            "The county's reference data does not match its version {version}: it was changed or "
            "damaged on the way. Nothing was installed."
        ).format(version=snapshot["version"][:12]))


def _install_staff(uow: UnitOfWork, staff: list[dict]) -> None:
    windows = {r[0] for r in uow.execute("SELECT code FROM windows")}
    for clerk in staff:
        parse_code(Role, clerk["role"], _("Role"))
        for entry in clerk.get("windows", []):
            if entry["window"] not in windows:
                raise ValidationError(_(
                    "The county's staff list names window {window} for {name}, which the catalogue "
                    "does not have. Nothing was installed."
                ).format(window=entry["window"], name=clerk["name"]))
    codes = [clerk["code"] for clerk in staff]
    for clerk in staff:
        uow.execute(
            "INSERT INTO clerks (code, name, role, active, password_hash) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(code) DO UPDATE SET name = excluded.name, role = excluded.role, "
            "active = excluded.active, password_hash = excluded.password_hash",
            (clerk["code"], clerk["name"], clerk["role"], 1 if clerk.get("active", True) else 0,
             clerk.get("password_hash") or ""),
        )
    uow.dbapi.executemany("DELETE FROM clerk_windows WHERE clerk_code = ?", [(c,) for c in codes])
    rows = [(clerk["code"], e["window"], e.get("post") or None) for clerk in staff for e in clerk.get("windows", [])]
    # a post the county gives someone is taken from whoever held it here before
    uow.dbapi.executemany("UPDATE clerk_windows SET post = NULL WHERE window_code = ? AND post = ?",
                          [(w, p) for _c, w, p in rows if p])
    uow.dbapi.executemany("INSERT INTO clerk_windows (clerk_code, window_code, post) VALUES (?, ?, ?)", rows)


def apply_reference(uow: UnitOfWork, snapshot: Mapping[str, Any]) -> bool:
    """Install the county's reference data ``snapshot`` and commit, all in one transaction.
    ``False`` (and nothing written) when this version is already installed."""
    _check(snapshot)
    version = snapshot["version"]
    if installed_version(uow) == version:
        return False
    try:
        catalogue = snapshot.get("catalogue")
        if catalogue:
            setup.install_catalogue(uow, load_catalogue(catalogue["data"]), commit=False)
        for year in snapshot.get("calendar") or []:
            setup.install_calendar_year(uow, YearSchedule.from_dict(year), "county", commit=False)
        _install_staff(uow, list(snapshot.get("staff") or []))
        for key, value in (snapshot.get("settings") or {}).items():
            uow.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value, ensure_ascii=False)),
            )
        uow.execute(
            "INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (VERSION_KEY, version),
        )
        uow.commit()
    except BaseException:
        uow.rollback()
        raise
    finally:
        uow.invalidate("clerks", "windows", "items", "calendar", "rules")
    return True
