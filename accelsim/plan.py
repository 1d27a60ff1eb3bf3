"""The plan: ordered tasks the machine performs and where each buffer sits in SRAM (shared types).

Neutral ground: `memory/` builds a Plan, `sim/` runs it, `summary` and the checker read it; none of
them imports another to get these types.

Tasks are in plan order; each resource (bus, matrix engine, vector unit) executes its own tasks
in that order, each task waiting for the tasks in `deps`. Task ids are their plan positions,
so on any one resource a larger id always runs later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Resource = Literal["bus", "matrix", "vector"]
TaskKind = Literal["load", "reload", "store", "spill", "compute"]
RESOURCES: tuple[Resource, ...] = ("bus", "matrix", "vector")


@dataclass(frozen=True, slots=True)
class Task:
    """One transfer or compute step: `cycles` long on `resource`, after every task in `deps`."""

    id: int
    resource: Resource
    kind: TaskKind
    layer: int
    tile: int
    buffer: str
    nbytes: int
    cycles: int
    deps: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Allocation:
    """A buffer (or a tile of one) holding SRAM bytes [offset, offset + size).

    The range is taken when task `first` starts and given back when every task in `release`
    has finished (`release` is empty for ranges held until the end of the run).
    """

    buffer: str
    layer: int
    offset: int
    size: int
    first: int
    release: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    """What the planner decided: tasks, SRAM allocations and how many tiles each layer took."""

    policy: str
    capacity: int
    tasks: tuple[Task, ...]
    allocations: tuple[Allocation, ...]
    tiles: tuple[int, ...]

    def bytes_of(self, kind: TaskKind) -> int:
        return sum(t.nbytes for t in self.tasks if t.kind == kind)
