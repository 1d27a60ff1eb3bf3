"""The plan: ordered tasks the machine performs and where each buffer sits in SRAM (shared types).

Neutral ground: `memory/` builds a Plan, `sim/` runs it, `summary` and the checker read it; none of
them imports another to get these types.

Tasks are in plan order. Each names the kind of unit that runs it (dma, matrix, vector), not a
unit: the simulator issues a kind's tasks in plan order, each after the tasks in `deps`, to
whichever unit of that kind is free. With one unit of a kind, a larger id always runs later on
it; with several, tasks of one kind may finish out of order.
"""

from __future__ import annotations

from abc import abstractmethod
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal, NamedTuple, TypeVar, overload

import numpy as np
import numpy.typing as npt

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


_Record = TypeVar("_Record")


class Columns(ReadAsTuples, Sequence[_Record]):
    """Records kept as columns, one built per read (`_record`); a slice reads as a tuple."""

    __slots__ = ()

    @abstractmethod
    def _record(self, index: int) -> _Record:
        """The record at `index`, built from the columns."""

    @overload
    def __getitem__(self, index: int) -> _Record: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[_Record, ...]: ...
    def __getitem__(self, index: int | slice) -> _Record | tuple[_Record, ...]:
        if isinstance(index, slice):
            return tuple(map(self._record, range(len(self))[index]))
        return self._record(range(len(self))[index])  # a negative index counts from the end

    def __iter__(self) -> Iterator[_Record]:
        return map(self._record, range(len(self)))


class Tasks(Columns[Task]):
    """The planner's tasks as columns, read as `Task` records (a task's id is its index).

    A tiled run plans a task by the million (LLaMA-7B prefill: 2.8 million); as a named tuple
    with its tuple of dependencies each was ~230 B beside its work, as columns ~75. The
    dependencies of all tasks are one int32 column, task i's at `deps[first[i]:first[i + 1]]`.
    The simulator and the passes over every task read the columns; a record is built per read.

    A transfer's DDR address is a column too (`address`; 0 for a compute), not its work's: the
    work column holds one `Transfer` per size and direction, shared by every task that moves
    as many bytes (a tiled run reads and writes slices by the hundred thousand, each at its
    own address); the records give each transfer its address (`Task.work`), and the
    simulator gives it to the timing models that read it (`timing.models.reads_addresses`).

    The run index says where a tiled layer repeats itself (`reports/speed/README.md`: ~90 % of
    a tiled plan's tasks), so fast paths may take a run in one step; the columns still hold
    every task. Run r is `run_first[r]` = F, `run_width[r]` = W, `run_count[r]` = C >= 2: for
    0 < k < C and 0 <= j < W, task t = F + k·W + j has the unit kind, kind, layer, buffer,
    reasons and work of task t - W (its DDR address aside: each task's own is in `address`),
    tile one more, and as many dependencies, each (in sorted order) the task at the
    same place in t - W's, or that task + W; which of the two is the same for every k. So
    deps(F + k·W + j) = deps(F + j) + k · (deps(F + W + j) - deps(F + j)), elementwise. (A
    tile's store may depend on its compute one repeat before, before F for k = 0: a rule of
    "inside the run moves, outside stays" could not say that.) Runs are sorted by F and do
    not overlap; tasks in none are in no run.
    """

    __slots__ = ("_index", "_periods", "address", "buffer", "deps", "first", "kind", "layer",
                 "reasons", "tile", "unit_kind", "work")  # fmt: skip

    def __init__(self) -> None:
        self.unit_kind: list[str] = []
        self.kind: list[TaskKind] = []
        # a list, not an array: a layer's tasks share one int, which their records share
        self.layer: list[int] = []
        self.tile = array("q")  # (an int object per task a repeat made, as a list: 32 B more)
        self.buffer: list[str] = []
        self.work: list[Work] = []  # a transfer's with address 0: its own is in `address`
        self.address = array("q")
        self.deps = array("i")  # (task ids in 32 bits: 4 B a dependency, not 8)
        self.first = array("q", [0])  # where each task's dependencies begin in `deps`, and the end
        self.reasons: list[tuple[DepReason, ...]] = []
        # the run index (see above), worked out when first read from the periods marked
        self._index = (array("q"), array("q"), array("q"))
        self._periods: list[tuple[array[int], Mapping[int, tuple[bytes, int]], Sequence[int]]] = []

    @classmethod
    def of(cls, tasks: Sequence[Task]) -> Tasks:
        """Columns of any sequence of tasks in id order (a hand-made plan's tuple)."""
        if isinstance(tasks, Tasks):
            return tasks
        columns = cls()
        for number, task in enumerate(tasks):
            assert task.id == number, f"task {task.id} at position {number}: ids are positions"
            columns.add(task.unit_kind, task.kind, task.layer, task.tile, task.buffer,
                        task.work, task.deps, task.reasons)  # fmt: skip
        return columns

    def add(self, unit_kind: str, kind: TaskKind, layer: int, tile: int, buffer: str, work: Work,
            deps: Sequence[int], reasons: tuple[DepReason, ...],
            address: int = 0) -> int:  # fmt: skip
        """Append a task after `deps` (ascending ids); its id. A transfer's `work` has address
        0 (one record for all of its size and direction), its DDR address is `address`; one
        given with its address (a hand-made plan's) is taken apart."""
        if not address and isinstance(work, Transfer) and work.address:
            work, address = replace(work, address=0), work.address
        self.unit_kind.append(unit_kind)
        self.kind.append(kind)
        self.layer.append(layer)
        self.tile.append(tile)
        self.buffer.append(buffer)
        self.work.append(work)
        self.address.append(address)
        self.deps.extend(deps)
        self.first.append(len(self.deps))
        self.reasons.append(reasons)
        return len(self.kind) - 1

    @property
    def run_first(self) -> array[int]:
        return self._runs()[0]

    @property
    def run_width(self) -> array[int]:
        return self._runs()[1]

    @property
    def run_count(self) -> array[int]:
        return self._runs()[2]

    def mark_runs(self, bounds: Sequence[int], repeats: Mapping[int, tuple[bytes, int]],
                  unlike: Sequence[int]) -> None:  # fmt: skip
        """Index the runs among consecutive periods [bounds[i], bounds[i + 1]) (a tiled layer's
        tiles, each with the tasks issued while planning it), after every run so far, when the
        index is first read (most runs never read it). `repeats`: from period i on, n periods
        issued as repeats of the one before (`repeat`) with these moves, as (moves, n);
        `unlike[i]`: 1 if period i is known not to repeat the one before; the others are
        compared with it."""
        self._periods.append((array("q", bounds), repeats, unlike))

    def _runs(self) -> tuple[array[int], array[int], array[int]]:
        for bounds, repeats, unlike in self._periods:
            start, moves, i = -1, b"", 1  # the period the open run starts at, its moves
            while i < len(bounds) - 1:
                found, count = repeats.get(i, (None, 1))
                if found is None and not unlike[i]:
                    found = self.compare(*bounds[i - 1 : i + 2])
                if start >= 0 and found == moves:
                    pass
                elif start >= 0:  # period i - 1 ends it: a run from period i may follow
                    self._add_run(bounds[start], bounds[start + 1] - bounds[start], i - start)
                    start, moves = (i, found or b"") if count > 1 else (-1, b"")
                elif found is not None:
                    start, moves = i - 1, found
                i += count
            if start >= 0:
                self._add_run(bounds[start], bounds[start + 1] - bounds[start], i - start)
        self._periods.clear()
        return self._index

    def moves(self, start: int, times: int, moving: npt.NDArray[np.int64]) -> bytes | None:
        """Which dependencies of the tasks from `start` on are on a task of `moving` (sorted;
        as `compare` says); None if moving those by a period per repeat, `times` times, would
        put a task's dependencies out of order (`repeat` would not be the tasks planned anew)."""
        first, width = self.first, len(self.kind) - start
        deps = np.frombuffer(self.deps[first[start] : first[-1]], np.int32).astype(np.int64)
        moved = among(deps, moving)
        last = deps + times * width * moved
        later = np.ones(len(deps), np.bool_)  # each dependency after the one before, in a task
        later[np.frombuffer(first[start : len(first) - 1], np.int64) - first[start]] = False
        if np.any((last[1:] <= last[:-1]) & later[1:]):
            return None
        return moved.tobytes()

    def repeat(self, start: int, times: int, moves: bytes, addresses: npt.NDArray[np.int64],
               tiles: int = 1) -> None:  # fmt: skip
        """Append `times` repeats of the tasks from `start` on: each the one before with its
        tile `tiles` more (the tiles of the period) and the dependencies `moves` marks
        (`moves`) one period later (the run index's rule for one tile); `addresses`: their
        DDR addresses in order."""
        end = len(self.kind)
        begin, stop = self.first[start], self.first[end]
        deps = np.frombuffer(self.deps[begin:stop], np.int32)  # (a copy: the column grows)
        steps = np.arange(1, times + 1, dtype=np.int64)[:, None]
        moved = np.frombuffer(moves, np.bool_)
        ends = np.frombuffer(self.first[start + 1 : end + 1], np.int64) - begin
        self.unit_kind.extend(self.unit_kind[start:end] * times)
        self.kind.extend(self.kind[start:end] * times)
        self.layer.extend(self.layer[start:end] * times)
        self.buffer.extend(self.buffer[start:end] * times)
        self.reasons.extend(self.reasons[start:end] * times)
        tile = np.frombuffer(self.tile[start:end], np.int64)
        self.tile.frombytes((tile + steps * tiles).tobytes())
        self.work.extend(self.work[start:end] * times)
        self.address.frombytes(addresses.astype(np.int64).tobytes())
        self.deps.frombytes((deps + steps * (end - start) * moved).astype(np.int32).tobytes())
        self.first.frombytes((stop + (steps - 1) * (stop - begin) + ends).tobytes())

    def _add_run(self, first: int, width: int, count: int) -> None:
        firsts, widths, counts = self._index
        ends = firsts[-1] + widths[-1] * counts[-1] if firsts else 0
        assert first >= ends, "runs are indexed in task order and do not overlap"
        firsts.append(first)
        widths.append(width)
        counts.append(count)

    def compare(self, a: int, b: int, c: int) -> bytes | None:
        """Which dependencies of period [b, c) are those of period [a, b) moved one period on
        (1) or the same (0), all in one string; None if [b, c) does not repeat [a, b)."""
        if c - b != b - a or b == a:
            return None
        first = self.first
        if first[c] - first[b] != first[b] - first[a] or any(
            column[a:b] != column[b:c]  # (works: a transfer's address is not in its work)
            for column in (self.layer, self.unit_kind, self.kind, self.buffer, self.reasons,
                           self.work)  # fmt: skip
        ):
            return None
        if any(u != t + 1 for t, u in zip(self.tile[a:b], self.tile[b:c], strict=True)):
            return None
        if any(first[b + j] - first[a + j] != first[b] - first[a] for j in range(b - a)):
            return None  # (a task with more dependencies than its twin)
        deps, width = self.deps, b - a
        moved = [0 if y == x else 1 if y == x + width else 2 for x, y in zip(
            deps[first[a] : first[b]], deps[first[b] : first[c]], strict=True
        )]  # fmt: skip
        return None if 2 in moved else bytes(moved)

    def deps_of(self, task: int) -> array[int]:
        return self.deps[self.first[task] : self.first[task + 1]]

    def nbytes(self) -> Iterator[int]:
        """Each task's `Task.nbytes`, in id order."""
        return (work.nbytes if isinstance(work, Transfer) else 0 for work in self.work)

    def __len__(self) -> int:
        return len(self.kind)

    def work_of(self, task: int) -> Work:
        """Task `task`'s work, a transfer with its DDR address."""
        work = self.work[task]
        if isinstance(work, Transfer):
            return Transfer(nbytes=work.nbytes, direction=work.direction,
                            address=self.address[task])  # fmt: skip
        return work

    def _record(self, task: int) -> Task:
        return Task(
            id=task, unit_kind=self.unit_kind[task], kind=self.kind[task], layer=self.layer[task],
            tile=self.tile[task], buffer=self.buffer[task], work=self.work_of(task),
            deps=tuple(self.deps_of(task)), reasons=self.reasons[task],
        )  # fmt: skip


class Ranges(Columns[Allocation]):
    """The planner's SRAM ranges as columns, read as `Allocation` records.

    A tiled run takes a range per slice of every tile (LLaMA-7B prefill: 1.9 million); as
    records they were ~200 B each beside their names, as columns ~70. A range's name is its
    buffer's with the part it holds, `x[tile 7]`; the parts are kept apart as numbers (`part`:
    `WHOLE`, `LAYER`, a tile's number, or `group_part(g)`), so a repeat of tiles numbers
    its ranges' parts in one pass and a name is built only when read. `first` and `release`
    are set as the planner issues the tasks that fill and free a range.
    """

    __slots__ = ("also", "buffer", "first", "layer", "log", "more", "offset", "after", "part",
                 "size")  # fmt: skip

    def __init__(self) -> None:
        self.buffer: list[str] = []
        self.part = array("q")
        self.layer = array("q")
        self.offset = array("q")
        self.size = array("q")
        self.first = array("q")  # -1 until a task fills it
        # A range's release: one or two tasks (most: a tile's load and its compute) in `after`
        # and `also` (-1: none), more in `more` (`after` -2); no tuple per range.
        self.after = array("q")
        self.also = array("q")
        self.more: dict[int, tuple[int, ...]] = {}
        self.log: list[int] | None = None  # when a list, every range released is added to it

    @classmethod
    def of(cls, allocations: Sequence[Allocation]) -> Ranges:
        """Columns of any sequence of allocations (a hand-made plan's tuple)."""
        if isinstance(allocations, Ranges):
            return allocations
        ranges = cls()
        for a in allocations:
            index = ranges.add(a.buffer, WHOLE, a.layer, a.offset, a.size)
            ranges.first[index] = a.first
            ranges.released_after(index, *a.release)
        return ranges

    def add(self, buffer: str, part: int, layer: int, offset: int, size: int) -> int:
        """A new range, not yet filled nor released; its index."""
        self.buffer.append(buffer)
        self.part.append(part)
        self.layer.append(layer)
        self.offset.append(offset)
        self.size.append(size)
        self.first.append(-1)
        self.after.append(-1)
        self.also.append(-1)
        return len(self.buffer) - 1

    def released_after(self, index: int, *tasks: int) -> None:
        """Range `index` is free again once every task of `tasks` ended (none: at the end)."""
        if self.log is not None:
            self.log.append(index)
        self.more.pop(index, None)
        if len(tasks) > 2:
            self.after[index], self.also[index] = -2, -1
            self.more[index] = tasks
        else:
            self.after[index], self.also[index] = (*tasks, -1, -1)[:2]

    def repeat(self, start: int, times: int, offsets: npt.NDArray[np.int64],
               parts: npt.NDArray[np.int64], first: npt.NDArray[np.int64],
               after: npt.NDArray[np.int64], also: npt.NDArray[np.int64]) -> None:  # fmt: skip
        """Append `times` copies of the ranges from `start` on, at `offsets`, holding `parts`,
        filled by `first` and released after `after` and `also` (one each)."""
        end = len(self.buffer)
        self.buffer.extend(self.buffer[start:end] * times)
        self.part.frombytes(parts.astype(np.int64).tobytes())
        self.layer.extend(self.layer[start:end] * times)
        self.offset.frombytes(offsets.astype(np.int64).tobytes())
        self.size.extend(self.size[start:end] * times)
        for column, values in ((self.first, first), (self.after, after), (self.also, also)):
            column.frombytes(values.astype(np.int64).tobytes())

    def set(self, rows: npt.NDArray[np.int64], **columns: npt.NDArray[np.int64]) -> None:
        """Set `first`, `after` or `also` of ranges `rows` (two released after at most)."""
        for name, values in columns.items():
            np.frombuffer(getattr(self, name), np.int64)[rows] = values

    def release(self, index: int) -> tuple[int, ...]:
        """The tasks range `index` is released after (`Allocation.release`)."""
        after = self.after[index]
        if after < 0:
            return self.more.get(index, ())
        also = self.also[index]
        return (after,) if also < 0 else (after, also)

    def __len__(self) -> int:
        return len(self.buffer)

    def _record(self, index: int) -> Allocation:
        return Allocation(
            buffer=_named(self.buffer[index], self.part[index]), layer=self.layer[index],
            offset=self.offset[index], size=self.size[index], first=self.first[index],
            release=self.release(index),
        )  # fmt: skip

    def __iter__(self) -> Iterator[Allocation]:
        names = map(_named, self.buffer, self.part)
        releases = map(self.release, range(len(self)))
        columns = (names, self.layer, self.offset, self.size, self.first, releases)
        return map(Allocation._make, zip(*columns, strict=True))


WHOLE, LAYER = -1, -2
"""`Ranges.part` of a range holding its whole buffer, and of a slice every tile of its layer
reads (`x[layer]`); a tile's part is its number (`x[tile 7]`), a channel group's `group_part`."""


def group_part(group: int) -> int:
    """`Ranges.part` of channel group `group`'s slice (`W[group 3]`)."""
    return -3 - group


def among(values: npt.NDArray[np.int64], ids: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Which of `values` are in `ids` (sorted)."""
    at = np.minimum(np.searchsorted(ids, values), max(0, len(ids) - 1))
    found: npt.NDArray[np.bool_] = ids[at] == values if len(ids) else np.zeros(len(values), bool)
    return found


def _named(buffer: str, part: int) -> str:
    if part >= 0:
        return f"{buffer}[tile {part}]"
    if part == WHOLE:
        return buffer
    return f"{buffer}[layer]" if part == LAYER else f"{buffer}[group {-3 - part}]"


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
    tasks: Sequence[Task]  # `Tasks` from the planner
    allocations: Sequence[Allocation]  # `Ranges` from the planner
    tiles: tuple[int, ...]
    ddr: tuple[DdrRange, ...] = ()

    def bytes_of(self, kind: TaskKind) -> int:
        tasks = Tasks.of(self.tasks)
        return sum(n for k, n in zip(tasks.kind, tasks.nbytes(), strict=True) if k == kind)
