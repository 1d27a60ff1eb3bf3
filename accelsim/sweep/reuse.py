"""What the points of a sweep share beyond the imported graph: lowerings and plans.

Lowering reads only the machine's `lowering` and `dtypes` fields, so every point that keeps
them lowers the graph to the same program. The liveness planner reads the SRAM and DDR
capacities and how many units of each kind there are, and, for each layer too big for SRAM
(`planner.fits_whole`), the tiling its tiler chooses (pricing the splits with the machine's
timing models). A plan is therefore the same for every point with the same program,
capacities, unit counts and tilings: points that differ only in speeds share the plan
whenever the tiler chooses alike (choosing costs about a third of planning a tiled MobileNet).
Each process (each pool worker) keeps its own, at most `KEEP` programs and untiled plans and
`TILED_TASKS` tasks of tiled plans, each with what a point reads off the plan alone (its
energy counts and bytes moved: `Planned`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from accelsim.errors import PlanError
from accelsim.hardware import UNIT_KINDS

if TYPE_CHECKING:
    from accelsim.energy import Activity
    from accelsim.hardware import Hardware
    from accelsim.lowering import Layer, Program
    from accelsim.plan import Plan
    from accelsim.workload.graph import Graph

__all__ = ["KEEP", "Planned", "Reuse"]

_T = TypeVar("_T")

KEEP = 64
"""Programs and untiled plans kept per process (a MobileNet plan is a few hundred tasks)."""

TILED_TASKS = 200_000
"""Tasks of tiled plans kept per process, oldest dropped first (MobileNet tiled for 32 KiB of
SRAM: ~1,000 tasks; a plan larger than this is not kept)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Planned:
    """A lowering, its plan, and the totals of that plan every point sharing it reads: the
    energy counts of its work (`energy.plan_activity`) and bytes moved per transfer kind."""

    program: Program
    plan: Plan
    work: Activity
    moved: dict[str, int]

    @classmethod
    def of(cls, program: Program, plan: Plan) -> Planned:
        from accelsim.energy import plan_activity

        moved: dict[str, int] = {}
        for task in plan.tasks:
            moved[task.kind] = moved.get(task.kind, 0) + task.nbytes
        return cls(program=program, plan=plan, work=plan_activity(program, plan), moved=moved)


class Reuse:
    """Lowerings and plans of one graph under one policy, by what they depend on.

    Pickles empty: each process fills its own.
    """

    def __init__(self) -> None:
        self._programs: dict[object, Program] = {}
        self._plans: dict[object, Planned] = {}
        self._tiled: dict[object, Planned] = {}
        self._too_big: dict[object, tuple[Layer, ...]] = {}

    def __reduce__(self) -> tuple[type[Reuse], tuple[()]]:
        return Reuse, ()

    def planned(self, graph: Graph, hw: Hardware, *, policy: str, overlap: bool) -> Planned:
        """`lower(graph, hw)` and `make_plan(...)` for `hw`, each computed once per key."""
        from accelsim.lowering import lower
        from accelsim.memory.planner import fits_whole
        from accelsim.memory.policies import make_plan
        from accelsim.memory.tiling import Tiler

        lowering = (hw.lowering, hw.dtypes)
        program = self._programs.get(lowering)
        if program is None:
            program = _keep(self._programs, lowering, lower(graph, hw))
        counts = tuple(len(hw.units_of(kind)) for kind in UNIT_KINDS)
        key: tuple[object, ...] = (lowering, hw.sram.capacity, hw.ddr.capacity, counts)
        tiled = self._too_big.get(key)
        if tiled is None:
            tiled = _keep(self._too_big, key, tuple(
                layer for layer in program.layers
                if not fits_whole(program, layer, hw.sram.capacity)
            ))  # fmt: skip
        if tiled:
            try:
                tiler = Tiler(program, hw)
                key = (key, tuple(tiler.tile(layer) for layer in tiled))
            except PlanError:  # the planner says why, in its own order
                return Planned.of(program, make_plan(program, hw, policy=policy, overlap=overlap))
        planned = (self._tiled if tiled else self._plans).get(key)
        if planned is None:
            planned = Planned.of(program, make_plan(program, hw, policy=policy, overlap=overlap))
            if tiled:
                _keep_tiled(self._tiled, key, planned)
            else:
                _keep(self._plans, key, planned)
        return planned


def _keep(cache: dict[object, _T], key: object, value: _T) -> _T:
    if len(cache) >= KEEP:
        del cache[next(iter(cache))]  # the oldest
    cache[key] = value
    return value


def _keep_tiled(cache: dict[object, Planned], key: object, planned: Planned) -> None:
    """Keep `planned` unless it alone is over `TILED_TASKS`, dropping the oldest to make room."""
    tasks = len(planned.plan.tasks)
    if tasks > TILED_TASKS:
        return
    while cache and sum(len(p.plan.tasks) for p in cache.values()) + tasks > TILED_TASKS:
        del cache[next(iter(cache))]
    cache[key] = planned
