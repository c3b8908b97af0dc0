"""冲突: a supervisor's ruling on transitions that two desks wrote at the same time.

The ruling keeps one of the contested transitions (or the one replay applied) and voids
every transition concurrent with it; it names all the case's heads as its parents, so it
follows everything either desk wrote. Nothing is deleted: the voided events stay in the
log and in the history."""

from __future__ import annotations

from dataclasses import dataclass

from windowdesk.core.causal import ancestors
from windowdesk.core.codes import Role
from windowdesk.core.errors import RuleViolation, ValidationError
from windowdesk.core.events import NOT_EXCLUSIVE, EventType
from windowdesk.core.lifecycle import Action
from windowdesk.core.projection import CaseState
from windowdesk.i18n import _
from windowdesk.services.common import (
    Actor,
    append,
    begin_action,
    case_events,
    clerk_info,
    load_case,
    required_text,
)
from windowdesk.services.uow import UnitOfWork


@dataclass(frozen=True)
class Contender:
    event_id: str
    type: str
    actor: str
    node: str
    applied: bool  # what replay shows now; the others are contested


def contenders(uow: UnitOfWork, case_id: str) -> tuple[Contender, ...]:
    """The transitions in conflict: each contested one and every transition concurrent with it."""
    state = load_case(uow, case_id)
    events = case_events(uow, case_id)
    parents_of = {e.event_id: e.parents for e in events}
    contested = set(state.contested)
    found: dict[str, Contender] = {}
    for e in events:
        if e.type in NOT_EXCLUSIVE or not e.known:
            continue
        mine = ancestors(e.event_id, parents_of)
        for c in contested:
            if c == e.event_id or (c not in mine and e.event_id not in ancestors(c, parents_of)):
                found[e.event_id] = Contender(e.event_id, str(e.type), e.actor, e.node, e.event_id not in contested)
    return tuple(found.values())


def resolve_conflict(uow: UnitOfWork, actor: Actor, case_id: str, *, keep: str, reason: str) -> CaseState:
    """Keep transition ``keep``; void every transition concurrent with it."""
    info = clerk_info(uow, actor.clerk)
    if info.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise RuleViolation(_("Only a supervisor rules on a conflict between desks."))
    state = begin_action(uow, actor, case_id, Action.RESOLVE_CONFLICT, holder=False)
    reason = required_text(reason, _("The reason for the ruling"))
    events = case_events(uow, case_id)
    parents_of = {e.event_id: e.parents for e in events}
    if keep not in {c.event_id for c in contenders(uow, case_id)}:
        raise ValidationError(_("Choose one of the conflicting actions to keep."))
    kept_line = ancestors(keep, parents_of) | {keep}
    void = sorted(
        e.event_id for e in events
        if e.known and e.type not in NOT_EXCLUSIVE
        and e.event_id not in kept_line and keep not in ancestors(e.event_id, parents_of)
    )
    payload = {"keep": keep, "void": void, "reason": reason}
    state = append(uow, state, case_id, EventType.CONFLICT_RESOLVED, payload, actor)
    uow.commit()
    return state
