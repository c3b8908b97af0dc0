"""What the printed forms share: titles, where a case stands, finding a case by its
number, who may print its forms, and the case's header and material lines."""

from __future__ import annotations

from datetime import datetime

from windowdesk.core.casenumber import INQUIRY, parse_number
from windowdesk.core.catalogue import ItemKind, ItemType, Material, ServiceItem
from windowdesk.core.codes import Channel, IdType, Role
from windowdesk.core.errors import NotFoundError, RuleViolation, ValidationError
from windowdesk.core.events import EventType
from windowdesk.core.lifecycle import Status
from windowdesk.core.projection import KIND_CASE, CaseState
from windowdesk.db.codec import SELECT_CASE_SQL, row_to_state
from windowdesk.i18n import N_, _
from windowdesk.printing.sheets import Applicant, CaseHeader, FormKind, MaterialLine
from windowdesk.services.common import SYSTEM, Actor, check_actor, clerk_info, item_version, window_names
from windowdesk.services.uow import UnitOfWork

FORM_TITLES = {
    FormKind.BOOK: N_("Service registration book"),
    FormKind.ACCEPTANCE: N_("Acceptance notice"),
    FormKind.ONE_TIME_NOTICE: N_("One-time notice of missing materials"),
    FormKind.REFUSAL: N_("Notice of refusal to accept"),
    FormKind.SATISFACTION: N_("Satisfaction feedback slip"),
    FormKind.GUIDE: N_("Service guide"),
}
# What each form needs of the center settings (its header, its seal, the remedies).
CENTER_NEEDS = {
    FormKind.ACCEPTANCE: ("office_name", "seal_name", "supervision_phone"),
    FormKind.ONE_TIME_NOTICE: ("office_name", "seal_name"),
    FormKind.REFUSAL: ("office_name", "seal_name", "reconsideration_body", "court"),
    FormKind.SATISFACTION: ("office_name", "supervision_phone"),
    FormKind.BOOK: ("office_name",),
    FormKind.GUIDE: ("office_name",),
}
# How the book and the slip state where a case stands or how it ended.
_RESULTS = {
    Status.RECEIVED: N_("Awaiting acceptance"),
    Status.AWAITING_SUPPLEMENT: N_("Awaiting supplementary materials"),
    Status.IN_PROGRESS: N_("Being handled"),
    Status.SUSPENDED: N_("In a special procedure"),
    Status.REFERRED: N_("Being referred"),
    Status.HANDED_OVER: N_("Handed over by the village point"),
    Status.REFUSED: N_("Application not accepted"),
    Status.WITHDRAWN: N_("Application withdrawn"),
}
_OUTCOMES = {"granted": N_("Approved"), "denied": N_("Not approved")}


def form_title(form: FormKind | str) -> str:
    """The form's printed title, without the book-title marks: 事项受理通知单."""
    return _(FORM_TITLES[FormKind(form)])


def local_time(moment: datetime) -> datetime:
    """A stored UTC time in the desk's local time, as the desk dates its cases
    (``SystemClock.today``, the history's times)."""
    return moment.astimezone()


def result_text(status: Status | str, result: str | None) -> str:
    """准予 / 不予 for a completed case, otherwise where it stands: 办理中, 补正中 …"""
    if result in _OUTCOMES:
        return _(_OUTCOMES[result])
    key = _RESULTS.get(Status(status))
    return _(key) if key else Status(status).label


def case_by_number(uow: UnitOfWork, number: str) -> CaseState:
    """The case with ``number``; a clear message for an unknown one or an inquiry number."""
    text = (number or "").strip()
    if not text:
        raise ValidationError(_("Give the case number."))
    try:
        parsed = parse_number(text)
    except ValidationError:
        raise NotFoundError(_("There is no case with number {number}.").format(number=text)) from None
    if parsed.scope == INQUIRY:
        raise ValidationError(
            _("{number} is an inquiry number; forms are printed for cases.").format(number=parsed)
        )
    row = uow.execute(SELECT_CASE_SQL + " WHERE case_number = ?", (str(parsed),)).first()
    if row is None:
        raise NotFoundError(_("There is no case with number {number}.").format(number=parsed))
    state = row_to_state(row)
    if state.kind != KIND_CASE:
        raise ValidationError(
            _("{number} is an inquiry number; forms are printed for cases.").format(number=parsed)
        )
    return state


def check_printer(uow: UnitOfWork, actor: Actor, state: CaseState) -> None:
    """A supervisor prints any case's forms; a clerk those of a case received or held at
    the window they act for; a village agent those of the cases they collected or hold."""
    info = check_actor(uow, actor)
    if info.role in (Role.SUPERVISOR, Role.ADMIN):
        return
    if info.role is Role.AGENT:
        if actor.clerk in (state.first_clerk, state.holder_clerk):
            return
        raise RuleViolation(
            _("A village proxy agent prints the forms of the cases they collected; case {case} is not one of them.").format(
                case=state.label
            )
        )
    windows = [w for w in dict.fromkeys((state.first_window, state.holder_window)) if w]
    if actor.window not in windows:
        names = window_names(uow)
        raise RuleViolation(
            _("Case {case} belongs to {windows}, not to {window}: only its windows or a supervisor print its forms.").format(
                case=state.label, windows="、".join(names.get(w, w) for w in windows),
                window=names.get(actor.window, actor.window),
            )
        )


def print_actor(uow: UnitOfWork, case_number: str, clerk: str | None = None) -> Actor:
    """Who a print outside the app is recorded as: ``clerk`` (by default the clerk who
    holds the case), acting for the case's window they serve — its holding window, or
    where it was received; a supervisor for the holding window."""
    state = case_by_number(uow, case_number)
    code = (clerk or "").strip() or state.holder_clerk
    info = clerk_info(uow, code)
    for window in (state.holder_window, state.first_window):
        if window and window in info.windows:
            return Actor(code, window)
    if info.role in (Role.SUPERVISOR, Role.ADMIN) or not info.windows:
        return Actor(code, state.holder_window)
    return Actor(code, min(info.windows))  # refused by ``check_printer``, naming the windows


def _clerk_name(uow: UnitOfWork, code: str) -> str:
    try:
        return clerk_info(uow, code).name
    except NotFoundError:  # a clerk of another desk, known here only by code
        return code


def _id_type_label(value: str) -> str:
    if value in IdType._value2member_map_:
        return "" if value == IdType.NONE else IdType(value).label
    return value


def _step_taken(uow: UnitOfWork, state: CaseState, step: EventType | None) -> tuple[str, str]:
    """(window, clerk) of the latest ``step`` event of the case — who accepted, refused or
    gave the notice the form records — or where the case is now. A rule the desk applied
    itself (deemed acceptance) is the window's, carried by the clerk holding the case."""
    if step is not None:
        row = uow.execute(
            "SELECT window, actor FROM events WHERE case_id = ? AND type = ? ORDER BY hlc DESC LIMIT 1",
            (state.case_id, str(step)),
        ).first()
        if row is not None:
            window, actor = row
            return window, state.holder_clerk if actor == SYSTEM else actor
    return state.holder_window, state.holder_clerk


def header(uow: UnitOfWork, state: CaseState, step: EventType | None = None,
           item: ServiceItem | None = None) -> CaseHeader:
    names = window_names(uow)
    channel = Channel(state.channel).label if state.channel in Channel._value2member_map_ else state.channel
    assert state.case_number and state.received_on
    window, clerk = _step_taken(uow, state, step)
    if item is None and state.item_code and state.item_version:
        item = item_version(uow, state.item_code, state.item_version)
    return CaseHeader(
        case_number=state.case_number,
        item_code=state.item_code or "",
        item_name=state.item_name,
        item_kind=(ItemKind.IMMEDIATE if state.immediate else ItemKind.PROMISED).label,
        applicant=Applicant(state.applicant_name, _id_type_label(state.applicant_id_type),
                            state.applicant_id_number, state.applicant_phone, state.applicant_address),
        received_on=state.received_on,
        window_name=names.get(window, window),
        clerk_name=_clerk_name(uow, clerk),
        channel=channel,
        licensing=item is not None and item.type is ItemType.LICENSING,
    )


def asked_line(material: Material) -> MaterialLine:
    """A material as the checklist asks for it."""
    return MaterialLine(material.name, material.original, material.copies if material.copy else 0,
                        material.required, material.notes)


def received_lines(item: ServiceItem, state: CaseState) -> tuple[MaterialLine, ...]:
    """The materials received, in the checklist's order, as received."""
    received = {code: (original, copies) for code, original, copies in state.received_materials}
    lines = [MaterialLine(m.name, *received.pop(m.code), m.required, m.notes)
             for m in item.materials if m.code in received]
    return tuple(lines) + tuple(MaterialLine(code, o, n) for code, (o, n) in received.items())
