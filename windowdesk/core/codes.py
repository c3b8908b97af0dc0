"""Small vocabularies used across the rules, each with its Chinese label."""

from __future__ import annotations

from enum import StrEnum

from windowdesk.core.errors import ValidationError
from windowdesk.i18n import N_, _


class Labelled(StrEnum):
    """A vocabulary whose members read as translated labels (given with ``set_labels``).

    Labels are kept per class, by value: members of different vocabularies may share a
    value (``Role.AGENT`` and ``Delivery.AGENT`` are both "agent") and still read apart.
    """

    @property
    def label(self) -> str:
        return _(type(self).__labels__[self.value])


def set_labels(enum: type[Labelled], labels: dict) -> None:
    """Give every member of ``enum`` its label (an English source string marked ``N_``)."""
    missing = [m.name for m in enum if m not in labels]
    if missing:
        raise ValueError(f"{enum.__name__} has no label for {', '.join(missing)}")
    enum.__labels__ = {m.value: text for m, text in labels.items()}


class Role(Labelled):
    CLERK = "clerk"  # 窗口工作人员
    AGENT = "agent"  # 村级代办员
    SUPERVISOR = "supervisor"  # 效能监督 / 中心负责人
    ADMIN = "admin"  # 系统管理员


class Channel(Labelled):
    WINDOW = "window"  # 窗口
    PROXY = "proxy"  # 村级代办
    PHONE = "phone"  # 电话
    ONLINE = "online"  # 网上


class IdType(Labelled):
    RESIDENT_ID = "resident_id"  # 居民身份证
    CREDIT_CODE = "credit_code"  # 统一社会信用代码
    OTHER = "other"  # 其他证件
    NONE = "none"


class Presence(Labelled):
    """Where a clerk is (AB岗): while the A clerk is not on duty, the B clerk carries
    the window's work."""

    ON_DUTY = "on_duty"  # 在岗
    OUT = "out"  # 外出
    MEETING = "meeting"  # 会议
    LEAVE = "leave"  # 请假

    @property
    def is_away(self) -> bool:
        return self is not Presence.ON_DUTY


class Result(Labelled):
    GRANTED = "granted"  # 准予
    DENIED = "denied"  # 不予


class Delivery(Labelled):
    PICKUP = "pickup"  # 窗口领取
    MAIL = "mail"  # 邮寄送达
    ELECTRONIC = "electronic"  # 电子送达
    AGENT = "agent"  # 代办员送达


class Rating(Labelled):
    """好差评: five levels, 5 best."""

    VERY_SATISFIED = "5"
    SATISFIED = "4"
    FAIRLY_SATISFIED = "3"
    DISSATISFIED = "2"
    VERY_DISSATISFIED = "1"

    @property
    def level(self) -> int:
        return int(self.value)

    @property
    def is_bad(self) -> bool:
        """不满意 and 非常不满意 are 差评, which need a call-back."""
        return self.level <= 2


set_labels(Role, {
    Role.CLERK: N_("Window clerk"),
    Role.AGENT: N_("Village proxy agent"),
    Role.SUPERVISOR: N_("Supervisor"),
    Role.ADMIN: N_("Administrator"),
})
set_labels(Channel, {
    Channel.WINDOW: N_("At the window"),
    Channel.PROXY: N_("Village proxy service"),
    Channel.PHONE: N_("By phone"),
    Channel.ONLINE: N_("Online"),
})
set_labels(IdType, {
    IdType.RESIDENT_ID: N_("Resident identity card"),
    IdType.CREDIT_CODE: N_("Unified social credit code"),
    IdType.OTHER: N_("Other identity document"),
    IdType.NONE: N_("No identity document"),
})
set_labels(Presence, {
    Presence.ON_DUTY: N_("On duty"),
    Presence.OUT: N_("Out of the office"),
    Presence.MEETING: N_("In a meeting"),
    Presence.LEAVE: N_("On leave"),
})
set_labels(Result, {
    Result.GRANTED: N_("Granted"),
    Result.DENIED: N_("Denied"),
})
set_labels(Delivery, {
    Delivery.PICKUP: N_("Collected at the window"),
    Delivery.MAIL: N_("Sent by post"),
    Delivery.ELECTRONIC: N_("Delivered electronically"),
    Delivery.AGENT: N_("Delivered by the village agent"),
})
set_labels(Rating, {
    Rating.VERY_SATISFIED: N_("Very satisfied"),
    Rating.SATISFIED: N_("Satisfied"),
    Rating.FAIRLY_SATISFIED: N_("Fairly satisfied"),
    Rating.DISSATISFIED: N_("Dissatisfied"),
    Rating.VERY_DISSATISFIED: N_("Very dissatisfied"),
})


def parse_code(enum: type[StrEnum], value: str, what: str):
    """``enum(value)`` with a clear message naming ``what`` when it is not one of them."""
    try:
        return enum(str(value))
    except ValueError:
        choices = "、".join(f"{m.value}（{m.label}）" for m in enum)  # type: ignore[attr-defined]
        raise ValidationError(
            _("{what} {value} is not valid; choose one of: {choices}.").format(
                what=what, value=value, choices=choices
            )
        ) from None
