"""Statuses of a case and the actions each status allows."""

from __future__ import annotations


from windowdesk.core.errors import StateError
from windowdesk.core.codes import Labelled, set_labels
from windowdesk.i18n import N_, _


class Status(Labelled):
    INQUIRY = "inquiry"  # 咨询登记, not (yet) a case
    ANSWERED = "answered"  # inquiry answered, closed
    RECEIVED = "received"  # 收件: materials received, decision pending
    AWAITING_SUPPLEMENT = "awaiting_supplement"  # 补正中, after a one-time notice
    IN_PROGRESS = "in_progress"  # 受理 / 办理中: the clock runs
    SUSPENDED = "suspended"  # 特别程序: the clock is stopped
    REFERRED = "referred"  # 转办: offered to another window, not yet taken
    COMPLETED = "completed"  # 办结 (granted or denied)
    DELIVERED = "delivered"  # 送达 / 领取
    EVALUATED = "evaluated"  # 评价
    REFUSED = "refused"  # 不予受理
    WITHDRAWN = "withdrawn"  # 撤回 / 终止
    HANDED_OVER = "handed_over"  # 代办移交: a village agent's case awaiting the township window
    CONFLICT = "conflict"  # 冲突: two desks wrote transitions that exclude each other; a supervisor rules

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


set_labels(Status, {
    Status.INQUIRY: N_("Inquiry"),
    Status.ANSWERED: N_("Answered"),
    Status.RECEIVED: N_("Received"),
    Status.AWAITING_SUPPLEMENT: N_("Awaiting supplements"),
    Status.IN_PROGRESS: N_("In progress"),
    Status.SUSPENDED: N_("Special procedure (clock stopped)"),
    Status.REFERRED: N_("Referral pending"),
    Status.COMPLETED: N_("Completed"),
    Status.DELIVERED: N_("Delivered"),
    Status.EVALUATED: N_("Evaluated"),
    Status.REFUSED: N_("Refused"),
    Status.WITHDRAWN: N_("Withdrawn"),
    Status.HANDED_OVER: N_("Handed over, awaiting the township"),
    Status.CONFLICT: N_("Conflict: awaiting the supervisor's ruling"),
})

OPEN_STATUSES = frozenset(
    {
        Status.INQUIRY,
        Status.RECEIVED,
        Status.AWAITING_SUPPLEMENT,
        Status.IN_PROGRESS,
        Status.SUSPENDED,
        Status.REFERRED,
        Status.HANDED_OVER,
        Status.CONFLICT,
    }
)


class Action(Labelled):
    ANSWER_INQUIRY = "answer_inquiry"
    RECEIVE = "receive"
    ISSUE_NOTICE = "issue_notice"
    RECORD_SUPPLEMENT = "record_supplement"
    ACCEPT = "accept"
    REFUSE = "refuse"
    REFER = "refer"
    ACCEPT_REFERRAL = "accept_referral"
    DECLINE_REFERRAL = "decline_referral"
    SUSPEND = "suspend"
    RESUME = "resume"
    EXTEND = "extend"
    COMPLETE = "complete"
    DELIVER = "deliver"
    EVALUATE = "evaluate"
    WITHDRAW = "withdraw"
    HAND_OVER = "hand_over"
    ACCEPT_HANDOVER = "accept_handover"
    DECLINE_HANDOVER = "decline_handover"
    RESOLVE_CONFLICT = "resolve_conflict"
    TAKE_OVER_COVER = "take_over_cover"



set_labels(Action, {
    Action.ANSWER_INQUIRY: N_("answer the inquiry"),
    Action.RECEIVE: N_("register as a case"),
    Action.ISSUE_NOTICE: N_("issue a one-time notice"),
    Action.RECORD_SUPPLEMENT: N_("record supplements"),
    Action.ACCEPT: N_("accept"),
    Action.REFUSE: N_("refuse"),
    Action.REFER: N_("refer to another window"),
    Action.ACCEPT_REFERRAL: N_("take over the referral"),
    Action.DECLINE_REFERRAL: N_("decline the referral"),
    Action.SUSPEND: N_("start a special procedure"),
    Action.RESUME: N_("end the special procedure"),
    Action.EXTEND: N_("extend the time limit"),
    Action.COMPLETE: N_("complete"),
    Action.DELIVER: N_("record delivery"),
    Action.EVALUATE: N_("record the rating"),
    Action.WITHDRAW: N_("withdraw"),
    Action.HAND_OVER: N_("hand over to the township window"),
    Action.ACCEPT_HANDOVER: N_("take over the handed-over case"),
    Action.DECLINE_HANDOVER: N_("return the handed-over case"),
    Action.RESOLVE_CONFLICT: N_("rule on the conflict"),
    Action.TAKE_OVER_COVER: N_("take over for the A clerk who is away"),
})

_PENDING = {Status.RECEIVED, Status.AWAITING_SUPPLEMENT}

ALLOWED: dict[Action, frozenset[Status]] = {
    Action.ANSWER_INQUIRY: frozenset({Status.INQUIRY}),
    Action.RECEIVE: frozenset({Status.INQUIRY}),
    Action.ISSUE_NOTICE: frozenset(_PENDING),
    Action.RECORD_SUPPLEMENT: frozenset({Status.AWAITING_SUPPLEMENT}),
    Action.ACCEPT: frozenset(_PENDING),
    Action.REFUSE: frozenset(_PENDING),
    Action.REFER: frozenset({Status.INQUIRY, *_PENDING}),
    Action.ACCEPT_REFERRAL: frozenset({Status.REFERRED}),
    Action.DECLINE_REFERRAL: frozenset({Status.REFERRED}),
    Action.SUSPEND: frozenset({Status.IN_PROGRESS}),
    Action.RESUME: frozenset({Status.SUSPENDED}),
    Action.EXTEND: frozenset({Status.IN_PROGRESS, Status.SUSPENDED}),
    Action.COMPLETE: frozenset({Status.IN_PROGRESS}),
    Action.DELIVER: frozenset({Status.COMPLETED}),
    Action.EVALUATE: frozenset({Status.COMPLETED, Status.DELIVERED, Status.REFUSED, Status.ANSWERED}),
    Action.WITHDRAW: frozenset({*_PENDING, Status.IN_PROGRESS, Status.SUSPENDED, Status.REFERRED,
                                Status.HANDED_OVER}),
    Action.HAND_OVER: frozenset(_PENDING),
    Action.ACCEPT_HANDOVER: frozenset({Status.HANDED_OVER}),
    Action.DECLINE_HANDOVER: frozenset({Status.HANDED_OVER}),
    Action.RESOLVE_CONFLICT: frozenset({Status.CONFLICT}),
    Action.TAKE_OVER_COVER: frozenset({*_PENDING, Status.IN_PROGRESS, Status.SUSPENDED}),
}

# Decisions on an application belong to the window whose item it is (or a supervisor);
# any other window receives it under first-inquiry responsibility and refers it there.
ITEM_WINDOW_DECISIONS = frozenset({Action.ACCEPT, Action.REFUSE, Action.ISSUE_NOTICE, Action.COMPLETE})

# What a village proxy agent (村级代办员) may do: collect, hand over, take back. Deciding
# on a case (受理, 不予受理, 一次性告知, 办结) is the township window's.
AGENT_ACTIONS = frozenset({
    Action.ANSWER_INQUIRY, Action.RECEIVE, Action.RECORD_SUPPLEMENT, Action.HAND_OVER, Action.WITHDRAW,
})


def allowed_actions(status: Status) -> list[Action]:
    return [action for action, statuses in ALLOWED.items() if status in statuses]


def check_allowed(case_label: str, status: Status, action: Action) -> None:
    """Refuse ``action`` unless ``status`` allows it, naming the case, state and action."""
    if status not in ALLOWED[action]:
        raise StateError(
            _("Case {case} is {status}: it cannot {action} now.").format(
                case=case_label, status=status.label, action=action.label
            )
        )
