"""The judge's unit and DDR-rate rules (`check._check_units`, `check._check_ddr`) against
brute-force counts written here, on random hand-made events: no unit runs more tasks at once
than its queue depth (a task ending at cycle t and one starting at t do not overlap; empty
tasks take no room), and no window [a, b] from a transfer's start to a transfer's end holds
transfers (wholly inside it) of more bytes than DDR moves in b - a + 1 cycles."""

from __future__ import annotations

import random
from types import SimpleNamespace

from accelsim.check import _check_ddr, _check_units
from accelsim.sim.trace import Event


def _event(task: int, resource: str, start: int, end: int, nbytes: int = 0) -> Event:
    return Event(task, resource, "dma", "load", 0, 0, "x", nbytes, 0, 0, 0, 0, -1, "none", -1,
                 start, end)  # fmt: skip


def _hw(depth: int, channels: int = 1, per_cycle: float = 4.0) -> SimpleNamespace:
    units = {f"dma{i}": SimpleNamespace(depth=depth) for i in range(channels)}
    units["matrix"] = SimpleNamespace()  # no queue: one task at a time
    return SimpleNamespace(units=units, clock=1e9,
                           ddr=SimpleNamespace(bandwidth=per_cycle * 1e9))  # fmt: skip


def _most_at_once(events: list[Event], unit: str) -> int:
    spans = [(e.start, e.end) for e in events if e.resource == unit and e.end > e.start]
    cycles = {t for s, e in spans for t in range(s, e)}
    return max((sum(s <= t < e for s, e in spans) for t in cycles), default=0)


def test_units_by_hand():
    hw = _hw(depth=2)
    # two transfers at once on a depth-2 channel: fine; a third over [5, 6): one too many
    two = [_event(0, "dma0", 0, 10), _event(1, "dma0", 2, 6)]
    problems: list[str] = []
    _check_units(two, hw, problems)  # type: ignore[arg-type]
    assert problems == []
    _check_units([*two, _event(2, "dma0", 5, 12)], hw, problems)  # type: ignore[arg-type]
    assert problems == ["dma0: 3 tasks at once at cycle 5, most 2"]
    # back to back on the matrix unit: fine; one cycle of overlap: two at once
    problems = []
    _check_units([_event(0, "matrix", 0, 4), _event(1, "matrix", 4, 9),
                  _event(2, "matrix", 4, 4)], hw, problems)  # type: ignore[arg-type]  # fmt: skip
    assert problems == []
    _check_units([_event(0, "matrix", 0, 5), _event(1, "matrix", 4, 9)], hw, problems)  # type: ignore[arg-type]
    assert problems == ["matrix: 2 tasks at once at cycle 4, most 1"]


def test_random_units_match_the_count_by_cycle():
    rng = random.Random(4)
    for _ in range(400):
        depth = rng.randint(1, 3)
        hw = _hw(depth)
        events = []
        for task in range(rng.randint(1, 7)):
            start = rng.randint(0, 12)
            unit = rng.choice(("dma0", "matrix"))
            events.append(_event(task, unit, start, start + rng.choice((0, 1, 3, 6))))
        problems: list[str] = []
        _check_units(events, hw, problems)  # type: ignore[arg-type]
        over = [u for u, most in (("dma0", depth), ("matrix", 1))
                if _most_at_once(events, u) > most]  # fmt: skip
        assert sorted(p.split(":")[0] for p in problems) == sorted(over), events


def _too_fast(events: list[Event], per_cycle: float) -> bool:
    moving = [e for e in events if e.nbytes > 0]
    for a in {e.start for e in moving}:
        for b in {e.end for e in moving}:
            inside = sum(e.nbytes for e in moving if e.start >= a and e.end <= b)
            if inside and inside > (b - a + 1) * per_cycle:
                return True
    return False


def test_ddr_windows_by_hand():
    hw = _hw(depth=1, channels=2, per_cycle=4.0)
    # two 16 B transfers on two channels over [0, 3): 32 B in a 4-cycle window of 16 B: too
    # much. Over [0, 7): 8 cycles hold 32 B: exactly the limit.
    problems: list[str] = []
    _check_ddr([_event(0, "dma0", 0, 7, 16), _event(1, "dma1", 0, 7, 16)], hw, problems)  # type: ignore[arg-type]
    assert problems == []
    _check_ddr([_event(0, "dma0", 0, 6, 16), _event(1, "dma1", 0, 6, 16)], hw, problems)  # type: ignore[arg-type]
    assert problems == ["DDR moved 32 B in cycles [0, 6), more than ddr.bandwidth allows"]
    # with one transfer in flight at most the durations say it all: no window is checked
    problems = []
    one = _hw(depth=1, channels=1, per_cycle=4.0)
    _check_ddr([_event(0, "dma0", 0, 1, 64)], one, problems)  # type: ignore[arg-type]
    assert problems == []


def test_random_ddr_windows_match_the_brute_force():
    rng = random.Random(6)
    hw = _hw(depth=2, channels=2, per_cycle=4.0)
    for _ in range(500):
        events = []
        for task in range(rng.randint(1, 6)):
            start = rng.randint(0, 10)
            end, nbytes = start + rng.randint(0, 8), rng.choice((0, 4, 8, 16, 24))
            events.append(_event(task, rng.choice(("dma0", "dma1")), start, end, nbytes))
        problems: list[str] = []
        _check_ddr(events, hw, problems)  # type: ignore[arg-type]
        assert bool(problems) == _too_fast(events, 4.0), events
