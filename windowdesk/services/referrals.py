"""Offers of a case to a window: 转办 under first-inquiry responsibility (the first clerk
stays answerable until the receiving window has taken the matter; offers left untaken
are listed for follow-up), and 代办移交, a village agent handing a proxy case over to
the township window, which takes it over or returns it with a reason."""

from __future__ import annotations

from datetime import timedelta

from windowdesk.core.codes import Role
from windowdesk.core.errors import RuleViolation
from windowdesk.core.events import EventType
from windowdesk.core.lifecycle import Action
from windowdesk.core.projection import CaseState
from windowdesk.db.codec import SELECT_CASE_SQL, encode_time, row_to_state
from windowdesk.i18n import _
from windowdesk.services.common import (
    Actor,
    commit_event,
    begin_action,
    check_window,
    clerk_info,
    required_text,
    window_names,
)
from windowdesk.services.uow import UnitOfWork


def refer_case(uow: UnitOfWork, actor: Actor, case_id: str, *, to_window: str, reason: str) -> CaseState:
    """Offer the matter to the window it belongs to; it stays ours until they take it."""
    state = begin_action(uow, actor, case_id, Action.REFER)
    check_window(uow, to_window)
    if to_window == state.holder_window:
        raise RuleViolation(
            _("Case {case} is already held by {window}.").format(
                case=state.label, window=window_names(uow)[to_window]
            )
        )
    payload = {
        "to_window": to_window,
        "reason": required_text(reason, _("The reason for the referral")),
        "offered_at": encode_time(uow.now()),
    }
    return commit_event(uow, state, case_id, EventType.REFERRAL_OFFERED, payload, actor)


def _check_receiver(uow: UnitOfWork, actor: Actor, state: CaseState) -> None:
    if actor.window != state.referral_to_window:
        names = window_names(uow)
        raise RuleViolation(
            _("Case {case} was offered to {target}; only that window can take it or decline it.").format(
                case=state.label, target=names.get(state.referral_to_window or "", "")
            )
        )


def accept_referral(uow: UnitOfWork, actor: Actor, case_id: str) -> CaseState:
    """The receiving window takes the matter over; responsibility passes with it."""
    state = begin_action(uow, actor, case_id, Action.ACCEPT_REFERRAL, holder=False)
    _check_receiver(uow, actor, state)
    payload = {"accepted_at": encode_time(uow.now())}
    return commit_event(uow, state, case_id, EventType.REFERRAL_ACCEPTED, payload, actor)


def decline_referral(uow: UnitOfWork, actor: Actor, case_id: str, *, reason: str) -> CaseState:
    """The receiving window declines, saying why; the matter goes back to its first clerk."""
    state = begin_action(uow, actor, case_id, Action.DECLINE_REFERRAL, holder=False)
    _check_receiver(uow, actor, state)
    payload = {"reason": required_text(reason, _("The reason for declining"))}
    return commit_event(uow, state, case_id, EventType.REFERRAL_DECLINED, payload, actor)


def referrals_needing_followup(uow: UnitOfWork, hours: int | None = None) -> list[CaseState]:
    """Referrals offered longer ago than the configured time and still not taken."""
    limit = hours if hours is not None else uow.rules.referral_followup_hours
    cutoff = encode_time(uow.now() - timedelta(hours=limit))
    rows = uow.execute(
        SELECT_CASE_SQL + " WHERE status = 'referred' AND referral_offered_at <= ? "
        "ORDER BY referral_offered_at",
        (cutoff,),
    ).all()
    return [row_to_state(r) for r in rows]


def hand_over_case(uow: UnitOfWork, actor: Actor, case_id: str, *, note: str = "") -> CaseState:
    """代办移交: the agent hands the case and its materials to the township window. On a
    village laptop this is written locally and reaches the township at the next sync."""
    state = begin_action(uow, actor, case_id, Action.HAND_OVER)
    if clerk_info(uow, actor.clerk).role is not Role.AGENT:
        raise RuleViolation(
            _("Only a village proxy agent hands cases over; case {case} is already at the township window.").format(
                case=state.label
            )
        )
    payload = {"note": (note or "").strip(), "handed_at": encode_time(uow.now())}
    return commit_event(uow, state, case_id, EventType.HANDED_OVER, payload, actor)


def _check_township_clerk(uow: UnitOfWork, actor: Actor, state: CaseState) -> None:
    if clerk_info(uow, actor.clerk).role is Role.AGENT:
        raise RuleViolation(
            _("Case {case} was handed over to the township window; a village proxy agent cannot take it over.").format(
                case=state.label
            )
        )
    _check_receiver(uow, actor, state)


def accept_handover(uow: UnitOfWork, actor: Actor, case_id: str) -> CaseState:
    """The township clerk takes the handed-over case; it is then theirs to decide."""
    state = begin_action(uow, actor, case_id, Action.ACCEPT_HANDOVER, holder=False)
    _check_township_clerk(uow, actor, state)
    payload = {"accepted_at": encode_time(uow.now())}
    return commit_event(uow, state, case_id, EventType.HANDOVER_ACCEPTED, payload, actor)


def decline_handover(uow: UnitOfWork, actor: Actor, case_id: str, *, reason: str) -> CaseState:
    """The township clerk returns the case to the agent, saying what is wrong."""
    state = begin_action(uow, actor, case_id, Action.DECLINE_HANDOVER, holder=False)
    _check_township_clerk(uow, actor, state)
    payload = {"reason": required_text(reason, _("The reason for returning the case"))}
    return commit_event(uow, state, case_id, EventType.HANDOVER_DECLINED, payload, actor)
