"""A run's derived figures (busy cycles, utilisation per unit and per kind, latency share, bus
bytes) on a two-channel toy machine, every number by hand from the schedule below."""

from __future__ import annotations

from dataclasses import replace

import pytest

from accelsim.api import simulate_graph
from tests.sim.test_check import _two_convs
from tests.sim.toy import toy_machine


def test_two_channel_run_figures_by_hand():
    # 1 B/cycle channels, 10 cycles of latency a transfer; the matrix unit 50 MACs a cycle.
    # dma0: x 32 B [0, 42), c2.W 16 B [42, 68), the store of 64 B [112, 186) -> 142 busy
    # dma1: c1.W 72 B [0, 82) -> 82 busy; matrix: c1 1,152 MACs [82, 106), c2 256 [106, 112)
    result = simulate_graph(_two_convs(), toy_machine(dma_units=2, latency_ns=10), name="t")
    spans = [(e.resource, e.start, e.end) for e in result.trace.events]
    assert spans == [("dma0", 0, 42), ("dma1", 0, 82), ("matrix", 82, 106), ("dma0", 42, 68),
                     ("matrix", 106, 112), ("dma0", 112, 186)]  # fmt: skip
    assert result.latency_cycles == 186
    busy = {name: result.busy_cycles(name) for name in ("dma0", "dma1", "matrix", "vector")}
    assert busy == {"dma0": 142, "dma1": 82, "matrix": 30, "vector": 0}
    assert result.utilisation("dma0") == pytest.approx(142 / 186)
    # the mean over the two channels, not the busier one nor the sum
    assert result.kind_utilisation("dma") == pytest.approx((142 + 82) / 2 / 186)
    assert result.kind_utilisation("matrix") == pytest.approx(30 / 186)
    assert result.kind_utilisation("vector") == 0.0
    # 4 transfers x 10 cycles of latency over both channels' 224 busy cycles
    assert result.latency_share == pytest.approx(40 / 224)
    assert (result.bus_read_bytes, result.bus_write_bytes) == (32 + 72 + 16, 64)
    # SRAM at its fullest from 82 to 106: x, c1.W, c2.W and c1's output, 32 + 72 + 16 + 64 B
    assert result.trace.sram_peak == 184
    # the curve: x and c1.W taken at 0, c2.W at 42, c1's output at 82; at 106 x and c1.W are
    # freed as c2's output is taken; at 112 c1's output and c2.W; at 186 c2's output
    curve = ((0, 104), (42, 120), (82, 184), (106, 144), (112, 64), (186, 0))
    assert tuple(result.trace.sram) == curve
    assert result.trace.sram == curve and result.trace.sram != curve[:-1]
    # the Chrome trace's SRAM counter: one sample per change, at 1 GHz 0.001 us a cycle
    from accelsim.report.export import chrome_trace

    counter = [(e["ts"], e["args"]["bytes"]) for e in chrome_trace(result)["traceEvents"]
               if e.get("name") == "SRAM in use"]  # fmt: skip
    assert counter == [pytest.approx((cycle / 1000, used)) for cycle, used in curve]
    assert replace(result.trace, sram=curve).sram_peak == 184  # a trace given as tuples


def test_two_channel_layer_rows_by_hand():
    result = simulate_graph(_two_convs(), toy_machine(dma_units=2, latency_ns=10), name="t")
    c1, c2 = result.layers
    # c1 reads x + c1.W (104 B) in 42 + 82 cycles, 10 of each start-up; computes [82, 106):
    # 1,152 MACs in 24 cycles of a 50-MAC engine = 0.96. SRAM then: x, c1.W, c2.W (loaded at
    # 42) and c1's output, 32 + 72 + 16 + 64 = 184 B.
    row = (c1.bus_read_bytes, c1.bus_write_bytes, c1.transfer_cycles, c1.latency_cycles,
           c1.compute_cycles, c1.start, c1.end, c1.sram_in_use, c1.bound)  # fmt: skip
    assert row == (104, 0, 124, 20, 24, 82, 106, 184, "bus")
    assert c1.engine_utilisation == pytest.approx(1152 / (50 * 24))
    # its window [0, 106) on the path: c1.W's start-up 10 and 72 B, then the compute 24
    assert (c1.breakdown.start, c1.breakdown.end) == (0, 106)
    assert c1.breakdown.parts == {"bus": 72, "latency": 10, "matrix": 24, "vector": 0, "sram": 0}
    # c2 loads c2.W (16 B, 26 cycles) and stores 64 B (74 cycles); computes [106, 112): 256
    # MACs in 6 cycles; it ends with its store at 186; x and c1.W are gone: 16 + 64 + 64 B
    row = (c2.bus_read_bytes, c2.bus_write_bytes, c2.transfer_cycles, c2.latency_cycles,
           c2.compute_cycles, c2.start, c2.end, c2.sram_in_use, c2.bound)  # fmt: skip
    assert row == (16, 64, 100, 20, 6, 106, 186, 144, "bus")
    assert c2.engine_utilisation == pytest.approx(256 / (50 * 6))
    assert c2.breakdown.parts == {"bus": 64, "latency": 10, "matrix": 6, "vector": 0, "sram": 0}
    # the floor: 224 cycles of transfers over two channels, 30 of compute
    assert result.floor.parts == {"bus": 112, "matrix": 30, "vector": 0}
    assert result.gap == pytest.approx(186 / 112 - 1)


def test_the_critical_path_record_by_hand():
    # x -> c1 (conv 3x3, 2 -> 4) -> s (Sigmoid, 64 ops, its own layer) -> c2 (1x1) on two
    # channels, no start-up: c1.W 72 B [0, 72) on dma1, c1 [72, 96), the Sigmoid [96, 160) at
    # 1 op a cycle, c2 [160, 166), the store of 64 B [166, 230). The path runs back from the
    # store through all five; consecutive steps of one layer make one stretch.
    from accelsim.report.export import critical_path_to_dict
    from tests.sim.toy import GraphBuilder

    g = GraphBuilder()
    a = g.conv("c1", g.input("x", (1, 2, 4, 4)), 4, 3, pad=1)
    s = g.op("s", "Sigmoid", [a], "s", (1, 4, 4, 4), vector_ops=64)
    result = simulate_graph(g.build(g.conv("c2", s, 4, 1)), toy_machine(dma_units=2), name="t")
    assert critical_path_to_dict(result) == {
        "tasks": 5,
        "cycles_by_unit": {"dma1": 72, "matrix": 24 + 6, "vector": 64, "dma0": 64},
        "cycles_by_layer": {"c1": 72 + 24, "s": 64, "c2": 6 + 64},
        "stretches": [
            {"layer": "c1", "start_cycle": 0, "end_cycle": 96, "steps": 2},
            {"layer": "s", "start_cycle": 96, "end_cycle": 160, "steps": 1},
            {"layer": "c2", "start_cycle": 160, "end_cycle": 230, "steps": 2},
        ],
    }


def test_a_run_of_no_cycles_has_no_utilisation_and_no_gap():
    # a zero-cycle run (and a zero floor) divides by nothing: 0, not 1 or an error
    from accelsim.summary import Floor

    result = simulate_graph(_two_convs(), toy_machine(), name="t")
    empty = replace(result, trace=replace(result.trace, end=0))
    assert (empty.utilisation("bus"), empty.kind_utilisation("matrix")) == (0.0, 0.0)
    no_floor = replace(result, floor=Floor(parts={"bus": 0, "matrix": 0, "vector": 0}))
    assert (no_floor.floor.cycles, no_floor.gap) == (0, 0.0)
    # and with a floor: 198 cycles over the floor's bus part (x, c1.W, c2.W and the output,
    # 184 B at 1 B/cycle): 198 / 184 - 1
    assert result.floor.parts["bus"] == 184 and result.latency_cycles == 198
    assert result.gap == pytest.approx(198 / 184 - 1)


def test_a_layer_ending_inside_an_earlier_window_is_bound_by_its_own_unit():
    # x 32 B [0, 32), c.W 36 B [32, 68), the conv 576 MACs [68, 80); the Sigmoid of x (4 ops)
    # runs on the vector unit [32, 36), inside the conv's window [0, 80): its own window
    # [80, 80) is empty, and it names its own unit; the Add [80, 112) and its store [112, 144)
    from tests.sim.toy import GraphBuilder

    g = GraphBuilder()
    x = g.input("x", (1, 2, 4, 4))
    c = g.conv("c", x, 2, 3, pad=1)
    s = g.op("r", "Sigmoid", [x], "s", (1, 2, 4, 4), vector_ops=4)
    result = simulate_graph(g.build(g.op("a", "Add", [c, s], "y", (1, 2, 4, 4), vector_ops=32)),
                            toy_machine(), name="t")  # fmt: skip
    rows = [(r.name, r.start, r.end, r.breakdown.start, r.breakdown.end, r.bound)
            for r in result.layers]  # fmt: skip
    assert rows == [("c", 68, 80, 0, 80, "bus"), ("r", 32, 36, 80, 80, "vector"),
                    ("a", 80, 144, 80, 144, "bus")]  # fmt: skip


def test_a_matrix_layers_utilisation_leaves_out_its_epilogue_on_the_vector_unit():
    # the conv's 1,152 MACs in its 24 engine cycles (50 MACs a cycle): 0.96, though the layer's
    # Relu epilogue keeps the vector unit 64 cycles more
    from tests.sim.test_check_planted import _conv_relu_epilogue

    result, _ = _conv_relu_epilogue()
    (layer,) = result.layers
    assert layer.compute_cycles == 24 + 64
    assert layer.engine_utilisation == pytest.approx(1152 / (50 * 24))


def test_a_layers_bus_bytes_count_its_spills_and_reloads():
    # tests/memory/test_planner.py's Belady case: r3 spills b (100 B) to make room, r5 reloads
    # it and stores f: reads x 100 (r0) and b 100 (r5); writes b 100 (r3) and f 100 (r5)
    from tests.memory.test_planner import _two_candidates

    result = simulate_graph(_two_candidates(), toy_machine(sram=300), name="t")
    rows = [(layer.name, layer.bus_read_bytes, layer.bus_write_bytes) for layer in result.layers]
    assert rows == [("r0", 100, 0), ("r1", 0, 0), ("r2", 0, 0), ("r3", 0, 100), ("r4", 0, 0),
                    ("r5", 100, 100)]  # fmt: skip
