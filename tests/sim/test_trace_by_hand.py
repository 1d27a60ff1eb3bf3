"""The trace's own answers on hand-made traces: each unit's busy cycles (the union of its tasks'
spans, a queued channel's overlap counted once), SRAM peaks over windows, and the defaults for
a unit with no task."""

from __future__ import annotations

import numpy as np

from accelsim.sim.trace import Event, Steps, Trace


def _event(task: int, resource: str, start: int, end: int) -> Event:
    return Event(
        task=task, resource=resource, unit_kind="dma", kind="load", layer=0, tile=0, buffer="x",
        nbytes=1, issued=0, deps_done=0, space_free=0, unit_free=0, freed_by=-1, waited="none",
        waited_on=-1, start=start, end=end,
    )  # fmt: skip


def _trace(events, units=("bus", "vector"), sram=((0, 0),)) -> Trace:
    end = max((e.end for e in events), default=0)
    return Trace(events=tuple(events), units=units, sram=sram, clock_hz=1e9, end=end)


def test_busy_is_the_union_of_a_units_spans():
    # bus: [0, 10), [5, 12) (queued: overlaps 5), [20, 25) -> 12 + 5 = 17; vector: nothing
    trace = _trace([_event(0, "bus", 0, 10), _event(1, "bus", 5, 12), _event(2, "bus", 20, 25)])
    assert (trace.busy("bus"), trace.busy("vector")) == (17, 0)


def test_busy_of_a_span_inside_an_earlier_one_adds_nothing():
    trace = _trace([_event(0, "bus", 0, 10), _event(1, "bus", 2, 8), _event(2, "bus", 10, 11)])
    assert trace.busy("bus") == 11


def test_busy_sorts_a_hand_made_trace_out_of_start_order():
    # listed [20, 25) first: sorted, the union is 10 + 5
    trace = _trace([_event(0, "bus", 20, 25), _event(1, "bus", 0, 10)])
    assert trace.busy("bus") == 15
    # [5, 8) listed before the [0, 10) it lies in: by start, 10 cycles
    trace = _trace([_event(0, "bus", 5, 8), _event(1, "bus", 0, 10), _event(2, "bus", 9, 12)])
    assert trace.busy("bus") == 12
    # a start one cycle before the one listed before it is out of order too: [4, 10), 6
    trace = _trace([_event(0, "bus", 5, 10), _event(1, "bus", 4, 6)])
    assert trace.busy("bus") == 6


def test_busy_of_a_unit_not_declared_still_counts_its_tasks_and_an_unknown_name_is_zero():
    trace = _trace([_event(0, "dma7", 0, 6), _event(1, "dma7", 6, 7)], units=("bus",))
    assert (trace.busy("dma7"), trace.busy("bus"), trace.busy("nobody")) == (7, 0, 0)


def test_sram_peaks_take_the_value_in_force_at_the_start_to_the_last_change_at_the_end():
    sram = ((0, 0), (10, 50), (20, 30), (30, 80), (40, 0))
    steps = Steps(np.array([t for t, _ in sram], np.int64), np.array([u for _, u in sram],
                                                                     np.int64))  # fmt: skip
    for curve in (sram, steps):
        trace = _trace([_event(0, "bus", 0, 40)], sram=curve)
        windows = [(0, 9), (0, 10), (15, 25), (21, 29), (25, 30), (41, 50), (12, 12)]
        assert trace.sram_peaks(windows) == [0, 50, 50, 30, 80, 0, 50]
        assert trace.sram_peak == 80
