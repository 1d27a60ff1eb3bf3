"""The judge's rule that a copy of an activation loaded back into SRAM follows every store or
spill of it (`check._follow_data`), for each kind of buffer that can leave SRAM and come back
(an activation, a graph output a later layer reads) and for both kinds of fill (a load, a
reload after a spill). Inputs and weights are in DDR from the start. Events written by hand."""

from __future__ import annotations

import pytest

from accelsim.plan import Allocation
from tests.sim.test_check_hand_events import _data, _event, _program, _range


def _stored_then_filled(kind: str, fill: str, drain: str, fill_start: int) -> list[str]:
    # layer 0 computes a (16 B) over [10, 20) and drains it over [20, 36); layer 1 fills a
    # back (16 B) from `fill_start` and computes b. a is in DDR at 36: a fill starting at 36 is
    # sound, one starting at 35 reads DDR bytes the drain has not written yet.
    program = _program({"x": ("input", 16), "a": (kind, 16), "b": ("activation", 16)},
                       ("matrix", "x", "a"), ("matrix", "a", "b"))  # fmt: skip
    events = [
        _event(0, "load", 0, "x", 0, 10),
        _event(1, "compute", 0, "", 10, 20),
        _event(2, drain, 0, "a", 20, 36),
        _event(3, fill, 1, "a", fill_start, fill_start + 16),
        _event(4, "compute", 1, "", 100, 110),
    ]
    allocations = [_range("x", 0, 0), _range("a", 16, 1),
                   Allocation(buffer="a", layer=1, offset=32, size=16, first=3, release=()),
                   _range("b", 48, 4)]  # fmt: skip
    return [p for p in _data(program, allocations, events) if "loads" in p]


@pytest.mark.parametrize("kind", ["activation", "output"])
@pytest.mark.parametrize(("fill", "drain"), [("load", "store"), ("reload", "spill"),
                                             ("reload", "store"), ("load", "spill")])
def test_a_buffer_filled_back_before_its_drain_ends_is_named(kind, fill, drain):
    assert _stored_then_filled(kind, fill, drain, 36) == []
    assert _stored_then_filled(kind, fill, drain, 35) == ["event 3 loads a before its store ends"]


@pytest.mark.parametrize("kind", ["activation", "output"])
def test_a_buffer_filled_back_before_any_drain_is_named(kind):
    # the same, with the drain issued after the fill: a is not in DDR when event 2 loads it
    program = _program({"x": ("input", 16), "a": (kind, 16), "b": ("activation", 16)},
                       ("matrix", "x", "a"), ("matrix", "a", "b"))  # fmt: skip
    events = [
        _event(0, "load", 0, "x", 0, 10),
        _event(1, "compute", 0, "", 10, 20),
        _event(2, "reload", 1, "a", 40, 56),
        _event(3, "store", 0, "a", 20, 36),
        _event(4, "compute", 1, "", 100, 110),
    ]
    allocations = [_range("x", 0, 0), _range("a", 16, 1),
                   Allocation(buffer="a", layer=1, offset=32, size=16, first=2, release=()),
                   _range("b", 48, 4)]  # fmt: skip
    problems = _data(program, allocations, events)
    assert "event 2 loads a before it is in DDR" in problems
