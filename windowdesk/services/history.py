"""A case's history as people read it: one line per event of its log, oldest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from windowdesk.core.codes import Delivery, Rating, Result
from windowdesk.core.errors import NotFoundError
from windowdesk.core.events import EventType
from windowdesk.db.codec import SELECT_EVENT_SQL, row_to_event
from windowdesk.i18n import N_, _
from windowdesk.services.common import SYSTEM, clerk_info, item_version, load_case, window_names
from windowdesk.services.printing_parts import FORM_TITLES, form_title
from windowdesk.core.wire import readable
from windowdesk.services.uow import UnitOfWork

TITLES = {
    EventType.INQUIRY_LOGGED: N_("Inquiry logged"),
    EventType.INQUIRY_ANSWERED: N_("Inquiry answered"),
    EventType.CASE_RECEIVED: N_("Application received"),
    EventType.NOTICE_ISSUED: N_("One-time notice issued"),
    EventType.SUPPLEMENT_RECEIVED: N_("Supplements received"),
    EventType.ACCEPTED: N_("Accepted"),
    EventType.REFUSED: N_("Refused"),
    EventType.REFERRAL_OFFERED: N_("Referred to another window"),
    EventType.REFERRAL_ACCEPTED: N_("Referral taken over"),
    EventType.REFERRAL_DECLINED: N_("Referral declined"),
    EventType.SUSPENDED: N_("Special procedure started"),
    EventType.RESUMED: N_("Special procedure ended"),
    EventType.EXTENDED: N_("Time limit extended"),
    EventType.COMPLETED: N_("Completed"),
    EventType.DELIVERED: N_("Delivered"),
    EventType.EVALUATED: N_("Rated"),
    EventType.WITHDRAWN: N_("Withdrawn"),
    EventType.HANDED_OVER: N_("Handed over by the village agent"),
    EventType.HANDOVER_ACCEPTED: N_("Hand-over taken over at the township"),
    EventType.HANDOVER_DECLINED: N_("Hand-over returned to the village agent"),
    EventType.PRINTED: N_("Form printed"),
    EventType.CONFLICT_RESOLVED: N_("Conflict ruled on by the supervisor"),
    EventType.COVER_TAKEN: N_("Taken over by the B clerk while the A clerk is away (AB post)"),
}


@dataclass(frozen=True)
class HistoryLine:
    recorded_at: datetime
    type: str
    title: str
    detail: str
    actor: str  # the clerk's name ("system" rules are named as such)
    window: str  # the window's name
    node: str


def _detail(t: EventType, p: dict, windows: dict[str, str], names: dict[str, str]) -> str:
    if t is EventType.INQUIRY_LOGGED:
        return p.get("question", "")
    if t is EventType.INQUIRY_ANSWERED:
        return p.get("answer", "")
    if t is EventType.CASE_RECEIVED:
        missing = [names.get(c, c) for c in p.get("missing", ())]
        text = f"{p.get('case_number', '')}：{p.get('item_name', '')}"
        return text + ("；" + _("missing: {materials}").format(materials="、".join(missing)) if missing else "")
    if t is EventType.NOTICE_ISSUED:
        asked = [names.get(c, c) for c in p.get("materials", ())] + list(p.get("additions", ()))
        return _("Asked for: {materials}").format(materials="、".join(asked))
    if t is EventType.SUPPLEMENT_RECEIVED:
        brought = [names.get(c, c) for c in p.get("materials", {})] + list(p.get("additions_resolved", ()))
        text = _("Received on {day}").format(day=p.get("received_on", ""))
        return text + ("：" + "、".join(brought) if brought else "")
    if t is EventType.ACCEPTED:
        key = N_("Deemed accepted on {day} (no notice within five working days)") if p.get("deemed") else N_("Accepted on {day}")
        return _(key).format(day=p.get("accepted_on", "")) + "；" + _("due {day}").format(day=p.get("due_date") or "—")
    if t is EventType.REFUSED:
        return "；".join(x for x in (p.get("reason", ""), p.get("basis", ""), p.get("redirect", "")) if x)
    if t is EventType.REFERRAL_OFFERED:
        return _("To {window}: {reason}").format(window=windows.get(p.get("to_window", ""), ""), reason=p.get("reason", ""))
    if t in (EventType.REFERRAL_DECLINED, EventType.HANDOVER_DECLINED, EventType.WITHDRAWN):
        return p.get("reason", "")
    if t is EventType.SUSPENDED:
        return f"{p.get('procedure', '')}：{p.get('reason', '')}"
    if t is EventType.RESUMED:
        return _("due {day}").format(day=p.get("due_date") or "—")
    if t is EventType.EXTENDED:
        return _("{days} working days, approved by {approver}: {reason}").format(
            days=p.get("days", ""), approver=p.get("approver", ""), reason=p.get("reason", ""))
    if t is EventType.COMPLETED:
        result = Result(p["result"]).label if p.get("result") in Result._value2member_map_ else ""
        return "；".join(x for x in (result, p.get("reason", "")) if x)
    if t is EventType.DELIVERED:
        method = p.get("method")
        return Delivery(method).label if method in Delivery._value2member_map_ else ""
    if t is EventType.EVALUATED:
        level = str(p.get("level", ""))
        label = Rating(level).label if level in Rating._value2member_map_ else level
        return "；".join(x for x in (label, p.get("comment", "")) if x)
    if t is EventType.HANDED_OVER:
        return p.get("note", "")
    if t is EventType.CONFLICT_RESOLVED:
        voided = p.get("void") if isinstance(p.get("void"), list) else []
        return _("{count} conflicting actions voided: {reason}").format(count=len(voided), reason=p.get("reason", ""))
    if t is EventType.PRINTED:
        copies, notice = p.get("copies") or 1, p.get("notice") or 1
        parts = (_("notice no. {number}").format(number=notice) if notice > 1 else "",
                 _("{copies} copies").format(copies=copies) if copies > 1 else "")
        return "；".join(x for x in parts if x)
    return ""


def _title(t: EventType, p: dict) -> str:
    """What the step was; a print names the form: 打印了《事项受理通知单》, or 补打了《…》."""
    if t is EventType.PRINTED and p.get("form") in FORM_TITLES:
        key = N_("Reprinted “{form}”") if p.get("reprint") else N_("Printed “{form}”")
        return _(key).format(form=form_title(p["form"]))
    if t not in TITLES:
        return _newer(t)
    return _(TITLES[t])


def _newer(t) -> str:
    return _("A record of a newer WindowDesk ({type}), kept unread").format(type=t)


def case_history(uow: UnitOfWork, case_id: str) -> tuple[HistoryLine, ...]:
    rows = uow.execute(SELECT_EVENT_SQL + " WHERE case_id = ? ORDER BY hlc", (case_id,)).all()
    windows = window_names(uow)
    state = load_case(uow, case_id)
    names: dict[str, str] = {}
    if state.item_code and state.item_version:  # materials by name, as the item's checklist had them
        names = {m.code: m.name for m in item_version(uow, state.item_code, state.item_version).materials}
    voided = {v for e in map(row_to_event, rows) if e.type is EventType.CONFLICT_RESOLVED
              for v in (e.payload.get("void") if isinstance(e.payload.get("void"), list) else ())}
    marks = {**dict.fromkeys(state.contested, _(" (in conflict: awaiting the ruling)")),
             **dict.fromkeys(voided, _(" (voided by the ruling)"))}
    lines = []
    for e in map(row_to_event, rows):
        if e.actor == SYSTEM:
            actor = _("the desk (rule applied automatically)")
        else:
            try:
                actor = clerk_info(uow, e.actor).name
            except NotFoundError:
                actor = e.actor
        payload = dict(e.payload)
        if readable(e):
            title, detail = _title(e.type, payload), _detail(e.type, payload, windows, names)
        else:  # a type or payload shape of a newer WindowDesk: named, not read
            title, detail = _newer(e.type), ""
        lines.append(HistoryLine(e.recorded_at, str(e.type), title + marks.get(e.event_id, ""), detail, actor,
                                 windows.get(e.window, e.window), e.node))
    return tuple(lines)
