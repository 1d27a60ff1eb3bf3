"""The plan: ordered tasks the machine performs and where each buffer sits in SRAM (shared types).

Neutral ground: `memory/` builds a Plan, `sim/` runs it, `summary` and the checker read it; none of
them imports another to get these types.

Tasks are in plan order. Each names the kind of unit that runs it (dma, matrix, vector), not a
unit: the simulator issues a kind's tasks in plan order, each after the tasks in `deps`, to
whichever unit of that kind is free. With one unit of a kind, a larger id always runs later on
it; with several, tasks of one kind may finish out of order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

from accelsim.work import Transfer, Work

TaskKind = Literal["load", "reload", "store", "spill", "compute"]
DepReason = Literal["data", "space", "serial"]
"""Why a task waits for a dependency: it reads what the dependency made (or wrote back), the
SRAM range it fills is released when the dependency ends, or `--no-overlap` serialises them."""


class Task(NamedTuple):
    """One transfer or compute step on a unit of `unit_kind`, after every task in `deps`.

    It carries its `work`, not a duration: the unit's timing model times it when it starts.
    `reasons` gives each dependency's reason, aligned with `deps` (empty: all "data").
    A named tuple, not a frozen dataclass: a tiled plan has a task by the hundred thousand,
    and a frozen dataclass builds one field at a time.
    """

    id: int
    unit_kind: str  # a kind declared in `accelsim.kinds`
    kind: TaskKind
    layer: int
    tile: int
    buffer: str
    work: Work
    deps: tuple[int, ...]
    reasons: tuple[DepReason, ...] = ()

    @property
    def nbytes(self) -> int:
        """Bytes the task moves over a DMA unit (0 for a compute)."""
        return self.work.nbytes if isinstance(self.work, Transfer) else 0


class Allocation(NamedTuple):
    """A buffer (or a tile of one) holding SRAM bytes [offset, offset + size).

    The range is taken when task `first` starts and given back when every task in `release`
    has finished (`release` is empty for ranges held until the end of the run). A named tuple,
    as `Task` is (one per tile and slice).
    """

    buffer: str
    layer: int
    offset: int
    size: int
    first: int
    release: tuple[int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class DdrRange:
    """A buffer's home in DDR: bytes [address, address + size); `kind` says what it holds
    (weight, input, output, or activation for one spilled or stored by a tiled layer)."""

    buffer: str
    kind: str
    address: int
    size: int


@dataclass(frozen=True, slots=True)
class Plan:
    """What the planner decided: tasks, SRAM allocations, how many tiles each layer took, and
    each DDR-resident buffer's DDR range (every transfer's address lies in its buffer's)."""

    policy: str
    capacity: int
    tasks: tuple[Task, ...]
    allocations: tuple[Allocation, ...]
    tiles: tuple[int, ...]
    ddr: tuple[DdrRange, ...] = ()

    def bytes_of(self, kind: TaskKind) -> int:
        return sum(t.nbytes for t in self.tasks if t.kind == kind)
