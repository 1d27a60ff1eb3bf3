"""The plan: ordered tasks the machine performs and where each buffer sits in SRAM (shared types).

Neutral ground: `memory/` builds a Plan, `sim/` runs it, `summary` and the checker read it; none of
them imports another to get these types.

Tasks are in plan order. Each names the kind of unit that runs it (dma, matrix, vector), not a
unit: the simulator issues a kind's tasks in plan order, each after the tasks in `deps`, to
whichever unit of that kind is free. With one unit of a kind, a larger id always runs later on
it; with several, tasks of one kind may finish out of order.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple, overload

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


class ReadAsTuples:
    """Equality, hash and repr of a columnar sequence as the tuple of records it reads as, so
    a plan or trace kept in columns still compares equal to a hand-made list of records."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)  # type: ignore[arg-type]

    def __hash__(self) -> int:
        return hash(tuple(self))  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"  # type: ignore[call-overload]


class Ranges(ReadAsTuples, Sequence[Allocation]):
    """The planner's SRAM ranges as columns, read as `Allocation` records.

    A tiled run takes a range per slice of every tile (LLaMA-7B prefill: 1.9 million); as
    records they were ~200 B each beside their names, as columns ~70. A range's name is its
    buffer's with the part it holds, `x[tile 7]`; the parts are kept apart (`label`, "" for
    a whole buffer), so a tile's slices share one string. `first` and `release` are set as
    the planner issues the tasks that fill and free a range.
    """

    __slots__ = ("buffer", "first", "label", "layer", "offset", "release", "size")

    def __init__(self) -> None:
        self.buffer: list[str] = []
        self.label: list[str] = []
        self.layer = array("q")
        self.offset = array("q")
        self.size = array("q")
        self.first = array("q")  # -1 until a task fills it
        self.release: list[tuple[int, ...]] = []

    @classmethod
    def of(cls, allocations: Sequence[Allocation]) -> Ranges:
        """Columns of any sequence of allocations (a hand-made plan's tuple)."""
        if isinstance(allocations, Ranges):
            return allocations
        ranges = cls()
        for a in allocations:
            index = ranges.add(a.buffer, "", a.layer, a.offset, a.size)
            ranges.first[index], ranges.release[index] = a.first, a.release
        return ranges

    def add(self, buffer: str, label: str, layer: int, offset: int, size: int) -> int:
        """A new range, not yet filled nor released; its index."""
        self.buffer.append(buffer)
        self.label.append(label)
        self.layer.append(layer)
        self.offset.append(offset)
        self.size.append(size)
        self.first.append(-1)
        self.release.append(())
        return len(self.buffer) - 1

    def __len__(self) -> int:
        return len(self.buffer)

    @overload
    def __getitem__(self, index: int) -> Allocation: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Allocation, ...]: ...
    def __getitem__(self, index: int | slice) -> Allocation | tuple[Allocation, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(len(self))[index])
        return Allocation(
            buffer=_named(self.buffer[index], self.label[index]), layer=self.layer[index],
            offset=self.offset[index], size=self.size[index], first=self.first[index],
            release=self.release[index],
        )  # fmt: skip

    def __iter__(self) -> Iterator[Allocation]:
        names = map(_named, self.buffer, self.label)
        columns = (names, self.layer, self.offset, self.size, self.first, self.release)
        return map(Allocation._make, zip(*columns, strict=True))



def _named(buffer: str, label: str) -> str:
    return f"{buffer}[{label}]" if label else buffer


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
    allocations: Sequence[Allocation]  # `Ranges` from the planner
    tiles: tuple[int, ...]
    ddr: tuple[DdrRange, ...] = ()

    def bytes_of(self, kind: TaskKind) -> int:
        return sum(t.nbytes for t in self.tasks if t.kind == kind)
