"""The breakdown and the critical path as JSON, Chrome trace, table column and timeline row."""

from __future__ import annotations

import io

from rich.console import Console

from accelsim.api import simulate_graph
from accelsim.report.export import chrome_trace, result_to_dict
from accelsim.report.tables import layer_table, span_bar
from accelsim.report.timeline import Timeline
from tests.sim.test_schedule import _two_convs
from tests.sim.toy import toy_machine


def _result():
    # Hand-worked in test_stalls/test_path: path x, c1.W, c2.W, c2, store; c1 has 2 of slack.
    return simulate_graph(_two_convs(), toy_machine(latency_ns=10), name="t")


def _render(renderable, width=100):
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    return console.file.getvalue()


def test_json_carries_windows_breakdowns_and_the_path():
    data = result_to_dict(_result())
    assert [layer["window_cycles"] for layer in data["layers"]] == [[0, 148], [148, 230]]
    assert data["layers"][1]["breakdown_cycles"] == {
        "bus": 66, "latency": 10, "matrix": 6, "vector": 0, "sram": 0,
    }  # fmt: skip
    # The run's: store 10 + 64, c2 6, c2.W 10 + 16, c1.W 10 + 72, x 10 + 32.
    assert data["breakdown_cycles"] == {
        "bus": 184, "latency": 40, "matrix": 6, "vector": 0, "sram": 0,
    }  # fmt: skip
    path = data["critical_path"]
    assert path["tasks"] == 5 and path["cycles_by_unit"] == {"bus": 224, "matrix": 6}
    # x, c1.W (layer c1), then c2.W, c2 and the store (layer c2), each step a part of a task
    assert path["stretches"] == [
        {"layer": "c1", "start_cycle": 0, "end_cycle": 124, "steps": 4},
        {"layer": "c2", "start_cycle": 124, "end_cycle": 230, "steps": 5},
    ]


def test_chrome_trace_has_waits_slack_and_flow_arrows_along_the_path():
    trace = chrome_trace(_result())["traceEvents"]
    slices = [e for e in trace if e["ph"] == "X"]
    c1 = slices[2]["args"]
    assert (c1["waited_for"], c1["waited_on_task"], c1["slack_cycles"], c1["critical"]) == (
        "data", 1, 2, False,
    )  # fmt: skip
    flows = [e for e in trace if e["ph"] in "sf"]
    assert len(flows) == 2 * 4  # 5 tasks on the path, 4 arrows
    # each end sits mid-slice: x [0,42) -> c1.W [42,124), in µs at 1 GHz
    assert [(f["ph"], f["ts"]) for f in flows[:2]] == [("s", 0.021), ("f", 0.083)]


def test_table_column_and_timeline_row():
    assert span_bar({"bus": 66, "latency": 10, "matrix": 6, "vector": 0, "sram": 0}).plain == (
        "bbbbbl"  # 66/82 of 6 = 4.83 -> 5, 10/82 -> 0.73 -> 1, 6/82 -> 0.44 -> 0
    )
    text = _render(layer_table(_result()), width=160)
    assert "lost" in text and "bbbbbl" in text
    chart = _render(Timeline(_result(), cycles=True), width=100)
    path = next(line for line in chart.splitlines() if line.startswith("path"))
    assert set(path[7:].strip()) == {"b", "m"}  # the bus holds it, but for c2's 6 cycles
