"""Every view of a run shows microseconds unless told `cycles=True`: the defaults of
`layer_table`, `run_report`, `Timeline` and `diff_view`. The single 3x3 conv of
tests/sim/test_schedule.py on the toy machine (1 GHz): load x [0, 42), load W [42, 124),
compute [124, 148), store [148, 222); at 1 GHz a cycle is 1 ns = 0.001 µs."""

from __future__ import annotations

import pytest

from accelsim.api import simulate_graph
from accelsim.report.diff import diff_runs, diff_view
from accelsim.report.export import result_to_dict
from accelsim.report.tables import layer_table, run_report
from accelsim.report.timeline import Timeline
from tests.report.test_tables_by_hand import _text
from tests.report.test_timeline import render
from tests.sim.test_schedule import _single_conv
from tests.sim.toy import toy_machine


@pytest.fixture(scope="module")
def result():
    return simulate_graph(_single_conv(), toy_machine(latency_ns=10), name="t")


def _conv_row(text: str) -> list[str]:
    return next(line for line in text.splitlines() if line.startswith("conv ")).split()


def test_the_layer_table_is_in_microseconds_by_default(result):
    text = _text(layer_table(result))
    assert "xfer µs" in text and "end µs" in text and "cyc" not in text
    # name, ops, unit, MACs, read B, write B, then xfer 198, comp 24, start 124, end 222 cycles
    assert _conv_row(text)[6:10] == ["0.20", "0.02", "0.12", "0.22"]


def test_the_run_report_is_in_microseconds_by_default(result):
    text = _text(run_report(result))
    assert _conv_row(text)[6:10] == ["0.20", "0.02", "0.12", "0.22"]


def test_the_timeline_axis_is_in_microseconds_by_default(result):
    text = render(Timeline(result))
    # the title gives the window [0, 222) cycles as 0-0.222 µs
    assert "t on toy: 0-0.222 µs" in text.splitlines()[0]


def test_the_diff_view_is_in_microseconds_by_default(result):
    document = result_to_dict(result)
    view = _text(diff_view(diff_runs(document, document, labels=("a", "b")), clock_hz=1e9))
    assert "a: 0.22 µs" in view and "cyc" not in view
