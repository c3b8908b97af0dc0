"""The hybrid logical clock: monotone, after every parent, and not poisoned by a wrong PC clock."""

from windowdesk.core.hlc import MAX_AHEAD_MS, HLCStamp, HybridLogicalClock

YEAR_MS = 365 * 24 * 3600 * 1000
NOW = 1_796_000_000_000


def test_stamps_grow_even_when_the_wall_clock_stands_still_or_steps_back_a_little():
    clock = HybridLogicalClock("QS01")
    stamps = [clock.tick(NOW), clock.tick(NOW), clock.tick(NOW - 1000)]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3


def test_a_stamp_follows_its_parent_from_another_desk():
    clock = HybridLogicalClock("QS01")
    parent = HLCStamp(NOW + 2000, 7, "QS02")
    stamp = clock.tick(NOW, parent)
    assert stamp > parent and stamp.node == "QS01"
    assert clock.tick(NOW) > stamp  # and the clock moved on past it


def test_after_a_year_ahead_clock_is_put_right_new_stamps_are_not_a_year_ahead():
    clock = HybridLogicalClock("QS01")
    wrong = clock.tick(NOW + YEAR_MS)
    right = clock.tick(NOW)
    assert right.wall_ms == NOW and right < wrong


def test_a_child_of_a_future_stamped_event_follows_it_without_dragging_the_clock_along():
    clock = HybridLogicalClock("QS01")
    parent = HLCStamp(NOW + YEAR_MS, 3, "QS01")
    child = clock.tick(NOW, parent)
    assert child > parent
    assert clock.tick(NOW + 10).wall_ms < NOW + MAX_AHEAD_MS


def test_observing_a_received_stamp_moves_the_clock_past_it():
    clock = HybridLogicalClock("QS01")
    received = HLCStamp(NOW + 1000, 4, "QS02")
    clock.observe(received, NOW)
    assert clock.tick(NOW) > received
