"""A tiled layer's weights stay in SRAM until every tile that reads them ended, on each unit.

With several matrix units a tile earlier in plan order may end after a later one, so the
weights' range is given back after all the group's computes (BROKEN.md 02:30), not only the
last; on one unit the last implies the rest and the plan stays as it was.
"""

from unittest import mock

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from accelsim.hardware_file import with_overrides
from accelsim.memory import planner
from tests.memory.test_bulk_periods import _assert_bulk_is_one_by_one, _chain
from tests.sim.toy import GraphBuilder, toy_machine


def _run(matrix_units: int):
    # 1x1 conv, 1 -> 1 channel over a 5x4 int8 image: x 20 B, W 1 B, out 20 B. 26 B of SRAM
    # hold W and two slots of a 4 B row in and its 4 B out (17 B): five tiles of one row.
    g = GraphBuilder()
    graph = g.build(g.conv("c", g.input("x", (1, 1, 5, 4)), 1, 1))
    hw = toy_machine(sram=26, matrix="1 GFLOPS", dma_units=2, matrix_units=matrix_units)
    return simulate_graph(graph, hw, name="t"), hw


def test_the_weights_wait_for_every_tiles_compute_on_two_matrix_units():
    result, hw = _run(2)
    plan = result.plan
    computes = [t.id for t in plan.tasks if t.kind == "compute"]
    loads = [t.id for t in plan.tasks if t.buffer == "c.W"]
    assert (plan.tiles, computes, loads) == ((5,), [2, 5, 8, 11, 14], [0])
    weights = next(a for a in plan.allocations if a.buffer.startswith("c.W"))
    assert (weights.size, weights.release) == (1, (0, 2, 5, 8, 11, 14))
    # By hand, 1 B a cycle on each channel, 1 FLOP a cycle (a row: 4 MACs, 8 cycles): W on dma0
    # [0, 1), row 0 on dma1 [0, 4), computes [4, 12); row 1 on dma0 [1, 5), mxu1 [5, 13); the
    # two engines take turns, each row waiting for its slot's store: mxu0 [20, 28), mxu1
    # [24, 32), mxu0 [36, 44); the last store [44, 48).
    spans = [(e.resource, e.start, e.end) for e in result.trace.events if e.kind == "compute"]
    assert spans == [("mxu0", 4, 12), ("mxu1", 5, 13), ("mxu0", 20, 28), ("mxu1", 24, 32),
                     ("mxu0", 36, 44)]  # fmt: skip
    assert result.latency_cycles == 48
    assert plan_violations(result.program, result.plan, result.trace, hw) == []


def test_on_one_matrix_unit_the_last_compute_implies_the_rest():
    plan = _run(1)[0].plan
    weights = next(a for a in plan.allocations if a.buffer.startswith("c.W"))
    last = max(t.id for t in plan.tasks if t.kind == "compute")
    assert weights.release == (0, last)


def test_tiles_planned_in_bulk_count_in_the_weights_release_too():
    # x (1, 2, 96, 4) = 768 B in 24 tiles of four rows (2 x 4 x 4 B), one group of W (2 B):
    # 20 of them repeat the tile before in bulk (`_Planner._repeat`), yet W waits for each
    # of the 24 computes.
    g = GraphBuilder()
    graph = g.build(g.conv("c", g.input("x", (1, 2, 96, 4)), 1, 1))
    hw = toy_machine(sram=120, matrix="1 GFLOPS", dma_units=2, matrix_units=2)
    result = simulate_graph(graph, hw, name="t")
    plan = result.plan
    computes = tuple(t.id for t in plan.tasks if t.kind == "compute")
    weights = next(a for a in plan.allocations if a.buffer.startswith("c.W"))
    assert (len(computes), weights.size, weights.release) == (24, 2, (0, *computes))
    assert plan_violations(result.program, result.plan, result.trace, hw) == []


def test_a_kept_output_is_read_only_after_every_tile_that_wrote_it():
    # fc1 = x . w1 kept whole in SRAM (h, 4 x 32 B) for fc2 = h . w2 (`lowering.keep_outputs`),
    # fc1 in 11 tiles over two matrix units: each fc2 compute waits, directly or through
    # other tasks, for every one of them (not only the last in plan order).
    g = GraphBuilder()
    x, w1, w2 = g.input("x", (1, 4, 32)), g.weight("w1", (32, 32)), g.weight("w2", (32, 32))
    h = g.op("fc1", "MatMul", [x, w1], "h", (1, 4, 32), macs=4 * 32 * 32)
    graph = g.build(g.op("fc2", "MatMul", [h, w2], "z", (1, 4, 32), macs=4 * 32 * 32))
    hw = with_overrides(toy_machine(sram=580, matrix="1 GFLOPS", dma_units=2, matrix_units=2),
                        {"lowering.keep_outputs": True})  # fmt: skip
    result = simulate_graph(graph, hw, name="t")
    tasks = result.plan.tasks
    assert result.plan.tiles[0] == 11
    assert "h" not in {t.buffer for t in tasks if t.kind != "compute"}  # kept: never moved
    before = _before(tasks)
    fc1 = {t.id for t in tasks if t.kind == "compute" and t.layer == 0}
    assert len(fc1) == 11
    assert all(fc1 <= before[t.id] for t in tasks if t.kind == "compute" and t.layer == 1)
    assert plan_violations(result.program, result.plan, result.trace, hw) == []


def _before(tasks) -> dict[int, set[int]]:
    """Each task's dependencies, direct or through other tasks."""
    before: dict[int, set[int]] = {}
    for task in tasks:
        before[task.id] = set(task.deps).union(*(before[d] for d in task.deps))
    return before


def _kept_with_epilogue(vector_units: int):
    # fc1 = x . w1, then a Sigmoid of 100 ops an element as its epilogue on the vector unit,
    # kept whole in SRAM (h, 4 x 11 B) for fc2 = h . w2; 184 B of SRAM cut fc1 in six column
    # tiles (2, 2, 2, 2, 2, 1 columns of w1).
    g = GraphBuilder()
    x, w1, w2 = g.input("x", (1, 4, 11)), g.weight("w1", (11, 11)), g.weight("w2", (11, 11))
    a = g.op("fc1", "MatMul", [x, w1], "a", (1, 4, 11), macs=4 * 11 * 11)
    h = g.op("s", "Sigmoid", [a], "h", (1, 4, 11), vector_ops=100 * 4 * 11)
    graph = g.build(g.op("fc2", "MatMul", [h, w2], "z", (1, 4, 11), macs=4 * 11 * 11))
    machine = toy_machine(sram=184, matrix="1 GFLOPS", dma_units=2, vector_units=vector_units)
    hw = with_overrides(machine, {"lowering.keep_outputs": True, "lowering.epilogue": ["Sigmoid"]})
    return simulate_graph(graph, hw, name="t"), hw


def test_a_kept_output_is_read_only_after_every_tiles_epilogue_on_two_vector_units():
    # BROKEN.md 04:00: a tile's epilogue earlier in plan order may end after the last one.
    result, hw = _kept_with_epilogue(2)
    tasks, events = result.plan.tasks, result.trace.events
    assert result.plan.tiles[0] == 6
    assert "h" not in {t.buffer for t in tasks if t.kind != "compute"}  # kept: never moved
    spans = {(e.unit_kind, e.layer, e.tile): (e.start, e.end) for e in events
             if e.kind == "compute" and e.layer == 0}  # fmt: skip
    # By hand, 1 B a cycle on each DMA channel, 1 FLOP a cycle: x (44 B) on one channel
    # [0, 44), w1's first two columns (22 B) on the other [0, 22) and the next two [22, 44);
    # a 2-column tile computes 4 x 11 x 2 MACs in 176 cycles, its epilogue 8 x 100 ops in 800
    # (the 1-column tile: 88 and 400). Two weight slots: group g loads once the epilogue of
    # group g - 2 ended (their slot's last task).
    #   tile 0: compute [44, 220), epilogue [220, 1020)
    #   tile 1: compute [220, 396) (matrix busy), epilogue [396, 1196) on the other unit
    #   tile 2: w1 [1020, 1042), compute [1042, 1218), epilogue [1218, 2018)
    #   tile 3: w1 [1196, 1218), compute [1218, 1394), epilogue [1394, 2194)
    #   tile 4: w1 [2018, 2040), compute [2040, 2216), epilogue [2216, 3016)
    #   tile 5: w1 (11 B) [2194, 2205), compute [2216, 2304), epilogue [2304, 2704)
    # The last epilogue in plan order ends at 2704, tile 4's at 3016: h is whole at 3016.
    assert [spans["matrix", 0, t] for t in range(6)] == [
        (44, 220), (220, 396), (1042, 1218), (1218, 1394), (2040, 2216), (2216, 2304),
    ]  # fmt: skip
    assert [spans["vector", 0, t] for t in range(6)] == [
        (220, 1020), (396, 1196), (1218, 2018), (1394, 2194), (2216, 3016), (2304, 2704),
    ]  # fmt: skip
    assert min(e.start for e in events if e.kind == "compute" and e.layer == 1) == 3016
    before = _before(tasks)
    epilogues = {t.id for t in tasks if t.unit_kind == "vector" and t.layer == 0}
    assert len(epilogues) == 6
    assert all(epilogues <= before[t.id] for t in tasks if t.kind == "compute" and t.layer == 1)
    # (each epilogue reads its own tile's part of h: whole once that tile's compute ended,
    # though an epilogue before it in plan order may end later, BROKEN.md 06:42)
    assert plan_violations(result.program, result.plan, result.trace, hw) == []


def test_on_one_vector_unit_the_last_epilogue_implies_the_rest():
    tasks = _kept_with_epilogue(1)[0].plan.tasks
    last = max(t.id for t in tasks if t.unit_kind == "vector" and t.layer == 0)
    assert all(last in t.deps and not {d for d in t.deps if tasks[d].layer == 0} - {last}
               for t in tasks if t.kind == "compute" and t.layer == 1)  # fmt: skip


def test_epilogue_tiles_repeated_in_bulk_on_two_vector_units_are_the_tiles_one_by_one():
    # A 1x1 conv with its Relu as an epilogue on two vector units: its tiles' computes and
    # epilogues both go to `Loop.computes`, and the tiles repeated in bulk carry them on.
    hw = with_overrides(toy_machine(sram=300, matrix="10 GFLOPS", vector_units=2),
                        {"lowering.fuses": [], "lowering.epilogue": ["Relu"]})  # fmt: skip
    repeated = [0]
    original = planner._Planner._repeat

    def spy(self: object, *args: object) -> tuple[int, bytes]:
        times, moves = original(self, *args)  # type: ignore[arg-type]
        repeated[0] += times
        return times, moves

    with mock.patch.object(planner._Planner, "_repeat", spy):
        _assert_bulk_is_one_by_one(_chain(32, 16, ("pw", "relu")), hw, True)
    assert repeated[0] > 0


def test_a_whole_layer_reading_a_kept_output_waits_for_every_tiles_epilogue():
    # `_kept_with_epilogue(2)`'s graph with a third layer, r = Relu(h) of 44 ops, small enough
    # to run whole, reading h after fc2, on 208 B of SRAM: fc1's six tiles run as by hand
    # there, and r's output takes bytes no task used (no wait for their space). h is whole at
    # 3016 (tile 4's epilogue), not at 2704 (the last epilogue in plan order), so r starts at
    # 3016 on the vector unit that ended at 2704.
    g = GraphBuilder()
    x, w1, w2 = g.input("x", (1, 4, 11)), g.weight("w1", (11, 11)), g.weight("w2", (11, 11))
    a = g.op("fc1", "MatMul", [x, w1], "a", (1, 4, 11), macs=4 * 11 * 11)
    h = g.op("s", "Sigmoid", [a], "h", (1, 4, 11), vector_ops=100 * 4 * 11)
    z = g.op("fc2", "MatMul", [h, w2], "z", (1, 4, 11), macs=4 * 11 * 11)
    r = g.op("r", "Relu", [h], "r", (1, 4, 11), vector_ops=44)
    machine = toy_machine(sram=208, matrix="1 GFLOPS", dma_units=2, vector_units=2)
    hw = with_overrides(machine, {"lowering.keep_outputs": True, "lowering.epilogue": ["Sigmoid"]})
    result = simulate_graph(g.build(z, r), hw, name="t")
    assert result.plan.tiles == (6, 11, 1)
    events = result.trace.events
    assert [(e.start, e.end) for e in events if e.unit_kind == "vector" and e.layer == 0] == [
        (220, 1020), (396, 1196), (1218, 2018), (1394, 2194), (2216, 3016), (2304, 2704),
    ]  # fmt: skip
    relu = next(e for e in events if e.kind == "compute" and e.layer == 2)
    assert (relu.resource, relu.start, relu.end) == ("vpu1", 3016, 3060)
    before = _before(result.plan.tasks)
    epilogues = {t.id for t in result.plan.tasks if t.unit_kind == "vector" and t.layer == 0}
    assert len(epilogues) == 6 and epilogues <= before[relu.task]
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
