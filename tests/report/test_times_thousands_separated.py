"""Times in µs are thousands-separated like every count: `1,980.00`, not `1980.00`. The single
3x3 conv of tests/sim/test_schedule.py on the toy machine (latency 10 ns): load x [0, 42), load
W [42, 124), compute [124, 148), store [148, 222) cycles; its transfers hold the bus 198 cycles.
Shown as if the clock were 100 kHz (a cycle is 10 µs), each time is ten times its cycles in µs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from accelsim.api import simulate_graph
from accelsim.errors import AccelsimError
from accelsim.hardware_file import with_overrides
from accelsim.report.diff import diff_runs, diff_view
from accelsim.report.export import result_to_dict
from accelsim.report.tables import layer_table
from accelsim.report.timeline import Timeline, resolve_window
from tests.report.test_tables_by_hand import _text
from tests.report.test_timeline import render
from tests.sim.test_schedule import _single_conv
from tests.sim.toy import toy_machine


@pytest.fixture(scope="module")
def slow():
    result = simulate_graph(_single_conv(), toy_machine(latency_ns=10), name="t")
    return replace(result, hardware=with_overrides(result.hardware, {"clock": "100 kHz"}))


def test_the_layer_tables_microseconds_have_thousands_separators(slow):
    row = next(line for line in _text(layer_table(slow)).splitlines() if line.startswith("conv "))
    # xfer 198, comp 24, start 124, end 222 cycles of 10 µs
    assert row.split()[6:10] == ["1,980.00", "240.00", "1,240.00", "2,220.00"]


def test_the_diff_views_microseconds_have_thousands_separators(slow):
    document = result_to_dict(slow)
    twice = {**document, "totals": {**document["totals"], "latency_cycles": 444}}
    view = _text(diff_view(diff_runs(document, twice, labels=("a", "b")), clock_hz=1e5))
    assert "a: 2,220.00 µs" in view and "b: 4,440.00 µs" in view
    assert "+2,220.00 µs (+100.0%)" in view  # B - A = 222 cycles


def test_the_timelines_window_has_thousands_separators(slow):
    # the title gives the window [0, 222) cycles as 0-2,220 µs
    assert "t on toy: 0-2,220 µs" in render(Timeline(slow)).splitlines()[0]


def test_an_empty_windows_error_gives_the_runs_span_separated(slow):
    with pytest.raises(AccelsimError, match=r"\[3000, end\); the run spans 0-2,220 µs$"):
        resolve_window(slow, "3000", None)  # 300 cycles, past the run's 222


def test_the_diff_views_bytes_have_thousands_separators(slow):
    document = result_to_dict(slow)

    def read(nbytes: int) -> dict[str, object]:
        (layer,) = document["layers"]
        return {**document, "layers": [{**layer, "bus_read_bytes": nbytes}]}

    # the conv writes 64 B: A moves 1,104 + 64 = 1,168 B, B 3,104 + 64, 2,000 more
    view = _text(diff_view(diff_runs(read(1104), read(3104), labels=("a", "b")), clock_hz=1e5))
    row = next(line for line in view.splitlines() if line.startswith("conv "))
    assert "1,168" in row.split() and "+2,000" in row.split()
