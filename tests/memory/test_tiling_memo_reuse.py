"""A tiling's memo (which tiles repeat which: `Tiling.memo`) is kept with its split in the
search cached across runs (`_menu`), so that a sweep's points at one SRAM size work it out once.
Machines of one SRAM size whose speeds choose other splits of the same layer must still plan as
they do alone: each plan, made after the others in one process, equals the plan made with the
searches forgotten first (a fresh process's)."""

from __future__ import annotations

from accelsim.lowering import lower
from accelsim.memory.policies import make_plan
from accelsim.memory.tiling import forget_searches, tile_layer
from tests.memory.test_bulk_periods import _chain
from tests.sim.toy import toy_machine

# a slow bus and fast engine, the reverse, and between: three splits of each pointwise conv
MACHINES = (("0.1 GB/s", "1000 GFLOPS"), ("100 GB/s", "0.01 GFLOPS"), ("1 GB/s", "100 GFLOPS"))


def _fields(graph: object, bus: str, matrix: str) -> tuple[object, ...]:
    hw = toy_machine(sram=4096, bus=bus, matrix=matrix)
    plan = make_plan(lower(graph, hw), hw, policy="liveness", overlap=True)  # type: ignore[arg-type]
    return tuple(plan.tasks), tuple(plan.allocations), plan.tiles


def test_each_machine_plans_as_alone_after_the_others() -> None:
    graph = _chain(128, 8, ("pw", "relu", "pw"))
    forget_searches()
    alone = []
    for bus, matrix in MACHINES:
        forget_searches()
        alone.append(_fields(graph, bus, matrix))
    forget_searches()
    for _ in range(2):  # (the second time round, every split's memo is filled)
        for (bus, matrix), expected in zip(MACHINES, alone, strict=True):
            assert _fields(graph, bus, matrix) == expected, (bus, matrix)
    # the machines do choose different splits of the same layer
    hw = [toy_machine(sram=4096, bus=bus, matrix=matrix) for bus, matrix in MACHINES]
    program = lower(graph, hw[0])
    counts = {len(tile_layer(program.layers[0], program, machine).tiles) for machine in hw}
    assert len(counts) == 3, counts
