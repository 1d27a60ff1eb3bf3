"""The layer table's `util` is the matrix engine's: a layer on the vector unit has none, and
its cell is left blank (not "-", not 0%). A 3x3 conv (1,152 MACs in 24 cycles at 50 MACs a
cycle: 96%) then a Sigmoid of its 64 outputs on the vector unit, on the toy machine."""

from __future__ import annotations

from accelsim.api import simulate_graph
from accelsim.report.tables import layer_table
from tests.sim.toy import GraphBuilder, toy_machine


def test_a_vector_layers_util_cell_is_blank():
    g = GraphBuilder()
    y = g.conv("conv", g.input("x", (1, 2, 4, 4)), 4, 3, pad=1)
    graph = g.build(g.op("sig", "Sigmoid", [y], "s", (1, 4, 4, 4), vector_ops=64))
    table = layer_table(simulate_graph(graph, toy_machine(), name="t"))
    util = [column.header for column in table.columns].index("util")
    assert [(row[0], row[util]) for row in table.rows] == [("conv", "96%"), ("sig", "")]
