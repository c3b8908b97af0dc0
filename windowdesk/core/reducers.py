"""What each type of event does to a case's state (a dict of ``CaseState``'s fields).

Pure functions of the state, the payload and the event; replay (``projection``) decides
which events reach them and in what order."""

from __future__ import annotations

from datetime import date, datetime
from typing import Callable

from windowdesk.core.events import Event, EventType
from windowdesk.core.lifecycle import Status

KIND_INQUIRY = "inquiry"
KIND_CASE = "case"


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _applicant(s: dict, a: dict) -> None:
    s["applicant_name"] = a.get("name", "")
    s["applicant_id_type"] = a.get("id_type", "")
    s["applicant_id_number"] = a.get("id_number", "")
    s["applicant_phone"] = a.get("phone", "")
    s["applicant_address"] = a.get("address", "")


def _materials(existing: tuple, new: dict) -> tuple:
    merged = {c: (o, n) for c, o, n in existing}
    for code, rec in new.items():
        o, n = merged.get(code, (False, 0))
        merged[code] = (o or bool(rec.get("original")), max(n, int(rec.get("copies", 0))))
    return tuple((c, o, n) for c, (o, n) in sorted(merged.items()))


def _inquiry_logged(s: dict, p: dict, e: Event) -> None:
    s["kind"] = KIND_INQUIRY
    s["status"] = Status.INQUIRY
    s["inquiry_number"] = p["inquiry_number"]
    s["channel"] = p.get("channel", "window")
    s["question"] = p.get("question", "")
    s["item_code"] = p.get("item_code")
    s["item_name"] = p.get("item_name", "")
    _applicant(s, p.get("applicant", {}))
    s["first_clerk"] = s["holder_clerk"] = e.actor
    s["first_window"] = s["holder_window"] = e.window
    s["holder_node"] = e.node


def _inquiry_answered(s: dict, p: dict, e: Event) -> None:
    s["status"] = Status.ANSWERED
    s["answer"] = p.get("answer", "")


def _case_received(s: dict, p: dict, e: Event) -> None:
    was_inquiry = s["kind"] == KIND_INQUIRY
    s["kind"] = KIND_CASE
    s["status"] = Status.RECEIVED
    s["case_number"] = p["case_number"]
    s["channel"] = p.get("channel", "window")
    s["item_code"] = p["item_code"]
    s["item_version"] = p["item_version"]
    s["item_name"] = p.get("item_name", "")
    s["immediate"] = bool(p.get("immediate"))
    s["limit_days"] = int(p.get("limit_days", 0))
    s["statutory_days"] = int(p.get("statutory_days", 0))
    _applicant(s, p.get("applicant", {}))
    if not was_inquiry:  # an inquiry keeps its first-inquiry clerk
        s["first_clerk"] = p.get("first_clerk") or e.actor
        s["first_window"] = p.get("first_window") or e.window
    s["holder_clerk"] = p.get("holder_clerk") or e.actor
    s["holder_window"] = p.get("holder_window") or e.window
    s["holder_node"] = e.node
    s["received_on"] = s["decision_base_on"] = _d(p["received_on"])
    s["notice_deadline"] = _d(p.get("notice_deadline"))
    s["received_materials"] = _materials((), p.get("materials", {}))
    s["missing_materials"] = tuple(p.get("missing", ()))


def _notice_issued(s: dict, p: dict, e: Event) -> None:
    s["status"] = Status.AWAITING_SUPPLEMENT
    s["notice_count"] += 1
    if p.get("override"):
        s["notice_overrides"] += 1
    materials, additions = tuple(p.get("materials", ())), tuple(p.get("additions", ()))
    if s["notice_count"] == 1:
        s["notice_materials"], s["notice_additions"] = materials, additions
        s["notice_issued_on"] = _d(p["issued_on"])
    else:  # an overridden later notice widens what is asked for
        s["notice_materials"] += tuple(c for c in materials if c not in s["notice_materials"])
        s["notice_additions"] += tuple(t for t in additions if t not in s["notice_additions"])
    s["missing_materials"] = tuple(dict.fromkeys(s["missing_materials"] + materials))
    s["outstanding_additions"] = tuple(dict.fromkeys(s["outstanding_additions"] + additions))
    s["supplements_completed_on"] = None


def _supplement_received(s: dict, p: dict, e: Event) -> None:
    supplied = p.get("materials", {})
    satisfied = set(p.get("satisfied", supplied))
    s["received_materials"] = _materials(s["received_materials"], supplied)
    s["missing_materials"] = tuple(c for c in s["missing_materials"] if c not in satisfied)
    resolved = set(p.get("additions_resolved", ()))
    s["outstanding_additions"] = tuple(t for t in s["outstanding_additions"] if t not in resolved)
    if not s["missing_materials"] and not s["outstanding_additions"]:
        day = _d(p["received_on"])
        if s["status"] is Status.AWAITING_SUPPLEMENT:  # a decision taken meanwhile elsewhere stands
            s["status"] = Status.RECEIVED
        s["supplements_completed_on"] = s["decision_base_on"] = day
        s["notice_deadline"] = _d(p.get("notice_deadline"))


def _accepted(s: dict, p: dict, e: Event) -> None:
    s["status"] = Status.IN_PROGRESS
    s["accepted_on"] = _d(p["accepted_on"])
    s["deemed_accepted"] = bool(p.get("deemed"))
    s["limit_days"] = int(p.get("limit_days", s["limit_days"]))
    s["due_date"] = _d(p.get("due_date"))
    s["warn_date"] = _d(p.get("warn_date"))
    s["due_assumed"] = bool(p.get("due_assumed"))
    s["missing_materials"] = ()
    s["outstanding_additions"] = ()


def _refused(s: dict, p: dict, e: Event) -> None:
    s["status"] = Status.REFUSED
    s["refused_on"] = _d(p["refused_on"])
    s["refusal_reason"] = p.get("reason", "")
    s["refusal_basis"] = p.get("basis", "")
    s["refusal_redirect"] = p.get("redirect", "")


def _referral_offered(s: dict, p: dict, e: Event) -> None:
    s["status_before_referral"] = s["status"]
    s["status"] = Status.REFERRED
    s["referral_to_window"] = p["to_window"]
    s["referral_reason"] = p.get("reason", "")
    s["referral_offered_at"] = datetime.fromisoformat(p["offered_at"])
    s["referral_from_window"] = e.window
    s["referral_from_clerk"] = e.actor
    s["referral_count"] += 1


def _referral_closed(s: dict) -> None:
    s["status"] = s["status_before_referral"] or Status.RECEIVED
    s["status_before_referral"] = None
    s["referral_to_window"] = None
    s["referral_offered_at"] = None


def _referral_accepted(s: dict, p: dict, e: Event) -> None:
    s["holder_window"] = s["referral_to_window"]
    s["holder_clerk"] = e.actor
    s["holder_node"] = e.node
    _referral_closed(s)


def _referral_declined(s: dict, p: dict, e: Event) -> None:
    _referral_closed(s)


def _handed_over(s: dict, p: dict, e: Event) -> None:  # an offer to the holding window, in the referral columns
    s["status_before_referral"] = s["status"]
    s["status"] = Status.HANDED_OVER
    s["referral_to_window"] = s["holder_window"]
    s["referral_reason"] = p.get("note", "")
    s["referral_offered_at"] = datetime.fromisoformat(p["handed_at"])
    s["referral_from_window"] = e.window
    s["referral_from_clerk"] = e.actor


def _handover_accepted(s: dict, p: dict, e: Event) -> None:
    s["holder_clerk"] = e.actor
    s["holder_node"] = e.node
    _referral_closed(s)


def _suspended(s: dict, p: dict, e: Event) -> None:
    s["status"] = Status.SUSPENDED
    s["suspensions"] += ((_d(p["start"]), None),)
    s["due_date"] = None
    s["warn_date"] = None


def _resumed(s: dict, p: dict, e: Event) -> None:
    s["status"] = Status.IN_PROGRESS
    start, _ = s["suspensions"][-1]
    s["suspensions"] = s["suspensions"][:-1] + ((start, _d(p["end"])),)
    s["due_date"] = _d(p.get("due_date"))
    s["warn_date"] = _d(p.get("warn_date"))
    s["due_assumed"] = bool(p.get("due_assumed"))


def _extended(s: dict, p: dict, e: Event) -> None:
    s["extension_days"] += int(p["days"])
    if s["status"] is not Status.SUSPENDED:
        s["due_date"] = _d(p.get("due_date"))
        s["warn_date"] = _d(p.get("warn_date"))
        s["due_assumed"] = bool(p.get("due_assumed"))


def _completed(s: dict, p: dict, e: Event) -> None:
    s["status"] = Status.COMPLETED
    s["completed_on"] = day = _d(p["completed_on"])
    s["result"] = p["result"]
    s["result_reason"] = p.get("reason", "")
    s["workdays_taken"] = p.get("workdays_taken")
    s["on_time"] = s["due_date"] is not None and day <= s["due_date"]


def _delivered(s: dict, p: dict, e: Event) -> None:
    # a rating recorded meanwhile (on another desk) already made the case evaluated
    s["status"] = Status.EVALUATED if s["rating"] is not None else Status.DELIVERED
    s["delivered_on"] = _d(p["delivered_on"])


def _evaluated(s: dict, p: dict, e: Event) -> None:
    if s["status"] in (Status.COMPLETED, Status.DELIVERED):
        s["status"] = Status.EVALUATED
    s["rating"] = int(p["level"])
    s["rating_comment"] = p.get("comment", "")
    s["rated_on"] = _d(p["rated_on"])


def _withdrawn(s: dict, p: dict, e: Event) -> None:
    s["status"] = Status.WITHDRAWN
    s["withdrawn_on"] = _d(p["withdrawn_on"])
    s["withdrawal_reason"] = p.get("reason", "")
    s["referral_to_window"] = s["status_before_referral"] = None


def _cover_taken(s: dict, p: dict, e: Event) -> None:
    s["holder_clerk"] = e.actor
    s["holder_node"] = e.node


REDUCERS: dict[EventType, Callable[[dict, dict, Event], None]] = {
    EventType.INQUIRY_LOGGED: _inquiry_logged,
    EventType.INQUIRY_ANSWERED: _inquiry_answered,
    EventType.CASE_RECEIVED: _case_received,
    EventType.NOTICE_ISSUED: _notice_issued,
    EventType.SUPPLEMENT_RECEIVED: _supplement_received,
    EventType.ACCEPTED: _accepted,
    EventType.REFUSED: _refused,
    EventType.REFERRAL_OFFERED: _referral_offered,
    EventType.REFERRAL_ACCEPTED: _referral_accepted,
    EventType.REFERRAL_DECLINED: _referral_declined,
    EventType.SUSPENDED: _suspended,
    EventType.RESUMED: _resumed,
    EventType.EXTENDED: _extended,
    EventType.COMPLETED: _completed,
    EventType.DELIVERED: _delivered,
    EventType.EVALUATED: _evaluated,
    EventType.WITHDRAWN: _withdrawn,
    EventType.HANDED_OVER: _handed_over,
    EventType.HANDOVER_ACCEPTED: _handover_accepted,
    EventType.HANDOVER_DECLINED: _referral_declined,  # back to the agent
    EventType.PRINTED: lambda s, p, e: None,  # a record, not a change: only the log's own columns move
    # The ruling's effect (the transitions it voids are not applied) is read from the
    # whole log before replay starts; the event itself changes nothing more.
    EventType.CONFLICT_RESOLVED: lambda s, p, e: None,
    EventType.COVER_TAKEN: _cover_taken,
}
