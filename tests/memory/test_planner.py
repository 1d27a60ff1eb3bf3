"""The liveness planner's eviction choice, with every byte counted by hand."""

from __future__ import annotations

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from tests.sim.toy import GraphBuilder, toy_machine


def _two_candidates():
    """a is next read two layers on, b three: when SRAM fills, both could leave. 100 B each.

    x -> r0 -> a -> r1 -> b -> r2 -> c -> r3 -> d; e = a + d (r4); f = e + b (r5).
    """
    g = GraphBuilder()
    x = g.input("x", (1, 100))
    a = g.op("r0", "Relu", [x], "a", (1, 100), vector_ops=100)
    b = g.op("r1", "Relu", [a], "b", (1, 100), vector_ops=100)
    c = g.op("r2", "Relu", [b], "c", (1, 100), vector_ops=100)
    d = g.op("r3", "Relu", [c], "d", (1, 100), vector_ops=100)
    e = g.op("r4", "Add", [d, a], "e", (1, 100), vector_ops=100)
    return g.build(g.op("r5", "Add", [e, b], "f", (1, 100), vector_ops=100))


def test_belady_evicts_the_farthest_next_use_of_two_candidates():
    hw = toy_machine(sram=300)
    result = simulate_graph(_two_candidates(), hw, name="t")
    # r3 needs c and d while a, b, c fill all 300 B. a is next read by r4, b by r5: b leaves
    # (spilled, it is dirty) and comes back for r5; a stays. Moved: x 100 + spill b 100 +
    # reload b 100 + store f 100 = 400 B. Evicting a, the nearer use, would spill and reload a
    # for r4 and then b as well: 600 B.
    moved = [(e.kind, e.buffer) for e in result.trace.events if e.kind != "compute"]
    assert moved == [("load", "x"), ("spill", "b"), ("reload", "b"), ("store", "f")]
    assert result.bus_read_bytes + result.bus_write_bytes == 400
    assert plan_violations(result.program, result.plan, result.trace, hw) == []


def test_a_reload_depends_on_its_spill_not_only_on_bus_order():
    # With one in-order bus the spill always ends first anyway; with several DMA channels only
    # the dependency keeps the reload from reading DDR before the spilled bytes arrive.
    result = simulate_graph(_two_candidates(), toy_machine(sram=300), name="t")
    spill = next(t for t in result.plan.tasks if t.kind == "spill")
    reload = next(t for t in result.plan.tasks if t.kind == "reload")
    assert spill.id in reload.deps


def test_a_clean_buffer_is_dropped_never_spilled():
    """x -> r0 -> a -> r1 -> b -> r2 -> c -> r3 -> d; e = d + a (r4); f = e + x (r5). 100 B each.

    At r3, x, a and c fill the 300 B and d needs 100: x, next read by r5, is the farthest. It is
    an input, so DDR still holds it: it is dropped (no spill) and loaded again for r5. Moved: x
    twice and f once, 300 B; spilling it too would write 100 B more.
    """
    g = GraphBuilder()
    x = g.input("x", (1, 100))
    a = g.op("r0", "Relu", [x], "a", (1, 100), vector_ops=100)
    b = g.op("r1", "Relu", [a], "b", (1, 100), vector_ops=100)
    c = g.op("r2", "Relu", [b], "c", (1, 100), vector_ops=100)
    d = g.op("r3", "Relu", [c], "d", (1, 100), vector_ops=100)
    e = g.op("r4", "Add", [d, a], "e", (1, 100), vector_ops=100)
    hw = toy_machine(sram=300)
    result = simulate_graph(g.build(g.op("r5", "Add", [e, x], "f", (1, 100), vector_ops=100)),
                            hw, name="t")  # fmt: skip
    moved = [(e.kind, e.buffer) for e in result.trace.events if e.kind != "compute"]
    assert moved == [("load", "x"), ("reload", "x"), ("store", "f")]
    assert (result.bus_read_bytes, result.bus_write_bytes) == (200, 100)
    assert plan_violations(result.program, result.plan, result.trace, hw) == []


def test_between_two_buffers_next_read_together_the_clean_one_leaves():
    """x -> r0 -> a -> r1 -> b -> r2 -> b2; c = b + b2 (r3); d = c + a + x (r4). 100 B each.

    r3 needs b, b2 and c while x and a are kept for r4: 500 B in 400. x and a are next read by
    the same layer, so either could leave; x is clean (an input, still in DDR): it is dropped
    and loaded again, 100 B. Evicting a would spill it and reload it: 200 B.
    """
    g = GraphBuilder()
    x = g.input("x", (1, 100))
    a = g.op("r0", "Relu", [x], "a", (1, 100), vector_ops=100)
    b = g.op("r1", "Relu", [a], "b", (1, 100), vector_ops=100)
    b2 = g.op("r2", "Relu", [b], "b2", (1, 100), vector_ops=100)
    c = g.op("r3", "Add", [b, b2], "c", (1, 100), vector_ops=100)
    d = g.op("r4", "Sum", [c, a, x], "d", (1, 100), vector_ops=200)
    hw = toy_machine(sram=400)
    result = simulate_graph(g.build(d), hw, name="t")
    moved = [(e.kind, e.buffer) for e in result.trace.events if e.kind != "compute"]
    assert moved == [("load", "x"), ("reload", "x"), ("store", "d")]
    assert plan_violations(result.program, result.plan, result.trace, hw) == []


def test_an_output_already_stored_is_dropped_not_spilled_again():
    """x (50 B) -> r0 -> a (an output, 50 B) -> r1 -> b (100 B) -> r2 -> c (100 B); d = a + c.

    a is stored after r0, so DDR holds it: when r2 needs a's bytes (a, b and c are 250 B in
    200), a is dropped and read back for r3, never written twice. Moved: x, a stored, a read
    back, d stored: 200 B.
    """
    g = GraphBuilder()
    x = g.input("x", (1, 50))
    a = g.op("r0", "Relu", [x], "a", (1, 50), vector_ops=50)
    b = g.op("r1", "Sigmoid", [a], "b", (1, 100), vector_ops=100)
    c = g.op("r2", "Sigmoid", [b], "c", (1, 100), vector_ops=100)
    d = g.op("r3", "Add", [a, c], "d", (1, 50), vector_ops=50)
    hw = toy_machine(sram=200)
    result = simulate_graph(g.build(a, d), hw, name="t")
    moved = [(e.kind, e.buffer) for e in result.trace.events if e.kind != "compute"]
    assert moved == [("load", "x"), ("store", "a"), ("reload", "a"), ("store", "d")]
    assert plan_violations(result.program, result.plan, result.trace, hw) == []


def test_when_only_this_layers_buffers_hold_sram_the_smallest_leaves_to_merge_the_holes():
    """x (100 B) -> r0 -> p (50 B) -> r1 -> b (50 B); out = Concat(x, b) (150 B). SRAM 300 B.

    r0 packs x and p at 0 and 100; r1 puts b at 150 (the untouched space) and p's 50 B are freed
    at 100. r2 needs 150 B for out: 150 B are free but as 50 + 100 around b, and both residents
    are r2's own inputs. The smaller, b, leaves (spilled, it is dirty) and comes back with out in
    the 200 B it opened (100-300). Evicting x instead opens only 150 + 100 B, too little for x and
    out (250), so b would have to go too: 100 B more read. Cycles (1 B or 1 op a cycle): load x
    0-100, r0 100-150, r1 150-200, spill b 200-250, reload b 250-300, r2 300-450, store 450-600.
    """
    g = GraphBuilder()
    x = g.input("x", (1, 100))
    p = g.op("r0", "Sigmoid", [x], "p", (1, 50), vector_ops=50)
    b = g.op("r1", "Sigmoid", [p], "b", (1, 50), vector_ops=50)
    out = g.op("r2", "Concat", [x, b], "out", (1, 150), vector_ops=150, axis=1)
    hw = toy_machine(sram=300)
    result = simulate_graph(g.build(out), hw, name="t")
    moved = [(e.kind, e.buffer, e.start, e.end) for e in result.trace.events if e.kind != "compute"]
    assert moved == [("load", "x", 0, 100), ("spill", "b", 200, 250), ("reload", "b", 250, 300),
                     ("store", "out", 450, 600)]  # fmt: skip
    assert (result.bus_read_bytes, result.bus_write_bytes) == (150, 200)
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
