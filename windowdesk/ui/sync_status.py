"""The sync state in words: the status bar's label (one line, the most important fact
first) with the details in its tooltip, and the lines of the 同步状态 dialog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from windowdesk.i18n import _
from windowdesk.services import sync
from windowdesk.services.sync import SyncStatus

CLOCK_WARNING_MS = 5 * 60 * 1000  # as the county's rule: more than 5 minutes off is warned
CARRY_AFTER = timedelta(days=1)  # a village point offline this long is reminded of sync files

NORMAL, WARNING, ERROR = "normal", "warning", "error"
_PAD = "padding: 0 6px;"  # apart from its neighbours in the status bar
STYLES = {
    NORMAL: _PAD,
    WARNING: "background: #fff3cd; color: #5d4200; " + _PAD,
    ERROR: "color: #c62828; font-weight: bold; " + _PAD,
}


@dataclass(frozen=True)
class SyncLine:
    text: str
    level: str  # NORMAL | WARNING | ERROR


def _local(when: datetime) -> datetime:
    return when.astimezone()


def _short(when: datetime, today=None) -> str:
    """10:42 today, 12-05 09:10 another day (local time)."""
    local = _local(when)
    today = today or datetime.now().astimezone().date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%m-%d %H:%M")


def clock_minutes(status: SyncStatus) -> int:
    return round(abs(status.clock_offset_ms) / 60000)


def status_line(status: SyncStatus, today=None) -> SyncLine:
    """The status bar's words: what the clerk must know first."""
    if not status.enrolled:
        return SyncLine(_("Working alone (not enrolled with the county)"), NORMAL)
    if status.standing == "revoked":
        return SyncLine(_("This desk has been revoked by the county"), ERROR)
    if status.standing == "upgrade":
        return SyncLine(_("WindowDesk must be upgraded before cases can be handled"), ERROR)
    if status.standing == "copied":
        return SyncLine(_("This database is a copy or a restored backup: it must be enrolled again"), ERROR)
    if abs(status.clock_offset_ms) > CLOCK_WARNING_MS:
        return SyncLine(_("This PC's clock is off by {minutes} minutes").format(minutes=clock_minutes(status)),
                        WARNING)
    if status.offline_since is not None:
        return SyncLine(_("Offline (since {time})").format(
            time=_local(status.offline_since).strftime("%m-%d %H:%M")), WARNING)
    if status.waiting:
        return SyncLine(_("{count} waiting to send").format(count=status.waiting), NORMAL)
    if status.last_ok_at is not None:
        return SyncLine(_("In step {time}").format(time=_short(status.last_ok_at, today)), NORMAL)
    return SyncLine(_("Not synced yet"), NORMAL)


def kind_text(kind: str) -> str:
    return _("village proxy point") if kind == "village" else _("window desk")


def may_carry(status: SyncStatus, now: datetime | None) -> bool:
    """A village point offline for more than a day with records waiting: they can travel
    on a USB stick (工具 → 导出同步文件) to any desk of the township."""
    return (now is not None and status.enrolled and status.kind == "village" and not status.standing
            and status.waiting > 0 and status.offline_since is not None
            and now - status.offline_since > CARRY_AFTER)


def carry_short(status: SyncStatus) -> str:
    """The status bar's hint (a link to the export)."""
    return _("{count} waiting: carry them by sync file").format(count=status.waiting)


def carry_hint(status: SyncStatus, now: datetime) -> str:
    """The hint in full (the status bar's tooltip and the sync status dialog)."""
    return _("Offline for {days} days with {count} records waiting. Export them to a sync file (Tools → Export "
             "sync file…) and carry it on a USB stick to any desk of the township: that desk forwards them to the "
             "county.").format(days=(now - status.offline_since).days, count=status.waiting)


def detail_lines(status: SyncStatus, failure: str = "") -> list[str]:
    """Everything the desk knows of its sync, one fact a line (tooltip and dialog)."""
    if not status.enrolled:
        return [_("This desk works on its own: it is not enrolled with a county server."),
                _("Cases, hand-overs and referrals stay in this desk's file.")]
    lines = []
    explain = getattr(sync, "standing_message", None)
    if status.standing and explain is not None:
        lines.append(explain(status.standing))
    lines += [
        _("County server: {server}").format(server=status.server),
        _("Desk {node} of township {township} ({kind})").format(
            node=status.node, township=status.township, kind=kind_text(status.kind)),
        _("Waiting to send: {count} events").format(count=status.waiting),
    ]
    if status.held:
        lines.append(_("Held back by the county (see the supervisor): {count} events").format(count=status.held))
    if status.last_ok_at:
        lines.append(_("Last in step: {time}").format(time=_local(status.last_ok_at).strftime("%Y-%m-%d %H:%M")))
    if status.offline_since:
        lines.append(_("Offline since {time}; cases are kept here and sent when the county answers again.").format(
            time=_local(status.offline_since).strftime("%Y-%m-%d %H:%M")))
    if abs(status.clock_offset_ms) > CLOCK_WARNING_MS:
        lines.append(_("This PC's clock is off by {minutes} minutes from the county's.").format(
            minutes=clock_minutes(status)) + " " + _("Ask the administrator to set the clock right."))
    if status.last_error:
        lines.append(_("Last problem: {error}").format(error=status.last_error))
    if failure:
        lines.append(_("The last round stopped on an unexpected error (written to the log): {error}").format(
            error=failure))
    return lines
