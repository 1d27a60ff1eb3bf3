"""Every field of `run --json` and of the Chrome trace for one conv worked by hand.

The single 3x3 conv of tests/sim/test_schedule.py on the toy machine (1 GHz, 1 B/cycle bus,
10 ns per transfer): load x (32 B) [0, 42), load W (72 B) [42, 124), compute [124, 148), store
out (64 B) [148, 222). Each transfer is 10 cycles of start-up then 1 cycle a byte.
"""

from __future__ import annotations

import json

import pytest

from accelsim.api import simulate_graph
from accelsim.report.export import chrome_trace, json_text, result_to_dict
from tests.close import close
from tests.sim.test_schedule import _single_conv
from tests.sim.toy import toy_machine

US = 1e-3  # µs per cycle at 1 GHz


@pytest.fixture(scope="module")
def result():
    return simulate_graph(_single_conv(), toy_machine(latency_ns=10), name="t")


def test_the_layer_and_the_totals_are_the_hand_worked_run(result):
    data = result_to_dict(result)
    (layer,) = data["layers"]
    assert (layer["name"], layer["op_types"], layer["unit"], layer["tiles"]) == (
        "conv", ["Conv"], "matrix", 1,
    )  # fmt: skip
    assert (layer["macs"], layer["bus_read_bytes"], layer["bus_write_bytes"]) == (1152, 104, 64)
    # transfers hold the bus 42 + 82 + 74 = 198 cycles, 3 x 10 of them start-up
    assert (layer["transfer_cycles"], layer["transfer_latency_cycles"]) == (198, 30)
    assert (layer["compute_cycles"], layer["start_cycle"], layer["end_cycle"]) == (24, 124, 222)
    assert layer["window_cycles"] == [0, 222]
    assert (layer["ddr_row_hit_rate"], layer["ddr_bandwidth_bytes_per_s"]) == (None, None)
    totals = data["totals"]
    assert totals["latency_cycles"] == 222
    assert totals["latency_s"] == close(222e-9)
    assert (totals["bus_read_bytes"], totals["bus_write_bytes"]) == (104, 64)
    assert (totals["spilled_bytes"], totals["reloaded_bytes"]) == (0, 0)
    assert totals["busy_cycles"] == {"bus": 198, "matrix": 24, "vector": 0}
    assert totals["utilisation"] == close({"bus": 198 / 222, "matrix": 24 / 222,
                                                   "vector": 0.0})  # fmt: skip
    assert totals["bus_latency_share"] == close(30 / 198)
    # x + W + out = 168 B at once (while the conv computes), of the toy's 10,000 B
    assert (totals["sram_peak_bytes"], totals["sram_capacity_bytes"]) == (168, 10_000)
    assert totals["events"] == 4
    assert (data["model"], data["policy"], data["overlap"]) == ("t", "liveness", True)
    assert data["dram"] is None  # the rate tier has no DRAM log
    assert data["energy"]["power_w"]["bin_cycles"] == close(222 / 200)


def test_the_floor_is_each_kind_of_work_once(result):
    floor = result_to_dict(result)["floor"]
    # every tensor crosses once: 3 transfers of 10 cycles + 168 B; 1152 MACs at 50 a cycle
    assert (floor["bus_cycles"], floor["matrix_cycles"], floor["vector_cycles"]) == (198, 24, 0)
    assert (floor["cycles"], floor["limit"]) == (198, "bus")
    assert floor["seconds"] == close(198e-9)
    assert floor["gap"] == close(222 / 198 - 1)


def test_the_critical_path_is_the_whole_chain_in_one_stretch(result):
    path = result_to_dict(result)["critical_path"]
    assert path["tasks"] == 4
    assert path["cycles_by_unit"] == {"bus": 198, "matrix": 24}
    assert path["cycles_by_layer"] == {"conv": 222}
    # a step is a part of a task: each transfer's start-up and its data, and the compute
    assert path["stretches"] == [{"layer": "conv", "start_cycle": 0, "end_cycle": 222, "steps": 7}]


def test_the_chrome_trace_names_its_tracks_and_times_each_event_in_microseconds(result):
    trace = chrome_trace(result)
    assert trace["displayTimeUnit"] == "ns"
    events = trace["traceEvents"]
    assert events[0] == {"ph": "M", "pid": 1, "name": "process_name", "args": {"name": "toy"}}
    threads = [(e["tid"], e["args"]["name"]) for e in events if e.get("name") == "thread_name"]
    assert threads == [(1, "bus (dma)"), (2, "matrix (matrix)"), (3, "vector (vector)")]
    slices = [e for e in events if e["ph"] == "X"]
    assert [(e["name"], e["cat"], e["tid"]) for e in slices] == [
        ("load x", "load", 1), ("load conv.W", "load", 1), ("conv", "compute", 2),
        ("store conv.out", "store", 1),
    ]  # fmt: skip
    spans = [(round(e["ts"] / US, 9), round(e["dur"] / US, 9)) for e in slices]
    assert spans == [(0, 42), (42, 82), (124, 24), (148, 74)]  # cycles = ns at 1 GHz
    store = slices[3]["args"]
    assert (store["layer"], store["bytes"], store["start_cycle"], store["end_cycle"]) == (
        "conv", 64, 148, 222,
    )  # fmt: skip
    assert all(e["args"]["critical"] for e in slices)  # one chain: every task is on it
    assert [e["args"]["slack_cycles"] for e in slices] == [0, 0, 0, 0]
    flows = [(e["ph"], e["id"], e["tid"]) for e in events if e["ph"] in "sf"]
    assert flows == [("s", 0, 1), ("f", 0, 1), ("s", 1, 1), ("f", 1, 2), ("s", 2, 2), ("f", 2, 1)]
    # SRAM in use: x from 0, W from 42, the output from 124, x and W freed at 148
    sram = [(round(e["ts"] / US), e["args"]["bytes"]) for e in events if e["ph"] == "C"]
    assert sram[:4] == [(0, 32), (42, 104), (124, 168), (148, 64)]


def test_each_slice_says_when_what_it_waited_for_was_met(result):
    # (issued, deps done, space free, unit free, ready, waited for, on task), by hand: issue
    # is in order per kind (the store is reached when load W, the DMA task before it, starts
    # at 42); the bus frees at the end of the transfer before (x at 42, W at 124); the conv
    # waits for W's data (124), the store for the conv's (148); loads fill space free from 0
    slices = [e["args"] for e in chrome_trace(result)["traceEvents"] if e["ph"] == "X"]
    keys = ("issued_cycle", "deps_done_cycle", "space_free_cycle", "unit_free_cycle",
            "ready_cycle", "waited_for", "waited_on_task")  # fmt: skip
    assert [tuple(args[key] for key in keys) for args in slices] == [
        (0, 0, 0, 0, 0, "none", -1),
        (0, 0, 0, 42, 42, "unit", 0),
        (0, 124, 0, 0, 124, "data", 1),
        (42, 148, 0, 124, 148, "data", 2),
    ]


@pytest.mark.parametrize(
    "data",
    [
        {"a": [1, 2, {"b": []}], "c": {}, "d": "x\ny"},
        [[1, [2, [3]]], {"k": {"l": [None, True, 1.5]}}],
        {1: "numeric key", "n": [{}]},
        [],
        "scalar",
    ],
)
def test_json_text_is_json_dumps_with_indent_one(data):
    assert json_text(data) == json.dumps(data, indent=1)


def test_the_banked_ddr_totals_count_each_burst_and_command(tmp_path):
    from accelsim.api import run
    from tests import onnx_builders as builders
    from tests.dram.test_tier_by_hand import EDGE1_DDR4

    model = builders.save(builders.single_conv(), tmp_path / "conv.onnx")
    result = run(model, EDGE1_DDR4)
    data = result_to_dict(result)
    dram = data["dram"]
    # x 192 B (3 bursts of 64 B) then the weights 216 B from byte 192 (4 bursts) are read; the
    # output's 512 B written (8 bursts). Bursts rotate over the 4 bank groups of row 0: the
    # first to each opens it (4 ACTs, row misses), the other 11 are row hits; the open page
    # never closes a row (no PRE) and the 948-cycle run (1,516.8 DDR4-3200 clocks at 1.6 a
    # cycle) ends long before the first refresh (tREFI 7.8 µs)
    assert (dram["preset"], dram["mapping"], dram["page"]) == (
        "ddr4-3200", "row_column_bankgroup", "open",
    )  # fmt: skip
    assert (dram["bursts"], dram["row_hits"], dram["row_misses"], dram["row_conflicts"]) == (
        15, 11, 4, 0,
    )  # fmt: skip
    assert dram["row_hit_rate"] == close(11 / 15)
    assert dram["commands"] == {"ACT": 4, "PRE": 0, "RD": 7, "WR": 8, "REF": 0}
    assert dram["dram_cycles"] == 1516
    assert dram["energy_j"]["refresh"] == 0.0
    # the one layer's share: all 15 bursts, its 920 B over the cycles a transfer of it was in
    # flight (the union of their spans off the trace), at the machine's clock
    (layer,) = data["layers"]
    assert layer["ddr_row_hit_rate"] == close(11 / 15)
    spans = sorted((e.start, e.end) for e in result.trace.events if e.kind != "compute")
    busy, reach = 0, 0
    for start, end in spans:
        busy += max(0, end - max(start, reach))
        reach = max(reach, end)
    assert layer["ddr_bandwidth_bytes_per_s"] == close(
        920 * result.hardware.clock / busy)


def test_the_lowerings_notes_are_in_the_document():
    # a BatchNormalization straight off the input has no engine op to fold into
    from tests.sim.toy import GraphBuilder

    g = GraphBuilder()
    x = g.input("x", (1, 2, 4, 4))
    bn = [x, *(g.weight(f"bn.{k}", (2,)) for k in "sbmv")]
    graph = g.build(g.op("bn", "BatchNormalization", bn, "y", (1, 2, 4, 4), vector_ops=64))
    data = result_to_dict(simulate_graph(graph, toy_machine(), name="t"))
    assert data["notes"] == ["bn: BatchNormalization does not directly follow a matrix-engine "
                             "op, so it cannot be folded; it runs on the vector unit"]  # fmt: skip
