"""What the points of a sweep share beyond the imported graph: lowerings, plans, floors.

Lowering reads only the machine's `lowering` and `dtypes` fields, so every point that keeps
them lowers the graph to the same program. The liveness planner reads the SRAM and DDR
capacities and how many units of each kind there are, and, for a layer too big for SRAM, what
its tiler answers (the timing models price the splits). A plan without a tiled layer is
therefore the same for every point with the same program, capacities and unit counts; a tiled
plan is taken by such a point only if its tiler gives every answer the plan's tiler gave to the
planner's questions (`Tiler.agrees`: each layer with the inputs then in SRAM). The floor
(`summary.floor_of`) moves every byte across once and reads every field of the machine but the
SRAM, so a sweep over SRAM sizes shares one floor per other setting. Each process (each pool
worker) keeps its own, at most `KEEP` of each (of tiled plans, `TILED_TASKS` tasks), with what
a point reads off the plan alone (its energy counts and bytes moved: `Planned`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from accelsim.hardware import UNIT_KINDS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from accelsim.energy import Activity
    from accelsim.hardware import Hardware
    from accelsim.lowering import Program
    from accelsim.memory.tiling import Tiler
    from accelsim.plan import Plan
    from accelsim.summary import Floor
    from accelsim.sweep.grid import Axis, Point
    from accelsim.workload.graph import Graph

__all__ = ["KEEP", "TILED_TASKS", "Planned", "Reuse", "floors_together"]

_T = TypeVar("_T")

KEEP = 64
"""Programs and plans kept per process (a MobileNet plan is a few hundred tasks)."""

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
        from accelsim.plan import Tasks

        moved: dict[str, int] = {}
        tasks = Tasks.of(plan.tasks)
        for kind, nbytes in zip(tasks.kind, tasks.nbytes(), strict=True):
            moved[kind] = moved.get(kind, 0) + nbytes
        return cls(program=program, plan=plan, work=plan_activity(program, plan), moved=moved)


class Reuse:
    """Lowerings, plans and floors of one graph under one policy, by what they depend on.

    Pickles empty: each process fills its own.
    """

    def __init__(self) -> None:
        self._programs: dict[object, Program] = {}
        self._plans: dict[object, Planned] = {}
        self._tiled: list[tuple[object, Tiler, Planned]] = []  # with the tiler its planner asked
        self._floors: dict[object, Floor] = {}
        self._work: dict[object, int] = {}  # `kind_work` by lowering, kind and planning model

    def __reduce__(self) -> tuple[type[Reuse], tuple[()]]:
        return Reuse, ()

    def planned(self, graph: Graph, hw: Hardware, *, policy: str, overlap: bool) -> Planned:
        """`lower(graph, hw)` and `make_plan(...)` for `hw`, each computed once per key."""
        from accelsim.lowering import lower
        from accelsim.memory.policies import make_plan
        from accelsim.memory.tiling import Tiler

        lowering = (hw.lowering, hw.dtypes)
        program = self._programs.get(lowering)
        if program is None:
            program = _keep(self._programs, lowering, lower(graph, hw))
        key = (lowering, hw.sram.capacity, hw.ddr.capacity,
               tuple(len(hw.units_of(kind)) for kind in UNIT_KINDS))  # fmt: skip
        planned = self._plans.get(key)
        if planned is not None:
            return planned
        tiler = Tiler(program, hw)
        for kept, asked, planned in self._tiled:
            if kept == key and tiler.agrees(asked):
                return planned
        plan = make_plan(program, hw, policy=policy, overlap=overlap, tiler=tiler)
        planned = Planned.of(program, plan)
        if max(plan.tiles, default=1) == 1:  # a tiled layer has two tiles or more
            _keep(self._plans, key, planned)
        elif len(plan.tasks) <= TILED_TASKS:
            while sum(len(p.plan.tasks) for _, _, p in self._tiled) + len(plan.tasks) > TILED_TASKS:
                del self._tiled[0]  # the oldest
            self._tiled.append((key, tiler, planned))
        return planned

    def floor(self, program: Program, hw: Hardware) -> Floor:
        """`floor_of(program, hw)`, once per machine apart from its SRAM (the machine's other
        fields fix the program too), each kind's work once per planning model of that kind
        (`summary.kind_work`: 13 sums, not 32 x 3, in the typical grid's 32 floors)."""
        from accelsim.summary import floor_of, kind_work
        from accelsim.timing.models import planning_key

        key = hw.model_dump_json(exclude={"sram"})
        floor = self._floors.get(key)
        if floor is None:
            work = {}
            for kind in UNIT_KINDS:
                asked = (hw.lowering, hw.dtypes, kind, planning_key(hw, kind))
                done = self._work.get(asked)
                if done is None:
                    done = _keep(self._work, asked, kind_work(program, hw, kind))
                work[kind] = done
            floor = _keep(self._floors, key, floor_of(program, hw, work=work))
        return floor


def floors_together(points: Sequence[Point], axes: Sequence[Axis], base: Hardware) -> list[Point]:
    """`points` with those that share a floor (they differ only on axes that set the SRAM)
    next to each other, each group in grid order: a pool's workers then each work out their
    own floors, not every worker every floor (MobileNet: 0.2-0.3 ms a floor, 32 floors in
    the typical 128-point grid)."""
    from accelsim.hardware_file import fields_set

    others = [axis for axis in axes
              if not all(f.startswith("sram.") for f in fields_set(base, axis.path))]  # fmt: skip
    place = {(a.path, s.label): n for a in others for n, s in enumerate(a.settings)}
    return sorted(points, key=lambda p: [place.get((s.path, s.label), 0) for s in p.settings])


def _keep(cache: dict[object, _T], key: object, value: _T) -> _T:
    if len(cache) >= KEEP:
        del cache[next(iter(cache))]  # the oldest
    cache[key] = value
    return value
