"""The judge (`accelsim/check.py`) is exact at every boundary: each test edits one record of a
correct run by the smallest amount that breaks an invariant (one byte, one cycle, one range) and
asserts the line the judge gives. Runs on the toy machine (1 B/cycle bus, 50 MACs a cycle)."""

from __future__ import annotations

from dataclasses import replace

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from accelsim.hardware_file import with_overrides
from accelsim.workload.graph import Op, Tensor
from tests.sim.test_check import _two_convs
from tests.sim.toy import GraphBuilder, toy_machine


def _roomy(**machine):
    """_two_convs on a roomy SRAM: nothing is reused. On one channel the events are load x
    [0, 32), load c1.W [32, 104), c1 [104, 128), load c2.W [104, 120), c2 [128, 134), store
    [134, 198); SRAM ranges x [0, 32), c1.W [32, 104), c1.out [104, 168), c2.W [168, 184),
    c2.out [184, 248); DDR homes x 0, c1.W 64, c2.W 192, c2.out 256."""
    hw = toy_machine(sram=10_000, **machine)
    result = simulate_graph(_two_convs(), hw, name="t")
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
    return result, hw


def _judge(result, hw, *, events=None, allocations=None, ddr=None, tasks=None):
    """The judge's lines on `result` with some of its records replaced."""
    plan = replace(
        result.plan,
        allocations=result.plan.allocations if allocations is None else tuple(allocations),
        ddr=result.plan.ddr if ddr is None else tuple(ddr),
        tasks=result.plan.tasks if tasks is None else tuple(tasks),
    )
    trace = result.trace if events is None else replace(result.trace, events=tuple(events))
    return plan_violations(result.program, plan, trace, hw)


def _resized(result, buffer, **fields):
    return [a._replace(**fields) if a.buffer == buffer else a for a in result.plan.allocations]


def test_a_range_starting_one_byte_before_sram():
    result, hw = _roomy()
    problems = _judge(result, hw, allocations=_resized(result, "x", offset=-1))
    assert "x: range [-1, 31) outside SRAM" in problems


def test_a_range_said_to_be_filled_by_the_event_after_the_last():
    result, hw = _roomy()
    count = len(result.trace.events)
    problems = _judge(result, hw, allocations=_resized(result, "c2.out", first=count))
    assert "c2.out: range filled by no event" in problems


def test_partial_sums_may_take_four_bytes_an_element_and_not_one_more():
    # c2.out is 64 int8 elements, filled by c2's compute: a K-split's int32 partial sums may
    # need 4 x 64 = 256 B there, never 257 (the SRAM curve, not edited, is short either way)
    result, hw = _roomy()
    problems = _judge(result, hw, allocations=_resized(result, "c2.out", size=256))
    assert problems == ["SRAM in use reported as 144 B at cycle 128; 336 B are live"]
    problems = _judge(result, hw, allocations=_resized(result, "c2.out", size=257))
    assert any(p.startswith("c2.out: 257 B range for a ") for p in problems), problems


def test_an_output_stored_one_byte_short():
    result, hw = _roomy()
    events = [e._replace(nbytes=63) if e.kind == "store" else e for e in result.trace.events]
    assert "output c2.out: 63 of 64 B stored" in _judge(result, hw, events=events)


def test_a_copy_whose_last_byte_is_the_first_of_a_live_copy():
    # c2.W (16 B, loading from 104) moved to [89, 105): its last byte is c1.out's first (c1.out
    # [104, 168) is written from 104 and read by c2 until 134)
    result, hw = _roomy()
    problems = _judge(result, hw, allocations=_resized(result, "c2.W", offset=89))
    assert (
        "c2.W (filled by event 3) overwrites bytes of c1.out (event 2) still needed until 134"
        in problems
    )


def test_two_computes_at_once_on_one_matrix_unit():
    # c2's compute [128, 134) moved to [127, 133): one cycle with c1's [104, 128)
    result, hw = _roomy()
    events = [e._replace(start=127, end=133) if e.task == 4 else e for e in result.trace.events]
    assert "matrix: 2 tasks at once at cycle 127, most 1" in _judge(result, hw, events=events)


def test_ddr_moving_one_byte_more_than_its_window_allows():
    # two channels over a 1 GB/s DDR (1 B a cycle): x [0, 32) and c1.W [0, 104) share it, then
    # c2.W's 16 B end at 120. Said to end at 118: 32 + 72 + 16 = 120 B in cycles [0, 118],
    # one more than the 119 B DDR moves in them (at 119 it would be exactly full)
    result, hw = _roomy(dma_units=2, ddr="1 GB/s")
    spans = [(e.buffer, e.start, e.end) for e in result.trace.events if e.kind == "load"]
    assert spans == [("x", 0, 32), ("c1.W", 0, 104), ("c2.W", 32, 120)]
    for end, problems in ((119, []), (118, ["DDR moved 120 B in cycles [0, 118), more than "
                                             "ddr.bandwidth allows"])):  # fmt: skip
        events = [e._replace(end=end) if e.task == 3 else e for e in result.trace.events]
        assert _judge(result, hw, events=events) == problems


def test_an_input_holds_its_ddr_home_all_run():
    # c2.out's home moved onto x's bytes: x's transfers ended long before c2.out's store, but
    # an input (like a weight or an output) keeps its home for the whole run
    result, hw = _roomy()
    ddr = [replace(r, address=0) if r.buffer == "c2.out" else r for r in result.plan.ddr]
    assert "x and c2.out share DDR bytes from 0" in _judge(result, hw, ddr=ddr)


def test_a_one_byte_transfer_just_past_its_ddr_home():
    # x's home is [0, 32): a 1 B load at 32 is past its end
    result, hw = _roomy()
    load = result.plan.tasks[0]
    assert (load.buffer, load.work.address) == ("x", 0)
    tasks = [load._replace(work=replace(load.work, nbytes=1, address=32)),
             *result.plan.tasks[1:]]  # fmt: skip
    assert "task 0: load of x at DDR 32, outside its home [0, 32)" in _judge(
        result, hw, tasks=tasks
    )


def _split():
    """x (32 B) split into p and q (16 B each) on the vector unit, both outputs. Events: load x
    [0, 32), the split [32, 64) filling two ranges, store p, store q."""
    g = GraphBuilder()
    x = g.input("x", (1, 32))
    for name in ("p", "q"):
        g.tensors[name] = Tensor(name, (1, 16), "activation")
    g.ops.append(Op("s", "Split", (x,), ("p", "q"), 0, 32, {"axis": 1}))
    hw = toy_machine()
    result = simulate_graph(g.build("p", "q"), hw, name="t")
    assert [(e.kind, e.buffer) for e in result.trace.events] == [
        ("load", "x"),
        ("compute", ""),
        ("store", "p"),
        ("store", "q"),
    ]
    return result, hw


def test_a_layer_with_two_outputs_fills_two_ranges():
    result, hw = _split()
    assert _judge(result, hw) == []
    allocations = [a for a in result.plan.allocations if a.buffer != "q"]
    problems = _judge(result, hw, allocations=allocations)
    assert "event 1 (compute of layer 0) fills 1 SRAM ranges, not 2" in problems


def test_a_split_reads_all_of_its_input_when_all_parts_are_used():
    # x loaded as 16 B into a 16 B range: the split's two 16 B parts need all 32 B of x
    result, hw = _split()
    allocations = _resized(result, "x", size=16)
    events = [e._replace(nbytes=16) if e.task == 0 else e for e in result.trace.events]
    problems = _judge(result, hw, allocations=allocations, events=events)
    assert "layer s: its computes cover 16 of 32 B of x" in problems


def test_a_transfer_of_a_buffer_with_no_ddr_home():
    # c2.W's home left out of the plan: its load moves bytes of a home the plan never gave
    result, hw = _roomy()
    load = next(t for t in result.plan.tasks if t.buffer == "c2.W")
    ddr = [r for r in result.plan.ddr if r.buffer != "c2.W"]
    assert f"task {load.id}: load of c2.W, which has no DDR home" in _judge(result, hw, ddr=ddr)


def test_a_ddr_home_starting_one_byte_before_ddr():
    result, hw = _roomy()
    ddr = [replace(r, address=-1) if r.buffer == "x" else r for r in result.plan.ddr]
    assert "x: DDR range [-1, 31) outside ddr.capacity" in _judge(result, hw, ddr=ddr)


def test_a_transfer_starting_one_byte_before_its_ddr_home():
    # c1.W's home is [64, 136): its load read from 63 starts one byte before it
    result, hw = _roomy()
    load = next(t for t in result.plan.tasks if t.buffer == "c1.W")
    assert (load.work.address, load.work.nbytes) == (64, 72)
    tasks = [t._replace(work=replace(t.work, address=63)) if t.id == load.id else t
             for t in result.plan.tasks]  # fmt: skip
    assert f"task {load.id}: load of c1.W at DDR 63, outside its home [64, 136)" in _judge(
        result, hw, tasks=tasks
    )


def test_a_vector_layer_is_timed_on_a_machine_whose_matrix_unit_is_systolic():
    """Only a systolic matrix layer's computes go untimed (no closed form here): on a machine
    whose matrix unit is a 4 x 4 array, a Relu of 64 int8 elements on the 1 op/cycle vector
    unit takes 64 cycles, and one cycle more is named."""
    g = GraphBuilder()
    y = g.op("r", "Relu", [g.input("x", (1, 64))], "y", (1, 64), vector_ops=64)
    hw = with_overrides(toy_machine(), {
        "units.matrix.timing": "systolic", "units.matrix.peak": None, "units.matrix.rows": 4,
        "units.matrix.cols": 4, "units.matrix.dataflow": "ws",
    })  # fmt: skip
    result = simulate_graph(g.build(y), hw, name="t")
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
    events = list(result.trace.events)
    compute = next(e for e in events if e.kind == "compute")
    assert (compute.resource, compute.end - compute.start) == ("vector", 64)
    events[compute.task] = compute._replace(end=compute.end + 1)
    assert "layer r: 1 compute(s) took 65 cycles; its work takes 64" in _judge(
        result, hw, events=events
    )
