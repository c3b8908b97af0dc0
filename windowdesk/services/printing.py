"""The data of the printed forms of a case (二单、一书 and the one-time notice), and the
record of each print in the case's log.

One function per form: it loads the case by its number, checks the form applies, builds
the sheet (``windowdesk.printing.sheets``) and appends a ``printed`` event in the same
unit of work, then commits (``commit=False`` leaves the commit to a caller that renders
first, so a failed render records no print; ``record=False`` builds the sheet for a
preview, and ``record_print`` records it once the form really left the desk). A print never changes the case's status and
is allowed for the clerks of the case's windows (where it was received, where it is held)
and for supervisors, open or closed. A form printed before for the case (the same notice,
for one-time notices) is a reprint: marked 补打 with the time.

The registration book and the service guide: ``printing_book``.
"""

from __future__ import annotations

from datetime import date, datetime

import orjson

from windowdesk.core.calendar import CalendarGapError
from windowdesk.core.catalogue import ServiceItem
from windowdesk.core.errors import StateError, ValidationError
from windowdesk.core.events import EventType
from windowdesk.core.projection import CaseState
from windowdesk.db.codec import decode_time
from windowdesk.i18n import _
from windowdesk.printing.sheets import (
    AcceptanceNotice,
    FormKind,
    MaterialLine,
    OneTimeNotice,
    PrintMark,
    RefusalNotice,
    SatisfactionSlip,
)
from windowdesk.services.center import require
from windowdesk.services.common import Actor, append, apply_deemed_acceptance, item_version, window_names
from windowdesk.services.printing_parts import (  # noqa: F401  (FORM_TITLES, print_actor: re-exported)
    CENTER_NEEDS,
    FORM_TITLES,
    asked_line,
    case_by_number,
    check_printer,
    form_title,
    header,
    local_time,
    print_actor,
    received_lines,
    result_text,
)
from windowdesk.services.uow import UnitOfWork

MAX_COPIES = 20


def _begin(uow: UnitOfWork, actor: Actor, case_number: str, today: date) -> CaseState:
    state = case_by_number(uow, case_number)
    deemed = apply_deemed_acceptance(uow, state, today)
    if deemed is not state:  # a legal fact (Art. 32): kept even if the print is refused
        uow.commit()
        state = deemed
    check_printer(uow, actor, state)
    return state


def _payloads(uow: UnitOfWork, case_id: str, type_: EventType) -> list[dict]:
    rows = uow.execute(
        "SELECT payload FROM events WHERE case_id = ? AND type = ? ORDER BY hlc", (case_id, str(type_))
    ).all()
    return [orjson.loads(r[0]) for r in rows]


def _mark(uow: UnitOfWork, state: CaseState, form: FormKind, now: datetime, notice: int | None) -> PrintMark:
    earlier = [
        p for p in _payloads(uow, state.case_id, EventType.PRINTED)
        if p.get("form") == str(form) and p.get("notice") == notice
    ]
    return PrintMark(True, local_time(now)) if earlier else PrintMark()


def _first_printed(uow: UnitOfWork, state: CaseState, form: FormKind) -> date | None:
    """The day the form was first printed: a reprint keeps the date it was issued on."""
    row = uow.execute(
        "SELECT recorded_at FROM events WHERE case_id = ? AND type = ? AND json_extract(payload, '$.form') = ? "
        "ORDER BY hlc LIMIT 1", (state.case_id, str(EventType.PRINTED), str(form)),
    ).first()
    return local_time(decode_time(row[0])).date() if row else None


def _bring_by(uow: UnitOfWork, issued_on: date, days: int) -> date | None:
    """The day the notice asks the materials by, when the center sets a period (working
    days from the notice); none when it sets none or the calendar lacks that year."""
    if not days:
        return None
    try:
        return uow.calendar.add_workdays(issued_on, days)
    except CalendarGapError:
        return None


def _record(
    uow: UnitOfWork, actor: Actor, state: CaseState, form: FormKind, mark: PrintMark,
    copies: int, commit: bool, notice: int | None = None,
) -> None:
    payload: dict = {"form": str(form), "reprint": mark.reprint, "copies": copies}
    if notice is not None:
        payload["notice"] = notice
    append(uow, state, state.case_id, EventType.PRINTED, payload, actor)
    if commit:
        uow.commit()


def _copies(copies: int) -> int:
    if not isinstance(copies, int) or isinstance(copies, bool) or not 1 <= copies <= MAX_COPIES:
        raise ValidationError(
            _("The number of copies must be from 1 to {limit}, not {value}.").format(limit=MAX_COPIES, value=copies)
        )
    return copies


def _item(uow: UnitOfWork, state: CaseState) -> ServiceItem:
    assert state.item_code and state.item_version
    return item_version(uow, state.item_code, state.item_version)


def _start(uow: UnitOfWork, now: datetime | None) -> tuple[datetime, date]:
    now = now or uow.now()
    return now, local_time(now).date()


def acceptance_notice(
    uow: UnitOfWork, actor: Actor, case_number: str, *, now: datetime | None = None,
    copies: int = 1, commit: bool = True, record: bool = True,
) -> AcceptanceNotice:
    """《事项受理通知单》 of a case that was accepted (or deemed accepted), at any later stage.
    The completion date is the one committed at acceptance (an extension is notified
    on its own)."""
    now, today = _start(uow, now)
    copies = _copies(copies)
    state = _begin(uow, actor, case_number, today)
    title = form_title(FormKind.ACCEPTANCE)
    if state.accepted_on is None:
        raise StateError(
            _("Case {case} has not been accepted (it is {status}): the {form} is printed only for an accepted case.").format(
                case=state.label, status=state.status.label, form=title
            )
        )
    center = require(uow, title, CENTER_NEEDS[FormKind.ACCEPTANCE])
    item = _item(uow, state)
    accepted = (_payloads(uow, state.case_id, EventType.ACCEPTED) or [{}])[-1]
    due = accepted.get("due_date")
    mark = _mark(uow, state, FormKind.ACCEPTANCE, now, None)
    sheet = AcceptanceNotice(
        center=center, case=header(uow, state, EventType.ACCEPTED, item), materials=received_lines(item, state),
        accepted_on=state.accepted_on, deemed=state.deemed_accepted, after_supplement=bool(state.notice_count),
        limit_days=int(accepted.get("limit_days", state.limit_days)), statutory_days=state.statutory_days,
        due_date=date.fromisoformat(due) if due else (state.due_date or state.accepted_on),
        contact_phone=item.phone or center.phone, issued_on=_first_printed(uow, state, FormKind.ACCEPTANCE) or today,
        mark=mark,
    )
    if record:
        _record(uow, actor, state, FormKind.ACCEPTANCE, mark, copies, commit)
    return sheet


def one_time_notice(
    uow: UnitOfWork, actor: Actor, case_number: str, *, now: datetime | None = None,
    copies: int = 1, commit: bool = True, record: bool = True,
) -> OneTimeNotice:
    """《一次性告知书》: the latest notice given for the case, exactly as it asked (its
    materials in the form the case's catalogue version asks for, and the clerk's points)."""
    now, today = _start(uow, now)
    copies = _copies(copies)
    state = _begin(uow, actor, case_number, today)
    title = form_title(FormKind.ONE_TIME_NOTICE)
    notices = _payloads(uow, state.case_id, EventType.NOTICE_ISSUED)
    if not notices:
        raise StateError(
            _("Case {case} was given no one-time notice (it is {status}): there is no {form} to print.").format(
                case=state.label, status=state.status.label, form=title
            )
        )
    center = require(uow, title, CENTER_NEEDS[FormKind.ONE_TIME_NOTICE])
    item = _item(uow, state)
    latest, number = notices[-1], len(notices)
    by_code = {m.code: m for m in item.materials}
    missing = tuple(asked_line(by_code[c]) if c in by_code else MaterialLine(c, False, 0)
                    for c in latest.get("materials", ()))
    window = window_names(uow).get(state.holder_window, state.holder_window)
    mark = _mark(uow, state, FormKind.ONE_TIME_NOTICE, now, number)
    sheet = OneTimeNotice(
        center=center, case=header(uow, state, EventType.NOTICE_ISSUED, item), missing=missing,
        additions=tuple(latest.get("additions", ())), conditions=item.conditions,
        where="，".join(x for x in (center.address, item.location or window) if x),
        bring_by=_bring_by(uow, date.fromisoformat(latest["issued_on"]), center.supplement_days),
        contact_phone=item.phone or center.phone,
        issued_on=date.fromisoformat(latest["issued_on"]), notice_number=number, mark=mark,
    )
    if record:
        _record(uow, actor, state, FormKind.ONE_TIME_NOTICE, mark, copies, commit, notice=number)
    return sheet


def refusal_notice(
    uow: UnitOfWork, actor: Actor, case_number: str, *, now: datetime | None = None,
    copies: int = 1, commit: bool = True, record: bool = True,
) -> RefusalNotice:
    """《不予受理告知书》 of a refused case: the reasons, the basis, where to apply instead;
    the remedies come from the center settings."""
    now, today = _start(uow, now)
    copies = _copies(copies)
    state = _begin(uow, actor, case_number, today)
    title = form_title(FormKind.REFUSAL)
    if state.refused_on is None:
        raise StateError(
            _("Case {case} was not refused (it is {status}): the {form} is printed only for a refused case.").format(
                case=state.label, status=state.status.label, form=title
            )
        )
    center = require(uow, title, CENTER_NEEDS[FormKind.REFUSAL])
    mark = _mark(uow, state, FormKind.REFUSAL, now, None)
    sheet = RefusalNotice(
        center=center, case=header(uow, state, EventType.REFUSED), refused_on=state.refused_on,
        reasons=state.refusal_reason, basis=state.refusal_basis, redirect=state.refusal_redirect, mark=mark,
    )
    if record:
        _record(uow, actor, state, FormKind.REFUSAL, mark, copies, commit)
    return sheet


def satisfaction_slip(
    uow: UnitOfWork, actor: Actor, case_number: str, *, now: datetime | None = None,
    copies: int = 1, commit: bool = True, record: bool = True,
) -> SatisfactionSlip:
    """《事项办理群众满意情况反馈单》 of a case accepted, refused or completed on the spot:
    every visit that got a decision is rated (一次一评)."""
    now, today = _start(uow, now)
    copies = _copies(copies)
    state = _begin(uow, actor, case_number, today)
    title = form_title(FormKind.SATISFACTION)
    if state.accepted_on is None and state.refused_on is None:  # 一次一评: every decided visit is rated
        raise StateError(
            _("Case {case} has not been decided yet (it is {status}): the {form} is given once an application is accepted, refused or completed on the spot.").format(
                case=state.label, status=state.status.label, form=title
            )
        )
    center = require(uow, title, CENTER_NEEDS[FormKind.SATISFACTION])
    mark = _mark(uow, state, FormKind.SATISFACTION, now, None)
    sheet = SatisfactionSlip(
        center=center, case=header(uow, state), result=result_text(state.status, state.result),
        completed_on=state.completed_on, mark=mark,
    )
    if record:
        _record(uow, actor, state, FormKind.SATISFACTION, mark, copies, commit)
    return sheet


CASE_FORMS = {
    FormKind.ACCEPTANCE: acceptance_notice,
    FormKind.ONE_TIME_NOTICE: one_time_notice,
    FormKind.REFUSAL: refusal_notice,
    FormKind.SATISFACTION: satisfaction_slip,
}


def record_print(
    uow: UnitOfWork, actor: Actor, case_number: str, form: FormKind | str, *,
    now: datetime | None = None, copies: int = 1,
) -> CaseState:
    """Record that ``form`` of the case was printed (or saved) after its preview, with
    the same checks as printing it; returns the case."""
    CASE_FORMS[FormKind(form)](uow, actor, case_number, now=now, copies=copies)
    return case_by_number(uow, case_number)


def forms_for(state: CaseState) -> tuple[FormKind, ...]:
    """The forms a case has now, in the order a clerk hands them out."""
    if not state.case_number:
        return ()
    forms = []
    if state.notice_count:
        forms.append(FormKind.ONE_TIME_NOTICE)
    if state.refused_on is not None:
        forms += [FormKind.REFUSAL, FormKind.SATISFACTION]
    if state.accepted_on is not None:
        forms += [FormKind.ACCEPTANCE, FormKind.SATISFACTION]
    return tuple(forms)
