"""Use cases at the front of a case: inquiry, receipt, one-time notice, decision."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Iterable

from windowdesk.core.casenumber import CASE, INQUIRY, format_number
from windowdesk.core.codes import Channel, Result, Role, parse_code
from windowdesk.core.errors import RuleViolation, ValidationError
from windowdesk.core.events import EventType
from windowdesk.core.lifecycle import Action
from windowdesk.core.notices import (
    NoticeRequest,
    ReceivedMaterial,
    build_notice,
    check_later_notice,
    check_received,
    merge_received,
    missing_materials,
    notice_deadline,
    satisfies,
)
from windowdesk.core.projection import CaseState
from windowdesk.i18n import _
from windowdesk.services.applicants import (
    ApplicantInput,
    check_applicant,
    duplicate_warning,
    open_cases_of,
    remember_applicant,
)
from windowdesk.services.common import (
    Actor,
    acceptance_event,
    append,
    apply_deemed_acceptance,
    load_case,
    commit_event,
    begin_action,
    check_actor,
    check_standing,
    check_item_window,
    clerk_info,
    current_item,
    item_version,
    required_text,
)
from windowdesk.services.uow import UnitOfWork


@dataclass(frozen=True)
class IntakeResult:
    case: CaseState
    warnings: tuple[str, ...] = ()


def reserve_number(uow: UnitOfWork, scope: str, day: date) -> str:
    """The next number, taken in the caller's transaction.

    The number and the event that uses it commit together: an intake that fails leaves
    neither, so the registration book has no gaps, and a number that reached the log
    (or a printed notice, which only follows a commit) is never issued again."""
    check_standing(uow)
    row = uow.execute(
        "INSERT INTO number_sequences (node, scope, day, last) VALUES (:n, :s, :d, 1) "
        "ON CONFLICT(node, scope, day) DO UPDATE SET last = last + 1 RETURNING last",
        {"n": uow.node, "s": scope, "d": day.strftime("%Y%m%d")},
    ).one()
    return format_number(uow.node, day, row[0], scope)


def log_inquiry(
    uow: UnitOfWork,
    actor: Actor,
    *,
    question: str,
    applicant: ApplicantInput,
    item_code: str | None = None,
    channel: str = Channel.WINDOW,
) -> IntakeResult:
    """咨询登记: a question recorded with its first-inquiry clerk, so it cannot vanish."""
    check_actor(uow, actor)
    question = required_text(question, _("The question"))
    channel = parse_code(Channel, channel, _("Channel"))
    person = check_applicant(applicant, today=uow.today(), require_id=False)
    item_name = current_item(uow, item_code)[0].name if item_code else ""
    number = reserve_number(uow, INQUIRY, uow.today())
    payload = {
        "inquiry_number": number,
        "channel": str(channel),
        "question": question,
        "item_code": item_code,
        "item_name": item_name,
        "applicant": person.to_payload(),
        "logged_on": uow.today().isoformat(),
    }
    state = append(uow, None, str(uuid.uuid4()), EventType.INQUIRY_LOGGED, payload, actor)
    remember_applicant(uow, person)
    uow.commit()
    return IntakeResult(state, person.warnings)


def answer_inquiry(uow: UnitOfWork, actor: Actor, case_id: str, answer: str) -> CaseState:
    state = begin_action(uow, actor, case_id, Action.ANSWER_INQUIRY)
    payload = {"answer": required_text(answer, _("The answer")), "answered_on": uow.today().isoformat()}
    return commit_event(uow, state, case_id, EventType.INQUIRY_ANSWERED, payload, actor)


def receive_case(
    uow: UnitOfWork,
    actor: Actor,
    *,
    item_code: str,
    applicant: ApplicantInput,
    materials: Iterable[ReceivedMaterial] = (),
    channel: str = Channel.WINDOW,
    inquiry_id: str | None = None,
    commit: bool = True,
) -> IntakeResult:
    """收件: register an application with the materials received; gives it a case number.

    A village proxy agent registers on the villager's behalf (channel 代办) and then
    hands the case over to the township window, which decides on it."""
    info = check_actor(uow, actor)
    channel = parse_code(Channel, channel, _("Channel"))
    if info.role is Role.AGENT and channel is not Channel.PROXY:
        raise RuleViolation(_("A village proxy agent registers cases through the village proxy channel only."))
    item, version = current_item(uow, item_code)
    if channel is Channel.PROXY and not item.proxy_allowed:
        raise RuleViolation(
            _("{item} cannot be handled through village proxy service.").format(item=item.name)
        )
    person = check_applicant(applicant, today=uow.today())
    received = merge_received({}, check_received(item, materials))
    today = uow.today()
    deadline = notice_deadline(uow.calendar, today)  # CalendarGapError before anything is written
    inquiry = None
    if inquiry_id is not None:
        inquiry = begin_action(uow, actor, inquiry_id, Action.RECEIVE)
    duplicate = duplicate_warning(open_cases_of(uow, person.id_number, item.code), item.name)
    number = reserve_number(uow, CASE, today)
    payload = {
        "case_number": number,
        "channel": str(channel),
        "item_code": item.code,
        "item_version": version,
        "item_name": item.name,
        "immediate": item.is_immediate,
        "limit_days": item.committed_limit,
        "statutory_days": item.statutory_limit,
        "applicant": person.to_payload(),
        "received_on": today.isoformat(),
        "notice_deadline": deadline.isoformat(),
        "materials": {code: rec.to_dict() for code, rec in received.items()},
        "missing": list(missing_materials(item, received)),
    }
    case_id = inquiry.case_id if inquiry else str(uuid.uuid4())
    state = append(uow, inquiry, case_id, EventType.CASE_RECEIVED, payload, actor)
    remember_applicant(uow, person)
    if commit:
        uow.commit()
    return IntakeResult(state, person.warnings + ((duplicate,) if duplicate else ()))


def _check_complete(state: CaseState) -> None:
    if state.missing_materials or state.outstanding_additions:
        raise RuleViolation(
            _("Case {case} still lacks required materials: give the applicant a one-time notice instead of accepting.").format(
                case=state.label
            )
        )


def accept_case(uow: UnitOfWork, actor: Actor, case_id: str) -> CaseState:
    """受理. After supplements, the acceptance date is the day the last one arrived."""
    state = begin_action(uow, actor, case_id, Action.ACCEPT)
    _check_complete(state)
    accepted_on = state.supplements_completed_on or uow.today()
    state = acceptance_event(uow, state, accepted_on, actor)
    uow.commit()
    return state


def complete_on_the_spot(
    uow: UnitOfWork,
    actor: Actor,
    *,
    item_code: str,
    applicant: ApplicantInput,
    materials: Iterable[ReceivedMaterial] = (),
    channel: str = Channel.WINDOW,
    result: str = Result.GRANTED,
    reason: str = "",
    inquiry_id: str | None = None,
) -> IntakeResult:
    """即办件: receive, accept and complete in one step."""
    if clerk_info(uow, actor.clerk).role is Role.AGENT:
        raise RuleViolation(
            _("A village proxy agent cannot complete a case: register it and hand it over to the township window.")
        )
    item, _version = current_item(uow, item_code)
    check_item_window(uow, actor, item)
    if not item.is_immediate:
        raise RuleViolation(
            _("{item} is a committed item, not an immediate one: accept it and complete it within its time limit.").format(
                item=item.name
            )
        )
    result = parse_code(Result, result, _("Result"))
    if result is Result.DENIED:
        reason = required_text(reason, _("The reason for denial"))
    intake = receive_case(
        uow, actor, item_code=item_code, applicant=applicant, materials=materials,
        channel=channel, inquiry_id=inquiry_id, commit=False,
    )
    state = intake.case
    _check_complete(state)
    today = uow.today()
    state = acceptance_event(uow, state, today, actor)
    payload = {"completed_on": today.isoformat(), "result": str(result), "reason": reason, "workdays_taken": 0}
    state = append(uow, state, state.case_id, EventType.COMPLETED, payload, actor)
    uow.commit()
    return IntakeResult(state, intake.warnings)


def issue_notice(
    uow: UnitOfWork,
    actor: Actor,
    case_id: str,
    *,
    defective: Iterable[str] = (),
    additions: Iterable[str] = (),
    override_by: str | None = None,
    override_reason: str | None = None,
) -> CaseState:
    """一次性告知: everything missing, in one go; a later notice may not ask for more."""
    state = begin_action(uow, actor, case_id, Action.ISSUE_NOTICE)
    item = item_version(uow, state.item_code, state.item_version)
    request = build_notice(item, state.received, defective, additions)
    override = None
    if state.notice_count:
        first = NoticeRequest(state.notice_materials, state.notice_additions)
        if override_reason and override_reason.strip():
            supervisor = clerk_info(uow, required_text(override_by, _("The supervisor who overrides")))
            if supervisor.role is not Role.SUPERVISOR:
                raise RuleViolation(
                    _("Only a supervisor can override the one-time notice rule; {name} is not one.").format(
                        name=supervisor.name
                    )
                )
        if check_later_notice(state.label, item, first, request, override_reason):
            override = {"by": override_by, "reason": override_reason.strip()}
    payload = {
        "issued_on": uow.today().isoformat(),
        "materials": list(request.materials),
        "additions": list(request.additions),
        "override": override,
    }
    return commit_event(uow, state, case_id, EventType.NOTICE_ISSUED, payload, actor)


def record_supplement(
    uow: UnitOfWork,
    actor: Actor,
    case_id: str,
    *,
    materials: Iterable[ReceivedMaterial] = (),
    additions_resolved: Iterable[str] = (),
) -> CaseState:
    """补正: materials brought after the notice; when nothing is outstanding the case
    returns to the clerk for decision, dated the day the last supplement arrived."""
    state = begin_action(uow, actor, case_id, Action.RECORD_SUPPLEMENT)
    item = item_version(uow, state.item_code, state.item_version)
    supplied = check_received(item, materials)
    resolved = [t for t in additions_resolved if t in state.outstanding_additions]
    if not supplied and not resolved:
        raise ValidationError(_("Record at least one material or point that was supplied."))
    merged = merge_received(state.received, supplied)
    satisfied = [c for c in state.missing_materials if satisfies(item, merged.get(c), c)]
    today = uow.today()
    payload = {
        "received_on": today.isoformat(),
        "materials": {rec.code: rec.to_dict() for rec in supplied},
        "satisfied": satisfied,
        "additions_resolved": resolved,
        "notice_deadline": notice_deadline(uow.calendar, today).isoformat(),
    }
    return commit_event(uow, state, case_id, EventType.SUPPLEMENT_RECEIVED, payload, actor)


def refuse_case(
    uow: UnitOfWork, actor: Actor, case_id: str, *, reason: str, basis: str, redirect: str = ""
) -> CaseState:
    """不予受理, with the reason, its legal or policy basis, and where to apply instead."""
    state = begin_action(uow, actor, case_id, Action.REFUSE)
    payload = {
        "refused_on": uow.today().isoformat(),
        "reason": required_text(reason, _("The reason for refusal")),
        "basis": required_text(basis, _("The legal or policy basis")),
        "redirect": (redirect or "").strip(),
    }
    return commit_event(uow, state, case_id, EventType.REFUSED, payload, actor)


def sweep_deemed_acceptance(uow: UnitOfWork) -> list[CaseState]:
    """Apply Art. 32 deemed acceptance to every case whose notice deadline has passed."""
    today = uow.today()
    ids = [
        r[0]
        for r in uow.execute(
            "SELECT case_id FROM cases WHERE status = 'received' AND notice_deadline < :t",
            {"t": today.isoformat()},
        ).all()
    ]
    changed = [apply_deemed_acceptance(uow, load_case(uow, i), today) for i in ids]
    uow.commit()
    return changed
