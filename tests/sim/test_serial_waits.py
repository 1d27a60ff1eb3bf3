"""With overlap off every task also waits for the one before it (a serial dependency): the
trace says when those were met too, not only the data dependencies."""

from __future__ import annotations

from accelsim.api import simulate_graph
from tests.sim.toy import GraphBuilder, toy_machine


def test_a_serial_dependency_met_last_sets_deps_done_and_is_named():
    # x (100 B) -> Sigmoid -> a; b = a + y (y 50 B). 1 B and 1 op a cycle, overlap off: load x
    # 0-100, Sigmoid 100-200; load y has no data dependency but waits for the Sigmoid: 200-250;
    # the Add 250-350 (data: load y), store b 350-450.
    g = GraphBuilder()
    a = g.op("r0", "Sigmoid", [g.input("x", (1, 100))], "a", (1, 100), vector_ops=100)
    b = g.op("r1", "Add", [a, g.input("y", (1, 50))], "b", (1, 100), vector_ops=100)
    result = simulate_graph(g.build(b), toy_machine(), name="t", overlap=False)
    rows = [(e.kind, e.start, e.end, e.deps_done, e.waited, e.waited_on)
            for e in result.trace.events]  # fmt: skip
    assert rows == [("load", 0, 100, 0, "none", -1), ("compute", 100, 200, 100, "data", 0),
                    ("load", 200, 250, 200, "serial", 1), ("compute", 250, 350, 250, "data", 2),
                    ("store", 350, 450, 350, "data", 3)]  # fmt: skip


def test_with_overlap_off_the_second_task_waits_for_the_first_too():
    # x (100 B) and y (50 B) -> Add -> b on two DMA channels: with overlap on, y's load runs
    # beside x's (0-50 on the second channel); off, it waits for x's load to end: 100-150.
    # Then the Add 150-250 and the store 250-350.
    g = GraphBuilder()
    b = g.op("r0", "Add", [g.input("x", (1, 100)), g.input("y", (1, 50))], "b", (1, 100),
             vector_ops=100)  # fmt: skip
    result = simulate_graph(g.build(b), toy_machine(dma_units=2), name="t", overlap=False)
    rows = [(e.kind, e.buffer, e.start, e.end, e.waited) for e in result.trace.events]
    assert rows == [
        ("load", "x", 0, 100, "none"), ("load", "y", 100, 150, "serial"),
        ("compute", "", 150, 250, "data"), ("store", "b", 250, 350, "data"),
    ]  # fmt: skip
