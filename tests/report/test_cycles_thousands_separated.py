"""Times in cycles (--cycles) are thousands-separated too: tests/sim/test_schedule.py's single
conv on the toy machine with a 1 GFLOPS engine (10 ns a transfer): load x [0, 42), load W
[42, 124), 1,152 MACs x 2 FLOP at 1 a cycle [124, 2,428), the store [2,428, 2,502)."""

from __future__ import annotations

import pytest

from accelsim.api import simulate_graph
from accelsim.report.diff import diff_runs, diff_view
from accelsim.report.export import result_to_dict
from accelsim.report.tables import layer_table
from tests.report.test_tables_by_hand import _text
from tests.sim.test_schedule import _single_conv
from tests.sim.toy import toy_machine


@pytest.fixture(scope="module")
def slow():
    return simulate_graph(_single_conv(), toy_machine(latency_ns=10, matrix="1 GFLOPS"), name="t")


def test_the_layer_tables_cycles_have_thousands_separators(slow):
    text = _text(layer_table(slow, cycles=True))
    row = next(line for line in text.splitlines() if line.startswith("conv "))
    # xfer 42 + 82 + 74 = 198, comp 2,304, start 124, end 2,502
    assert row.split()[6:10] == ["198", "2,304", "124", "2,502"]


def test_the_diff_views_cycles_have_thousands_separators(slow):
    document = result_to_dict(slow)
    twice = {**document, "totals": {**document["totals"], "latency_cycles": 5004}}
    view = _text(diff_view(diff_runs(document, twice, labels=("a", "b")), clock_hz=1e9,
                           cycles=True))  # fmt: skip
    assert "a: 2,502 cyc" in view and "b: 5,004 cyc" in view
    assert "+2,502 cyc (+100.0%)" in view
