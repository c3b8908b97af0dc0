"""转办 under first-inquiry responsibility: the first clerk stays answerable until the
receiving window has taken the matter; offers left untaken are listed for follow-up."""

from __future__ import annotations

from datetime import timedelta

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
