"""What happened, cycle by cycle: one Event per plan task (kept as columns) and the SRAM
occupancy over time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, cast, get_args, overload

from accelsim.plan import Columns as ReadsColumns
from accelsim.plan import ReadAsTuples, TaskKind

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

Waited = Literal["data", "space", "serial", "unit", "issue", "none"]
"""What a task waited for last: a dependency's data, SRAM space a dependency released, the task
before it under `--no-overlap`, its unit, in-order issue behind the task before it of its kind,
or nothing (it started at cycle 0)."""
WAITED: tuple[Waited, ...] = get_args(Waited)
"""`Waited`'s names in the order of their codes (`Columns.waited`)."""


class Event(NamedTuple):
    """A task as it ran on `resource` over [start, end), and when each thing it needed was met.

    The dispatcher of its kind reached it at `issued` (in-order issue: when the task before it
    of its kind started); its data (and, under `--no-overlap`, serial) dependencies were done at
    `deps_done`, the SRAM space it fills was released at `space_free`, its unit could take it at
    `unit_free` (when task `freed_by` ended; -1 if the unit had room). It started at the latest
    of those; `waited` says which one, and `waited_on` the task that set it (-1 for "none").
    Times are cycles; 0 when there was nothing to wait for. A named tuple, not a dataclass:
    a tiled run makes one per task by the tens of thousands, and a tuple is built fastest.
    """

    task: int
    resource: str  # the unit's name (e.g. "bus", "dma1")
    unit_kind: str  # dma, matrix or vector
    kind: str
    layer: int
    tile: int
    buffer: str
    nbytes: int
    issued: int
    deps_done: int
    space_free: int
    unit_free: int
    freed_by: int
    waited: Waited
    waited_on: int
    start: int
    end: int

    @property
    def ready(self) -> int:
        """When its dependencies, its SRAM space and its unit were all there."""
        return max(self.deps_done, self.space_free, self.unit_free)


TASK_KINDS: tuple[TaskKind, ...] = get_args(TaskKind)
"""The task kinds' names in the order of their codes (`Columns.kind`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Columns:
    """Every event's fields by task id: its times and causes as int64 arrays, as the engine
    filled them (a run's repeating tiles in bulk), and the plan's fields as the plan's own
    task columns (shared, not copied). Passes over every task read these; `Records` builds a
    record from them when one is read."""

    issued: npt.NDArray[np.int64]
    deps_done: npt.NDArray[np.int64]
    space_free: npt.NDArray[np.int64]
    unit_free: npt.NDArray[np.int64]
    freed_by: npt.NDArray[np.int64]
    waited_on: npt.NDArray[np.int64]
    start: npt.NDArray[np.int64]
    end: npt.NDArray[np.int64]
    unit: npt.NDArray[np.int64]  # the unit's place in `units`
    waited: npt.NDArray[np.int64]  # the code of `Event.waited` in `WAITED`
    kind: npt.NDArray[np.int64]  # the code of `Event.kind` in `TASK_KINDS`
    nbytes: npt.NDArray[np.int64]
    unit_kind: Sequence[str]
    layer: Sequence[int]
    tile: Sequence[int]
    buffer: Sequence[str]
    units: tuple[str, ...]  # the names of the unit codes: `Trace.units`, then any other

    def __len__(self) -> int:
        return len(self.start)

    def resource(self, task: int) -> str:
        """The unit task `task` ran on (`Event.resource`)."""
        return self.units[int(self.unit[task])]

    def values(self, name: str, low: int, high: int) -> Sequence[Any]:
        """Field `name` of the records of tasks [low, high), as they hold it."""
        if name == "task":
            return range(low, high)
        if name in _PLANS:
            return cast("Sequence[Any]", getattr(self, name)[low:high])
        column = getattr(self, _CODES.get(name, name))[low:high].tolist()
        if name in _CODES:
            names = self.units if name == "resource" else _NAMES[name]
            return [names[code] for code in column]
        return cast("list[int]", column)

    def rows(self, *names: str) -> Iterator[tuple[Any, ...]]:
        """Fields `names` of the records of every task, in task order, as tuples: built a
        chunk of tasks at a time (a list of a million distinct ints holds ~40 MB)."""
        count = len(self)
        if count <= CHUNK:  # one chunk: no generator around it (small plans, a sweep's points)
            return zip(*(self.values(name, 0, count) for name in names), strict=True)
        return self._chunks(names)

    def _chunks(self, names: tuple[str, ...]) -> Iterator[tuple[Any, ...]]:
        count = len(self)
        for low in range(0, count, CHUNK):
            high = min(count, low + CHUNK)
            yield from zip(*(self.values(name, low, high) for name in names), strict=True)

    @classmethod
    def of(cls, events: Sequence[Event], units: tuple[str, ...]) -> Columns:
        """A hand-made trace's columns, read off its records (task ids are positions; a unit
        not in `units` is numbered after them, in the order first met)."""
        import numpy as np

        names = {name: place for place, name in enumerate(units)}
        codes = {name: code for code, name in enumerate(WAITED)}
        kinds: dict[str, int] = {name: code for code, name in enumerate(TASK_KINDS)}
        unit = [names.setdefault(event.resource, len(names)) for event in events]
        ints = {name: np.array([getattr(event, name) for event in events], np.int64)
                for name in _INTS}  # fmt: skip
        return cls(
            **ints, unit=np.array(unit, np.int64),
            waited=np.array([codes[event.waited] for event in events], np.int64),
            kind=np.array([kinds[event.kind] for event in events], np.int64),
            unit_kind=[event.unit_kind for event in events],
            layer=[event.layer for event in events], tile=[event.tile for event in events],
            buffer=[event.buffer for event in events], units=tuple(names),
        )  # fmt: skip


FILLED = ("issued", "deps_done", "space_free", "unit_free", "freed_by", "waited_on", "start",
          "end", "unit", "waited", "kind", "nbytes")  # fmt: skip
"""The columns the engine fills as it times the tasks (the rest are the plan's own)."""
_INTS = (*FILLED[:8], "nbytes")
_PLANS = ("unit_kind", "layer", "tile", "buffer")  # the plan's own columns
_CODES = {"resource": "unit", "kind": "kind", "waited": "waited"}  # names kept as codes
_NAMES = {"kind": TASK_KINDS, "waited": WAITED}
_FIELDS = Event._fields
_new = tuple.__new__
CHUNK = 4096
"""Tasks a pass over the columns reads at a time (`Columns.rows`)."""


def columns_of(events: Sequence[Event]) -> Columns:
    """The columns of a trace's events: a simulated trace's own, a hand-made one's read off
    its records (task ids are positions)."""
    return events.columns if isinstance(events, Records) else Columns.of(events, ())


class Records(ReadsColumns[Event]):
    """A simulated trace's events, kept as its `Columns` and built when read: a tiled run has a
    task by the million (LLaMA-7B prefill: 2.8 million), and a record each was ~190 B beside
    the columns. A whole pass builds them a chunk at a time; passes that want a few fields of
    every task read the columns instead."""

    __slots__ = ("columns",)

    def __init__(self, columns: Columns) -> None:
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns.start)

    def _record(self, index: int) -> Event:
        return _new(Event, [self.columns.values(name, index, index + 1)[0] for name in _FIELDS])

    def __iter__(self) -> Iterator[Event]:
        # NOTE: built by `tuple.__new__` (the named tuple's own constructor is a Python call
        # around it): a whole pass builds a record per task by the million
        return map(_new, repeat(Event), self.columns.rows(*_FIELDS))


@dataclass(frozen=True, slots=True)
class Trace:
    """Events indexed by task id, the units (names, report order), SRAM in use, the clock, and
    the cycle the last task ended (the latency; reports ask for it often). A large simulated
    trace's events are `Records` of its `columns`; a small run's and a hand-made one's are
    records (no `columns`: `table` reads them off the records when first asked for)."""

    events: Sequence[Event]
    units: tuple[str, ...]
    sram: Sequence[tuple[int, int]]  # (cycle, bytes) change points; `Steps` from a run
    clock_hz: float
    end: int
    _busy: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    _table: list[Columns] = field(default_factory=list, init=False, repr=False, compare=False)

    @property
    def columns(self) -> Columns | None:
        """The engine's columns of a large run's events (`Records`); None for records."""
        return self.events.columns if isinstance(self.events, Records) else None

    @property
    def table(self) -> Columns:
        """Every event's fields as columns: the engine's, or read off the records once."""
        if isinstance(self.events, Records):
            return self.events.columns
        if not self._table:
            self._table.append(Columns.of(self.events, self.units))
        return self._table[0]

    def rows(self, *names: str) -> Iterator[tuple[Any, ...]]:
        """Fields `names` of every event in task order, as tuples: off the columns of a large
        run (no record each), off the records of a small one (no columns made)."""
        if isinstance(self.events, Records):
            return self.events.columns.rows(*names)
        return zip(*(map(attrgetter(name), self.events) for name in names), strict=True)

    def busy(self, unit: str) -> int:
        """Cycles unit `unit` (a name) spent running at least one task (a DMA channel with a
        queue runs several at once: their overlap counts once). Every unit's, in one pass on
        the first call: reports ask for each unit, and a tiled run has a million events."""
        if not self._busy:
            self._busy.update(_busy(self))
        return self._busy.get(unit, 0)

    @property
    def sram_peak(self) -> int:
        if isinstance(self.sram, Steps):  # no list of a million ints (`Steps`)
            return int(self.sram.used.max()) if len(self.sram) else 0
        return max((used for _, used in self.sram), default=0)

    def sram_peaks(self, windows: list[tuple[int, int]]) -> list[int]:
        """Largest occupancy during each [start, end] window (bisects on the int64 columns, not
        lists of a million ints)."""
        import numpy as np  # loaded by the engine that made the columns

        if isinstance(self.sram, Steps):
            times, values = self.sram.times, self.sram.used
        else:
            times = np.array([time for time, _ in self.sram], dtype=np.int64)
            values = np.array([used for _, used in self.sram], dtype=np.int64)
        peaks = []
        for start, end in windows:
            # the value in force at `start`, to the last change at or before `end`
            first = max(0, int(np.searchsorted(times, start, side="right")) - 1)
            last = int(np.searchsorted(times, end, side="right"))
            peaks.append(int(values[first:last].max()) if last > first else 0)
        return peaks


class Steps(ReadAsTuples, Sequence[tuple[int, int]]):
    """SRAM occupancy as (cycle, bytes) change points, kept as two int64 columns: a tiled run
    has one per range taken or freed by the million (LLaMA-7B prefill: 1.9 million), and a
    tuple of two ints each is ~130 B of them against 16. Reads as a sequence of tuples."""

    __slots__ = ("times", "used")

    def __init__(self, times: npt.NDArray[np.int64], used: npt.NDArray[np.int64]) -> None:
        self.times = times
        self.used = used

    def __len__(self) -> int:
        return len(self.times)

    @overload
    def __getitem__(self, index: int) -> tuple[int, int]: ...
    @overload
    def __getitem__(self, index: slice) -> Steps: ...
    def __getitem__(self, index: int | slice) -> tuple[int, int] | Steps:
        if isinstance(index, slice):
            return Steps(self.times[index], self.used[index])
        return int(self.times[index]), int(self.used[index])

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return zip(self.times.tolist(), self.used.tolist(), strict=True)



def _busy(trace: Trace) -> dict[str, int]:
    """Each unit's busy cycles: the length of the union of its tasks' [start, end).

    A unit's tasks start in task order (in-order issue), so one sweep in that order measures
    the union; a hand-made trace out of that order is sorted first.
    """
    found = _union(trace.rows("resource", "start", "end"), trace.units)
    if found is None:
        rows = sorted(trace.rows("resource", "start", "end"), key=itemgetter(1, 2))
        found = _union(rows, trace.units)
        assert found is not None
    return found


def _union(rows: Iterable[tuple[str, int, int]], units: tuple[str, ...]) -> dict[str, int] | None:
    """`_busy` of (unit, start, end) `rows` whose starts ascend on each unit; None if not."""
    busy = dict.fromkeys(units, 0)
    covered = dict.fromkeys(units, 0)
    began = dict.fromkeys(units, 0)
    for unit, start, end in rows:
        if start < began.get(unit, 0):
            return None
        began[unit] = start
        reached = covered.get(unit, 0)
        if end > reached:
            busy[unit] = busy.get(unit, 0) + end - (start if start > reached else reached)
            covered[unit] = end
    return busy
