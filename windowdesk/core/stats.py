"""Statistics definitions (效能统计): what each figure means, independent of storage.

Counts are per period and per group (window, item, clerk or month), each measure
judged by its own date: received by the day of receipt, completed by the day of
completion, rated by the day of rating; "overdue now" and "in progress" are as of
today. 按时办结率 = completed on time / completed; 满意率 = (非常满意 + 满意 + 基本满意) /
ratings; 差评 = 不满意 + 非常不满意.
"""

from __future__ import annotations

from dataclasses import dataclass

from windowdesk.core.codes import Labelled, set_labels
from windowdesk.i18n import N_


class Dimension(Labelled):
    WINDOW = "window"
    ITEM = "item"
    CLERK = "clerk"
    MONTH = "month"



set_labels(Dimension, {
    Dimension.WINDOW: N_("Window"),
    Dimension.ITEM: N_("Service item"),
    Dimension.CLERK: N_("Clerk"),
    Dimension.MONTH: N_("Month"),
})


@dataclass(frozen=True)
class StatRow:
    key: str
    received: int = 0
    accepted: int = 0
    refused: int = 0
    immediate: int = 0
    committed: int = 0
    completed: int = 0
    completed_on_time: int = 0
    overdue_now: int = 0
    in_progress: int = 0
    workdays_taken: int = 0  # sum over cases completed in the period
    rated_5: int = 0
    rated_4: int = 0
    rated_3: int = 0
    rated_2: int = 0
    rated_1: int = 0

    @property
    def ratings(self) -> int:
        return self.rated_5 + self.rated_4 + self.rated_3 + self.rated_2 + self.rated_1

    @property
    def on_time_rate(self) -> float | None:
        """按时办结率; ``None`` when nothing was completed."""
        return self.completed_on_time / self.completed if self.completed else None

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率; ``None`` when nobody rated."""
        good = self.rated_5 + self.rated_4 + self.rated_3
        return good / self.ratings if self.ratings else None

    @property
    def bad_ratings(self) -> int:
        """差评 count."""
        return self.rated_2 + self.rated_1

    @property
    def average_workdays(self) -> float | None:
        return self.workdays_taken / self.completed if self.completed else None


MEASURES = tuple(n for n in StatRow.__dataclass_fields__ if n != "key")


def format_rate(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"
