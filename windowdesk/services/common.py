"""What every use case shares: who is acting, loading a case, appending an event."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from windowdesk.core.catalogue import ServiceItem
from windowdesk.core.codes import Role
from windowdesk.core.deadlines import Clock, due_date, warn_date
from windowdesk.core.errors import NotFoundError, RuleViolation, ValidationError
from windowdesk.core.events import Event, EventType, deemed_acceptance_id
from windowdesk.core.lifecycle import AGENT_ACTIONS, ITEM_WINDOW_DECISIONS, Action, Status, check_allowed
from windowdesk.core.projection import CaseState, apply, extends, replay
from windowdesk.db.codec import (
    CASE_COLUMNS,
    INSERT_CASE_SQL,
    INSERT_EVENT_SQL,
    SELECT_CASE_SQL,
    SELECT_EVENT_SQL,
    event_to_row,
    row_to_event,
    row_to_state,
    state_to_row,
)
from windowdesk.i18n import _
from windowdesk.services.uow import UnitOfWork

SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """The clerk acting, and the window they act for."""

    clerk: str
    window: str


@dataclass(frozen=True)
class ClerkInfo:
    code: str
    name: str
    role: Role
    windows: frozenset[str]
    active: bool


def clerk_info(uow: UnitOfWork, code: str) -> ClerkInfo:
    clerks = uow.store.cache.get("clerks")
    if clerks is None:
        rows = uow.execute("SELECT code, name, role, active FROM clerks").all()
        served: dict[str, set[str]] = {}
        for clerk, window in uow.execute("SELECT clerk_code, window_code FROM clerk_windows").all():
            served.setdefault(clerk, set()).add(window)
        clerks = {
            c: ClerkInfo(c, n, Role(r), frozenset(served.get(c, ())), bool(a)) for c, n, r, a in rows
        }
        uow.store.cache["clerks"] = clerks
    info = clerks.get(code)
    if info is None:
        raise NotFoundError(_("There is no clerk with code {code}.").format(code=code))
    return info


def window_names(uow: UnitOfWork) -> dict[str, str]:
    names = uow.store.cache.get("windows")
    if names is None:
        names = dict(uow.execute("SELECT code, name FROM windows").all())
        uow.store.cache["windows"] = names
    return names


def check_window(uow: UnitOfWork, code: str) -> str:
    names = window_names(uow)
    if code not in names:
        raise NotFoundError(_("There is no window with code {code}; the windows are: {windows}.").format(
            code=code, windows="、".join(f"{c}（{n}）" for c, n in sorted(names.items()))))
    return code


def check_actor(uow: UnitOfWork, actor: Actor) -> ClerkInfo:
    """The actor must be an active clerk serving the window they act for."""
    info = clerk_info(uow, actor.clerk)
    check_window(uow, actor.window)
    if not info.active:
        raise RuleViolation(_("Clerk {name} is no longer active.").format(name=info.name))
    if actor.window not in info.windows and info.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise RuleViolation(
            _("Clerk {name} does not serve window {window}.").format(
                name=info.name, window=window_names(uow)[actor.window]
            )
        )
    return info


def check_holder(uow: UnitOfWork, actor: Actor, state: CaseState) -> None:
    """Only the window holding a case (or a supervisor) may act on it."""
    info = check_actor(uow, actor)
    if actor.window != state.holder_window and info.role not in (Role.SUPERVISOR, Role.ADMIN):
        names = window_names(uow)
        raise RuleViolation(
            _("Case {case} is held by {holder}, not by {window}.").format(
                case=state.label,
                holder=names.get(state.holder_window, state.holder_window),
                window=names[actor.window],
            )
        )


def check_holder_desk(uow: UnitOfWork, state: CaseState) -> None:
    """One writer per case: only the desk holding a case writes its transitions; another
    desk of the township sees the case (after sync) and may take it over when offered."""
    if state.holder_node and state.holder_node not in uow.own_nodes:
        raise RuleViolation(
            _("Case {case} is held at desk {node}; it can be carried on only there, or after that desk "
              "refers or hands it over.").format(case=state.label, node=state.holder_node)
        )


def check_item_window(uow: UnitOfWork, actor: Actor, item: ServiceItem, info: ClerkInfo | None = None) -> None:
    """Only the item's own window (or a supervisor) decides on it: accepts, refuses,
    gives the one-time notice or completes. Another window refers the matter there."""
    info = info or clerk_info(uow, actor.clerk)
    if actor.window != item.window and info.role not in (Role.SUPERVISOR, Role.ADMIN, Role.AGENT):
        names = window_names(uow)
        raise RuleViolation(
            _("{item} is handled by {window}: refer the application there; {yours} cannot decide on it.").format(
                item=item.name, window=names.get(item.window, item.window), yours=names.get(actor.window, actor.window)
            )
        )


def required_text(value: str | None, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(_("{what} is required.").format(what=what))
    return value


def current_item(uow: UnitOfWork, code: str) -> tuple[ServiceItem, str]:
    """The item as published in the current catalogue version, and that version."""
    row = uow.execute(
        "SELECT s.version FROM service_items s JOIN catalogue_versions v ON v.version = s.version "
        "WHERE s.code = :c AND v.current = 1",
        {"c": code},
    ).first()
    if row is None:
        raise NotFoundError(
            _("There is no service item with code {code} in the current catalogue.").format(code=code)
        )
    return item_version(uow, code, row[0]), row[0]


def item_version(uow: UnitOfWork, code: str, version: str) -> ServiceItem:
    """The item as published in ``version`` (cases keep the version they were registered under)."""
    items = uow.store.cache.setdefault("items", {})
    key = (code, version)
    if key not in items:
        row = uow.execute(
            "SELECT data FROM service_items WHERE code = :c AND version = :v", {"c": code, "v": version}
        ).first()
        if row is None:
            raise NotFoundError(
                _("There is no service item {code} in catalogue version {version}.").format(
                    code=code, version=version
                )
            )
        items[key] = ServiceItem.from_dict(json.loads(row[0]))
    return items[key]


def load_case(uow: UnitOfWork, case_id: str) -> CaseState:
    row = uow.execute(SELECT_CASE_SQL + " WHERE case_id = ?", (case_id,)).first()
    if row is None:
        raise NotFoundError(_("There is no case {case}.").format(case=case_id))
    return row_to_state(row)


def check_standing(uow: UnitOfWork) -> None:
    """A desk the county shut out, that must be upgraded, or whose database is a copy or a
    restored backup writes nothing (and so issues no case number) until that is settled."""
    standing = uow.standing
    if standing:
        from windowdesk.services.sync import standing_message

        raise RuleViolation(standing_message(standing))


def case_events(uow: UnitOfWork, case_id: str) -> list[Event]:
    """The case's whole log as this desk has it, less what the county holds back."""
    rows = uow.execute(
        SELECT_EVENT_SQL + " WHERE case_id = ? AND event_id NOT IN (SELECT event_id FROM sync_held) "
        "ORDER BY hlc, node, event_id",
        (case_id,),
    ).all()
    return [row_to_event(r) for r in rows]


def write_projection(uow: UnitOfWork, before: CaseState | None, after: CaseState) -> None:
    """Bring the case's projection row from ``before`` (as stored, or none) to ``after``."""
    new_row = state_to_row(after)
    if before is None:
        uow.execute(INSERT_CASE_SQL, new_row)
    else:
        # Only the columns the event changed: every indexed column named in an UPDATE
        # costs an index rewrite, and a case row sits in a dozen indexes.
        changed = [(n, v) for n, old, v in zip(CASE_COLUMNS, state_to_row(before), new_row) if old != v]
        assignments = ", ".join(f"{n} = ?" for n, _v in changed)
        if changed:
            uow.execute(f"UPDATE cases SET {assignments} WHERE case_id = ?",
                        (*(v for _n, v in changed), after.case_id))


def append(
    uow: UnitOfWork,
    state: CaseState | None,
    case_id: str,
    type_: EventType,
    payload: dict[str, Any],
    actor: Actor | None,
    *,
    event_id: str | None = None,
) -> CaseState:
    """Write one event to the log and bring the case's projection row up to date."""
    check_standing(uow)
    event = Event(
        event_id=event_id or str(uuid.uuid4()),
        case_id=case_id,
        type=type_,
        payload=payload,
        actor=actor.clerk if actor else SYSTEM,
        window=actor.window if actor else (state.holder_window if state else ""),
        node=uow.node,
        recorded_at=uow.now(),
        hlc=uow.hlc_tick(after=state.last_hlc if state else ""),
        parents=state.heads if state else (),
    )
    uow.execute(INSERT_EVENT_SQL, event_to_row(event))
    if state is None or extends(state, event):
        new_state = apply(state, event)
    else:  # after a merge or a ruling: the whole log says what the case is now
        new_state = replay(case_events(uow, case_id))
    write_projection(uow, state, new_state)
    return new_state


def commit_event(
    uow: UnitOfWork, state: CaseState, case_id: str, type_: EventType, payload: dict[str, Any], actor: Actor
) -> CaseState:
    """Append one event and commit: the end of most use cases."""
    state = append(uow, state, case_id, type_, payload, actor)
    uow.commit()
    return state


def acceptance_event(
    uow: UnitOfWork, state: CaseState, accepted_on: date, actor: Actor | None, *, deemed: bool = False
) -> CaseState:
    """受理 (or deemed acceptance): the clock starts, the due date is recorded."""
    payload = {
        "accepted_on": accepted_on.isoformat(),
        "deemed": deemed,
        "limit_days": state.limit_days,
        **deadline_fields(uow, Clock(accepted_on, state.limit_days)),
    }
    event_id = deemed_acceptance_id(state.case_id, payload["accepted_on"], state.heads) if deemed else None
    return append(uow, state, state.case_id, EventType.ACCEPTED, payload, actor, event_id=event_id)


def deadline_fields(uow: UnitOfWork, clock: Clock) -> dict[str, str | None]:
    """Due date and warning date of ``clock``, for an event's payload."""
    cal = uow.calendar
    due = due_date(cal, clock)
    warn = warn_date(cal, clock, uow.rules.yellow_percent)
    return {
        "due_date": due.isoformat() if due else None,
        "warn_date": warn.isoformat() if warn else None,
        "due_assumed": bool(getattr(due, "warning", None)),
    }


def apply_deemed_acceptance(uow: UnitOfWork, state: CaseState, today: date) -> CaseState:
    """行政许可法 Art. 32: no notice within five working days means accepted from receipt.

    Applied (as an event by the desk itself) the first time anyone touches the case
    after the deadline, and by the daily sweep — only on the desk that holds the case,
    with an id derived from the case and the state it follows, so that it is written once.
    """
    if state.status is not Status.RECEIVED or state.notice_deadline is None:
        return state
    if state.holder_node not in uow.own_nodes:
        return state
    if today <= state.notice_deadline:
        return state
    accepted_on = state.decision_base_on or state.received_on
    assert accepted_on is not None
    written = deemed_acceptance_id(state.case_id, accepted_on.isoformat(), state.heads)
    if uow.execute("SELECT 1 FROM events WHERE event_id = ?", (written,)).first():
        return state  # written already, and held back by the county until reviewed
    return acceptance_event(uow, state, accepted_on, None, deemed=True)


def begin_action(uow: UnitOfWork, actor: Actor, case_id: str, action: Action, *, holder=True) -> CaseState:
    """Load a case, apply any deemed acceptance, and check ``action`` is allowed."""
    state = load_case(uow, case_id)
    deemed = apply_deemed_acceptance(uow, state, uow.today())
    if deemed is not state:  # a legal fact: kept even if the action below is refused
        uow.commit()
        state = deemed
    if holder:
        check_holder(uow, actor, state)
        check_holder_desk(uow, state)
        info = clerk_info(uow, actor.clerk)
    else:
        info = check_actor(uow, actor)
    check_allowed(state.label, state.status, action)
    if info.role is Role.AGENT and action not in AGENT_ACTIONS:
        raise RuleViolation(
            _("A village proxy agent cannot {action}: hand case {case} over to the township window, which decides on it.").format(
                action=action.label, case=state.label
            )
        )
    if action in ITEM_WINDOW_DECISIONS and state.item_code and state.item_version:
        check_item_window(uow, actor, item_version(uow, state.item_code, state.item_version), info)
    if info.role is Role.AGENT and state.holder_clerk != actor.clerk:
        # Serving a window lets an agent collect for it, not act on the window's own cases.
        raise RuleViolation(
            _("A village proxy agent acts only on the cases they registered and still hold; case {case} is with the township window.").format(
                case=state.label
            )
        )
    return state
