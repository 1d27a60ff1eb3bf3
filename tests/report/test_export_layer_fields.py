"""The `run --json` layer fields tests/report/test_export_fields.py leaves out, for the same
single 3x3 conv on the toy machine worked by hand: load x (32 B) [0, 42), load W (72 B)
[42, 124), compute [124, 148), store out (64 B) [148, 222); each transfer 10 cycles of start-up
then 1 cycle a byte; 1,152 MACs at 50 a cycle take 24 cycles."""

from __future__ import annotations

import pytest

from accelsim.api import simulate_graph
from accelsim.report.export import result_to_dict
from tests.sim.test_schedule import _single_conv
from tests.sim.toy import toy_machine


@pytest.fixture(scope="module")
def data():
    return result_to_dict(simulate_graph(_single_conv(), toy_machine(latency_ns=10), name="t"))


def test_the_layer_holds_x_w_and_out_at_once_while_it_computes(data):
    (layer,) = data["layers"]
    # from its first compute (124) to its end (222): x + W + out = 32 + 72 + 64 B
    assert layer["sram_in_use_bytes"] == 168


def test_the_layer_window_is_lost_to_the_bus_the_start_ups_and_the_engine(data):
    (layer,) = data["layers"]
    # the window [0, 222) is the chain load x, load W, compute, store: three start-ups of 10
    # (latency), 32 + 72 + 64 = 168 cycles of data (bus) and the 24 of the compute (matrix)
    parts = {"bus": 168, "latency": 30, "matrix": 24, "vector": 0, "sram": 0}
    assert layer["breakdown_cycles"] == parts
    assert data["breakdown_cycles"] == parts  # the run is this one chain
    assert layer["bound"] == "bus"
    assert layer["engine_utilisation"] == pytest.approx(1152 / (50 * 24))


def test_the_ddr_listing_names_each_tensor_its_kind_and_bytes(data):
    rows = {row["buffer"]: (row["kind"], row["bytes"]) for row in data["ddr"]}
    assert rows == {"x": ("input", 32), "conv.W": ("weight", 72), "conv.out": ("output", 64)}
    spans = sorted((row["address"], row["address"] + row["bytes"]) for row in data["ddr"])
    assert all(end <= start for (_, end), (start, _) in zip(spans, spans[1:], strict=False))


def test_the_critical_path_flows_join_the_middles_of_the_tasks_in_one_process():
    from accelsim.report.export import chrome_trace

    result = simulate_graph(_single_conv(), toy_machine(latency_ns=10), name="t")
    events = chrome_trace(result)["traceEvents"]
    assert {event["pid"] for event in events} == {1}  # one process: a flow binds to its slices
    flows = [event for event in events if event["ph"] in "sf"]
    # middles of x [0, 42), W [42, 124), conv [124, 148), store [148, 222): 21, 83, 136, 185 ns
    middles = [(event["ph"], round(event["ts"] * 1e3, 6)) for event in flows]
    assert middles == [("s", 21), ("f", 83), ("s", 83), ("f", 136), ("s", 136), ("f", 185)]
    assert {(e["name"], e["cat"], e["bp"]) for e in flows} == {("critical path", "critical", "e")}
