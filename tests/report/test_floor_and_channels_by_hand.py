"""The floor and each layer's channel time, worked by hand on the toy machine (1 GHz, 1 B a
cycle, 100 GFLOPS matrix engine, 1 GOPS vector unit): a queued channel counts one start-up, an
epilogue's vector work counts, work shared by two units rounds up, and a transfer queued behind
another holds the channel only from that one's end."""

from __future__ import annotations

from accelsim.api import simulate_graph
from accelsim.hardware_file import with_overrides
from tests.sim.test_schedule import _two_convs
from tests.sim.toy import GraphBuilder, toy_machine


def test_a_queued_channel_pays_one_start_up_in_the_floor_and_its_layers_hold_it_in_turn():
    hw = with_overrides(toy_machine(latency_ns=10), {"units.bus.depth": 2})
    result = simulate_graph(_two_convs(), hw, name="t")
    # 184 B cross once and the 4 transfers' start-ups overlap the data before them but the first:
    # 184 + 10 = 194 (depth 1: 184 + 4 x 10 = 224, tests/report/test_tables_by_hand.py)
    assert result.floor.parts == {"bus": 194, "matrix": 30, "vector": 0}
    # transfers x [0, 42), c1.W [0, 114), c2.W [42, 130), store [144, 218): c1.W queued behind
    # x holds the channel from x's end: 114 - 42 = 72; c2.W from c1.W's end: 130 - 114 = 16.
    # Start-up that left the channel idle: x's 10, the store's 10 (issued after c2.W ended).
    assert [(layer.transfer_cycles, layer.latency_cycles) for layer in result.layers] == [
        (42 + 72, 10), (16 + 74, 10),
    ]  # fmt: skip


def test_a_fused_epilogue_counts_in_the_vector_units_floor():
    # c1 (1x1 conv, 4 -> 4 channels on 5x5) then Add(c1, x): 100 additions fused into the
    # conv's layer as its epilogue, run by the 1 op/cycle vector unit: 100 cycles
    g = GraphBuilder()
    x = g.input("x", (1, 4, 5, 5))
    a = g.conv("c1", x, 4, 1)
    graph = g.build(g.op("add", "Add", [a, x], "y", (1, 4, 5, 5), vector_ops=100))
    hw = with_overrides(toy_machine(), {"lowering.epilogue": ["Add"]})
    result = simulate_graph(graph, hw, name="t")
    assert [layer.op_types for layer in result.layers] == [("Conv", "Add")]
    # bus: x 100 + W 16 + y 100 B; matrix: 400 MACs = 800 FLOP / 100 a cycle
    assert result.floor.parts == {"bus": 216, "matrix": 8, "vector": 100}


def test_work_shared_by_two_units_rounds_up():
    # 101 Relu ops over two vector units: one of them does 51
    g = GraphBuilder()
    x = g.input("x", (1, 101))
    graph = g.build(g.op("relu", "Relu", [x], "y", (1, 101), vector_ops=101))
    result = simulate_graph(graph, toy_machine(vector_units=2), name="t")
    assert result.floor.parts == {"bus": 202, "matrix": 0, "vector": 51}
