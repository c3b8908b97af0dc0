"""Hybrid logical clock stamps (Kulkarni et al.), the order events travel in.

A stamp is wall-clock milliseconds, a counter for events in the same millisecond (or
while the wall clock runs behind what was already seen), and the node that made it.
Its string form sorts in stamp order, so the database can order by it directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from windowdesk.core.errors import ValidationError
from windowdesk.i18n import _


@dataclass(frozen=True, order=True)
class HLCStamp:
    wall_ms: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.wall_ms:013d}-{self.counter:05d}-{self.node}"

    @classmethod
    def parse(cls, text: str) -> "HLCStamp":
        try:
            wall, counter, node = text.split("-", 2)
            return cls(int(wall), int(counter), node)
        except ValueError as exc:
            raise ValidationError(_("Not a clock stamp: {text}").format(text=text)) from exc


# How far ahead of the wall clock a node's own clock may stay. Beyond it the clock was
# set from a wrong PC clock (a year ahead, since put right): carrying that on would stamp
# every later event in the future, so the clock starts again from the wall clock. Order
# within a case does not depend on it: an event is always stamped after its parents.
MAX_AHEAD_MS = 5 * 60 * 1000


class HybridLogicalClock:
    """Issues stamps for one node; never goes backwards while the wall clock is sane."""

    def __init__(self, node: str, last: HLCStamp | None = None):
        self.node = node
        self._wall = last.wall_ms if last else 0
        self._counter = last.counter if last else 0

    @property
    def last(self) -> HLCStamp:
        return HLCStamp(self._wall, self._counter, self.node)

    def tick(self, now_ms: int, after: HLCStamp | None = None) -> HLCStamp:
        """A stamp for a local event at wall-clock time ``now_ms``, later than ``after``
        (the newest stamp of the event's parents)."""
        now = now_ms
        if self._wall > now + MAX_AHEAD_MS:
            self._wall, self._counter = now, 0
        elif now > self._wall:
            self._wall, self._counter = now, 0
        else:
            self._counter += 1
        if after is not None and (after.wall_ms, after.counter) >= (self._wall, self._counter):
            if after.wall_ms > now + MAX_AHEAD_MS:  # a parent from a wrong clock: follow it, don't adopt it
                return HLCStamp(after.wall_ms, after.counter + 1, self.node)
            self._wall, self._counter = after.wall_ms, after.counter + 1
        return self.last

    def observe(self, remote: HLCStamp, now_ms: int) -> HLCStamp:
        """Merge a stamp received from another node; returns the stamp for the receipt."""
        now = now_ms
        wall = max(self._wall, remote.wall_ms, now)
        if wall == self._wall and wall == remote.wall_ms:
            counter = max(self._counter, remote.counter) + 1
        elif wall == self._wall:
            counter = self._counter + 1
        elif wall == remote.wall_ms:
            counter = remote.counter + 1
        else:
            counter = 0
        self._wall, self._counter = wall, counter
        return self.last
