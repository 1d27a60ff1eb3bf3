"""Times in cycles (--cycles) are thousands-separated too: tests/sim/test_schedule.py's single
conv on the toy machine with a 1 GFLOPS engine (10 ns a transfer): load x [0, 42), load W
[42, 124), 1,152 MACs x 2 FLOP at 1 a cycle [124, 2,428), the store [2,428, 2,502)."""

from __future__ import annotations

import pytest

from accelsim.api import simulate_graph
from accelsim.report.diff import diff_runs, diff_view
from accelsim.report.export import result_to_dict
from accelsim.report.tables import layer_table, totals_table
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


def test_the_totals_cycles_have_thousands_separators(slow):
    lines = {line.split("  ")[0]: line.split("  ", 1)[1].strip()
             for line in _text(totals_table(slow)).splitlines() if "  " in line}  # fmt: skip
    assert lines["latency"] == "2,502 cycles = 2.502 µs"
    # bus 42 + 82 + 74 = 198 of 2,502 (7.9%), 3 start-ups of 10 in it (15.2%)
    assert lines["bus busy"] == "198 cycles = 198 ns (7.9%), 15.2% of DMA time per-transfer latency"
    assert lines["matrix busy"] == "2,304 cycles = 2.304 µs (92.1%)"  # 2,304 / 2,502
    # the floor is the engine's 2,304 (bus 198, vector 0); 2,502 / 2,304 - 1 = 8.59 %
    assert lines["floor"].startswith("2,304 cycles = 2.304 µs (limit of the floor: matrix engine; "
                                     "bus 198, matrix 2,304, vector 0 cycles;")  # fmt: skip
    assert lines["gap to floor"] == "+8.59%"
