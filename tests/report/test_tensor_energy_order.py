"""Tensors that cost the same are listed by name, whatever order the run moved them in."""

from __future__ import annotations

from accelsim.api import simulate_graph
from accelsim.energy import tensor_energy
from tests.close import close
from tests.sim.toy import GraphBuilder, toy_machine


def test_equal_costs_are_listed_by_name():
    # zz and aa (10 B each, loaded in that order) and y (10 B, stored): each crosses the bus
    # once and is written to and read from SRAM once, so all three cost the same
    g = GraphBuilder()
    z, a = g.input("zz", (1, 10)), g.input("aa", (1, 10))
    graph = g.build(g.op("add", "Add", [z, a], "y", (1, 10), vector_ops=10))
    result = simulate_graph(graph, toy_machine(), name="t")
    assert [e.buffer for e in result.trace.events if e.kind == "load"] == ["zz", "aa"]
    spent = tensor_energy(result)
    assert list(spent) == ["aa", "y", "zz"]
    assert spent["aa"] == close(spent["zz"]) == close(spent["y"])
