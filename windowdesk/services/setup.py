"""Setting a desk up: catalogue versions, calendar years, windows, clerks, rules."""

from __future__ import annotations

import json
from dataclasses import dataclass

from windowdesk.core.calendar import WorkCalendar, YearSchedule
from windowdesk.core.catalogue import Catalogue
from windowdesk.core.codes import Role, parse_code
from windowdesk.core.errors import ValidationError
from windowdesk.i18n import _
from windowdesk.services.common import check_window, required_text
from windowdesk.services.uow import Rules, UnitOfWork


@dataclass(frozen=True)
class CatalogueInstall:
    version: str
    items: int
    new: bool  # False when the same content was already installed


def install_catalogue(uow: UnitOfWork, catalogue: Catalogue, *, commit: bool = True) -> CatalogueInstall:
    """Record a catalogue version and make it current; cases keep the version they used.
    With ``commit=False`` it is part of the caller's transaction (who commits)."""
    digest = catalogue.content_hash()
    same = uow.execute(
        "SELECT version FROM catalogue_versions WHERE content_hash = :h", {"h": digest}
    ).first()
    if same is None:
        clash = uow.execute(
            "SELECT 1 FROM catalogue_versions WHERE version = :v", {"v": catalogue.version}
        ).first()
        if clash:
            raise ValidationError(
                _("Catalogue version {version} is already installed with different content; a changed catalogue needs a new version number.").format(
                    version=catalogue.version
                )
            )
    version = same[0] if same else catalogue.version
    for window in catalogue.windows:
        uow.execute(
            "INSERT INTO windows (code, name, department) VALUES (:c, :n, :d) "
            "ON CONFLICT(code) DO UPDATE SET name = excluded.name, department = excluded.department",
            {"c": window.code, "n": window.name, "d": window.department},
        )
    if same is None:
        uow.execute(
            "INSERT INTO catalogue_versions (version, published, publisher, content_hash, imported_at, current) "
            "VALUES (:v, :p, :pub, :h, :t, 0)",
            {"v": version, "p": catalogue.published.isoformat(), "pub": catalogue.publisher,
             "h": digest, "t": uow.now().isoformat()},
        )
        for item in catalogue.items:
            uow.execute(
                "INSERT INTO service_items (code, version, name, window_code, kind, committed_limit, "
                "statutory_limit, data) VALUES (:c, :v, :n, :w, :k, :cl, :sl, :d)",
                {"c": item.code, "v": version, "n": item.name, "w": item.window,
                 "k": item.kind.value, "cl": item.committed_limit, "sl": item.statutory_limit,
                 "d": json.dumps(item.to_dict(), ensure_ascii=False)},
            )
    uow.execute("UPDATE catalogue_versions SET current = (version = :v)", {"v": version})
    if commit:
        uow.commit()
    uow.invalidate("windows", "items")
    return CatalogueInstall(version, len(catalogue.items), same is None)


def install_calendar_year(
    uow: UnitOfWork, schedule: YearSchedule, installed_by: str = "admin", *, commit: bool = True
) -> None:
    """Add or replace one year's holiday schedule (published each November); with
    ``commit=False`` as part of the caller's transaction."""
    schedule.validate()
    uow.execute(
        "INSERT INTO calendar_years (year, data, source, installed_at, installed_by) "
        "VALUES (:y, :d, :s, :t, :by) ON CONFLICT(year) DO UPDATE SET data = excluded.data, "
        "source = excluded.source, installed_at = excluded.installed_at, installed_by = excluded.installed_by",
        {"y": schedule.year, "d": json.dumps(schedule.to_dict(), ensure_ascii=False),
         "s": schedule.source, "t": uow.now().isoformat(), "by": installed_by},
    )
    if commit:
        uow.commit()
    uow.invalidate("calendar")


def install_bundled_reference_data(uow: UnitOfWork) -> None:
    """A new desk starts with the bundled catalogue and calendar."""
    install_catalogue(uow, Catalogue.bundled())
    for schedule in WorkCalendar.bundled().schedules.values():
        install_calendar_year(uow, schedule, "bundled")


def add_clerk(uow: UnitOfWork, *, code: str, name: str, role: str, windows: list[str]) -> None:
    code = required_text(code, _("The clerk code"))
    name = required_text(name, _("The clerk's name"))
    role = parse_code(Role, role, _("Role"))
    for window in windows:
        check_window(uow, window)
    if role in (Role.CLERK, Role.AGENT) and not windows:
        raise ValidationError(_("A clerk must serve at least one window."))
    uow.execute(
        "INSERT INTO clerks (code, name, role, active) VALUES (:c, :n, :r, 1) "
        "ON CONFLICT(code) DO UPDATE SET name = excluded.name, role = excluded.role",
        {"c": code, "n": name, "r": str(role)},
    )
    uow.execute("DELETE FROM clerk_windows WHERE clerk_code = :c", {"c": code})
    for window in windows:
        uow.execute(
            "INSERT INTO clerk_windows (clerk_code, window_code) VALUES (:c, :w)", {"c": code, "w": window}
        )
    uow.commit()
    uow.invalidate("clerks")


def set_rule(uow: UnitOfWork, key: str, value) -> Rules:
    """Change one configurable rule (validated by building the rules with it)."""
    if key not in Rules.__dataclass_fields__:
        raise ValidationError(_("There is no setting called {key}.").format(key=key))
    current = {k: getattr(uow.rules, k) for k in Rules.__dataclass_fields__}
    current[key] = value
    rules = Rules(**current)
    if not 1 <= rules.yellow_percent <= 100:
        raise ValidationError(_("The yellow warning share must be between 1 and 100 per cent."))
    if rules.referral_followup_hours < 1 or rules.bad_rating_callback_days < 1:
        raise ValidationError(_("Time settings must be at least 1."))
    uow.execute(
        "INSERT INTO settings (key, value) VALUES (:k, :v) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        {"k": key, "v": json.dumps(value)},
    )
    uow.commit()
    uow.invalidate("rules", "calendar")
    return rules
