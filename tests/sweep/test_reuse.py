"""What sweep points share: a plan is reused only where every input of the planner is the same."""

from __future__ import annotations

import pytest

from accelsim.errors import PlanError
from accelsim.sweep.reuse import Reuse
from tests.sim.test_schedule import _two_convs
from tests.sim.toy import GraphBuilder, toy_machine


def test_a_plan_is_not_reused_on_a_ddr_too_small_for_it():
    # _two_convs needs 320 B of DDR homes (tests/memory/test_ddr_space.py): 319 B is refused
    # even right after the same program was planned on a DDR big enough
    reuse, hw = Reuse(), toy_machine()
    graph = _two_convs()
    planned = reuse.planned(graph, hw, policy="liveness", overlap=True)
    assert reuse.planned(graph, hw, policy="liveness", overlap=True) is planned
    small = hw.model_copy(update={"ddr": hw.ddr.model_copy(update={"capacity": 319})})
    with pytest.raises(PlanError, match="needs 320 bytes of DDR at once"):
        reuse.planned(graph, small, policy="liveness", overlap=True)


def test_a_plan_is_not_reused_across_machines_with_other_unit_counts():
    # Both machines have 4 units: 2 DMA + 1 matrix, or 1 DMA + 2 matrix. The first Gemm (task
    # 5) waits for the space of transfers 1 and 2: with two DMA channels either may end last
    # and both are kept; with one, transfer 2 ending implies 1 did (planner `_merge`).
    g = GraphBuilder()
    x = g.input("x", (1, 2, 4, 4))
    a, b = g.conv("a", x, 2, 1), g.conv("b", x, 2, 1)
    s = g.op("s", "Add", [a, b], "s.out", (1, 2, 4, 4), vector_ops=32)
    graph = g.build(g.conv("c", s, 2, 3, pad=1))
    reuse = Reuse()
    for hw, deps in ((toy_machine(dma_units=2, sram=100), (0, 1, 2, 3, 4)),
                     (toy_machine(matrix_units=2, sram=100), (0, 2, 3, 4))):  # fmt: skip
        plan = reuse.planned(graph, hw, policy="liveness", overlap=True).plan
        assert max(plan.tiles) == 1 and plan.tasks[5].deps == deps


def test_a_tiled_plan_is_shared_by_machines_whose_tiler_answers_alike():
    # tests/sim/test_schedule.py's 8x8 conv (working set 137 B) on 120 B of SRAM: bus-bound
    # at 100 and at 50 GFLOPS (1 B a cycle against 12 or 23 cycles of compute), the tiler takes
    # two single-buffered bands of 4 rows (W 9 B, then 40 B of x for each); at 1 GFLOPS,
    # compute-bound, four double-buffered bands of 2 rows. Same program, SRAM, DDR and unit
    # counts: the planner's one question (the conv, nothing in SRAM) is answered alike at 100
    # and 50 GFLOPS, so the second takes the first's plan; at 1 GFLOPS it is not.
    from tests.sim.test_schedule import _tiled_conv

    reuse, graph = Reuse(), _tiled_conv()
    fast, half, slow = (
        reuse.planned(graph, toy_machine(sram=120, matrix=peak), policy="liveness", overlap=True)
        for peak in ("100 GFLOPS", "50 GFLOPS", "1 GFLOPS")
    )
    assert half is fast and fast.plan.tiles == (2,)
    loads = [(t.buffer, t.nbytes) for t in fast.plan.tasks if t.kind == "load"]
    assert loads == [("conv.W", 9), ("x", 40), ("x", 40)]
    assert slow.plan.tiles == (4,)


def test_a_process_keeps_at_most_keep_lowerings_dropping_the_oldest(monkeypatch):
    # KEEP set to 2, three machines with distinct lowerings (what they fuse): the first
    # machine's program is dropped when the third's comes, the second's is kept
    from accelsim.sweep import reuse as reuse_module

    monkeypatch.setattr(reuse_module, "KEEP", 2)
    graph, reuse = _two_convs(), Reuse()
    machines = [toy_machine(fuses=names) for names in ((), ("Relu",), ("Sigmoid",))]
    first, second, _ = (reuse.planned(graph, hw, policy="liveness", overlap=True).program
                        for hw in machines)  # fmt: skip
    assert [key[0] for key in reuse._programs] == [machines[1].lowering, machines[2].lowering]
    assert reuse.planned(graph, machines[1], policy="liveness", overlap=True).program is second
    assert reuse.planned(graph, machines[0], policy="liveness", overlap=True).program is not first


def test_a_reused_tiled_plan_is_the_plan_the_point_gets_alone():
    # Two MatMuls read x (1 x 16 x 64) whole; each 64 x 64 weight (4 KiB) is tiled on 1,500 B
    # of SRAM, and the planner keeps x resident between them, asking the tiler for the second
    # layer's split with x in SRAM (`Tiler.tile(layer, resident)`). Tilings asked without it
    # agree at 0.5 and 4 GB/s while the planner's do not: a plan shared on those gave the second
    # point (16, 16) tiles where planning it alone gives (16, 22), 2,826 cycles, not 2,825.
    from accelsim.lowering import lower
    from accelsim.memory.policies import make_plan

    g = GraphBuilder()
    x = g.input("x", (1, 16, 64))
    outs = [g.op(f"m{i}", "MatMul", [x, g.weight(f"w{i}", (64, 64))], f"y{i}", (1, 16, 64),
                 macs=16 * 64 * 64) for i in range(2)]  # fmt: skip
    graph, reuse = g.build(*outs), Reuse()
    plans = []
    for bus in ("0.5 GB/s", "4 GB/s"):
        hw = toy_machine(sram=1500, bus=bus, matrix="2000 GFLOPS")
        plans.append(reuse.planned(graph, hw, policy="liveness", overlap=True).plan)
        assert plans[-1] == make_plan(lower(graph, hw), hw, policy="liveness", overlap=True)
    assert plans[0].tiles == (16, 16) and plans[1].tiles == (16, 22)


def test_no_bundled_machine_has_a_floor_that_reads_the_sram():
    # Reuse.floor shares one floor across SRAM sizes: it holds only while no timing model (of
    # any bundled machine: rate, systolic, banked DDR) reads the SRAM. A conv's floor at 1 MiB
    # and at 4 KiB of SRAM must be the same on each.
    from pathlib import Path

    from accelsim.hardware_file import load_hardware, with_overrides
    from accelsim.lowering import lower
    from accelsim.summary import floor_of
    from tests.sim.test_schedule import _single_conv

    machines = sorted((Path(__file__).resolve().parents[2] / "hardware").glob("*.yaml"))
    assert len(machines) >= 10
    for path in machines:
        base = load_hardware(path)
        big, small = (with_overrides(base, {"sram.capacity": size}) for size in ("1 MiB", "4 KiB"))
        program = lower(_single_conv(), big)
        assert floor_of(program, big) == floor_of(program, small), path.name


def test_a_floor_is_not_shared_across_ddr_speeds():
    # _two_convs moves x 32 + c1.W 72 + c2.W 16 + c2.out 64 = 184 B across once: at the 1 B a
    # cycle bus behind a 100 GB/s DDR, 184 cycles; behind a 0.5 GB/s DDR, 368. One Reuse is
    # asked for both: the second must not get the first's floor.
    from accelsim.lowering import lower

    reuse = Reuse()
    fast, slow = toy_machine(), toy_machine(ddr="0.5 GB/s")
    program = lower(_two_convs(), fast)
    assert reuse.floor(program, fast).parts["bus"] == 184
    assert reuse.floor(program, slow).parts["bus"] == 368


def test_points_that_share_a_floor_go_out_together_in_grid_order():
    # grid order, the last axis fastest: (sram, bus) = (0, 0) (0, 1) (0, 2) (1, 0) (1, 1) (1, 2);
    # a floor reads every field but the SRAM, so the bus alone groups them: 0 3, 1 4, 2 5
    from accelsim.hardware_file import load_hardware
    from accelsim.sweep.grid import expand, parse_set
    from accelsim.sweep.reuse import floors_together
    from tests.sweep.conftest import EDGE1

    base = load_hardware(EDGE1)
    axes = [parse_set("sram.capacity=256KiB,1MiB"), parse_set("bus.bandwidth=1GB/s,2GB/s,4GB/s")]
    points = expand(axes)
    assert [p.index for p in floors_together(points, axes, base)] == [0, 3, 1, 4, 2, 5]
    # no SRAM axis: every point its own floor, grid order kept
    clock = [parse_set("clock=1GHz,2GHz"), axes[1]]
    assert [p.index for p in floors_together(expand(clock), clock, base)] == list(range(6))
    # a resumed sweep's points left to run (3 was stored): the same order without it
    left = [p for p in points if p.index != 3]
    assert [p.index for p in floors_together(left, axes, base)] == [0, 1, 4, 2, 5]
