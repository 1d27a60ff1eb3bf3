"""Lowered layers' counted fields on hand-built graphs, and what they cost on the toy machine."""

from __future__ import annotations

from accelsim.api import simulate_graph
from accelsim.hardware_file import with_overrides
from accelsim.lowering import lower
from accelsim.workload.graph import Op, Tensor
from tests.sim.toy import GraphBuilder, toy_machine


def test_a_layer_with_two_outputs_counts_the_elements_of_both_against_the_lanes():
    # Split of x (1 x 10) into a (1 x 4) and b (1 x 6), 10 vector ops: 10 elements on 8 lanes
    # are two groups of 8, so 10 ops x 16 / 10 = 16 cycles (not 14, as 6 elements would give)
    g = GraphBuilder()
    x = g.input("x", (1, 10))
    g.tensors["a"] = Tensor("a", (1, 4), "activation")
    g.tensors["b"] = Tensor("b", (1, 6), "activation")
    g.ops.append(Op("s", "Split", (x,), ("a", "b"), 0, 10, {"axis": 1, "split": [4, 6]}))
    graph = g.build("a", "b")
    hw = with_overrides(toy_machine(), {"units.vector.lanes": 8})
    (layer,) = lower(graph, hw).layers
    assert (layer.unit, layer.vector_ops, layer.elements, layer.writes) == (
        "vector", 10, 10, ("a", "b"))  # fmt: skip
    events = simulate_graph(graph, hw, name="t").trace.events
    # load 10 B, the split, then the two stores of 4 and 6 B at 1 B a cycle
    assert [(e.kind, e.start, e.end) for e in events] == [
        ("load", 0, 10), ("compute", 10, 26), ("store", 26, 30), ("store", 30, 36)]  # fmt: skip
