"""AB岗 across PCs: while a window's A clerk is away (外出, 会议, 请假), the B clerk takes
over the A clerk's cases on the B clerk's own desk. The A clerk's absence, set at the
A clerk's desk and carried by sync, is the standing offer; the take-over is the B desk's
acceptance, an event like any other: if the A desk wrote a decision at the same time, the
two are a conflict for the supervisor, and nothing is lost."""

from __future__ import annotations

from windowdesk.core.codes import Presence, Role
from windowdesk.core.errors import RuleViolation
from windowdesk.core.events import EventType
from windowdesk.core.lifecycle import Action, check_allowed
from windowdesk.core.projection import CaseState
from windowdesk.i18n import _
from windowdesk.services.common import Actor, append, check_actor, clerk_info, load_case, window_names
from windowdesk.services.uow import UnitOfWork


def can_take_over(uow: UnitOfWork, actor: Actor, state: CaseState) -> bool:
    """Whether ``actor`` may take ``state`` over here: held at another desk by the A clerk
    of the case's window, who is away, and ``actor`` is that window's B clerk (or a supervisor)."""
    if state.holder_node in uow.own_nodes or state.holder_window != actor.window:
        return False
    row = uow.execute(
        "SELECT a.clerk_code, c.presence FROM clerk_windows a JOIN clerks c ON c.code = a.clerk_code "
        "WHERE a.window_code = ? AND a.post = 'A'", (state.holder_window,)).first()
    if row is None or row[0] != state.holder_clerk or not Presence(row[1]).is_away:
        return False
    info = clerk_info(uow, actor.clerk)
    if info.role in (Role.SUPERVISOR, Role.ADMIN):
        return True
    post = uow.execute("SELECT post FROM clerk_windows WHERE clerk_code = ? AND window_code = ?",
                       (actor.clerk, state.holder_window)).first()
    return post is not None and post[0] == "B"


def take_over(uow: UnitOfWork, actor: Actor, case_id: str) -> CaseState:
    check_actor(uow, actor)
    state = load_case(uow, case_id)
    check_allowed(state.label, state.status, Action.TAKE_OVER_COVER)
    if not can_take_over(uow, actor, state):
        raise RuleViolation(_(
            "Case {case} can be taken over only by the B clerk of {window}, while its A clerk is away.").format(
            case=state.label, window=window_names(uow).get(state.holder_window, state.holder_window)))
    payload = {"from_clerk": state.holder_clerk, "from_node": state.holder_node}
    state = append(uow, state, case_id, EventType.COVER_TAKEN, payload, actor)
    uow.commit()
    return state
