"""What happened, cycle by cycle: one Event per plan task and the SRAM occupancy over time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, NamedTuple, get_args, overload

from accelsim.plan import ReadAsTuples

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


@dataclass(frozen=True, slots=True, kw_only=True)
class Columns:
    """Fields of every event as int64 arrays by task id, as the engine filled them (a run's
    repeating tiles in bulk): readers that pass over every task read these, not records."""

    start: npt.NDArray[np.int64]
    end: npt.NDArray[np.int64]
    waited_on: npt.NDArray[np.int64]
    freed_by: npt.NDArray[np.int64]
    unit: npt.NDArray[np.int64]  # the unit's place in `Trace.units`
    waited: npt.NDArray[np.int64]  # the code of `Event.waited` in `WAITED`


@dataclass(frozen=True, slots=True)
class Trace:
    """Events indexed by task id, the units (names, report order), SRAM in use, the clock, and
    the cycle the last task ended (the latency; reports ask for it often). A simulated trace
    also has its events' `columns` (None for a hand-made one or a small run's; not compared)."""

    events: tuple[Event, ...]
    units: tuple[str, ...]
    sram: Sequence[tuple[int, int]]  # (cycle, bytes) change points; `Steps` from a run
    clock_hz: float
    end: int
    columns: Columns | None = field(default=None, repr=False, compare=False)
    _busy: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def busy(self, unit: str) -> int:
        """Cycles unit `unit` (a name) spent running at least one task (a DMA channel with a
        queue runs several at once: their overlap counts once). Every unit's, in one pass on
        the first call: reports ask for each unit, and a tiled run has a million events."""
        if not self._busy:
            self._busy.update(_busy(self.events, self.units))
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



def _busy(events: tuple[Event, ...], units: tuple[str, ...]) -> dict[str, int]:
    """Each unit's busy cycles: the length of the union of its tasks' [start, end).

    A unit's tasks start in task order (in-order issue), so one sweep in that order measures
    the union; a hand-made trace out of that order is sorted first.
    """
    busy = dict.fromkeys(units, 0)
    covered = dict.fromkeys(units, 0)
    began = dict.fromkeys(units, 0)
    for event in events:
        unit, start, end = event.resource, event.start, event.end
        if start < began.get(unit, 0):
            return _busy(tuple(sorted(events, key=lambda e: (e.start, e.end))), units)
        began[unit] = start
        reached = covered.get(unit, 0)
        if end > reached:
            busy[unit] = busy.get(unit, 0) + end - (start if start > reached else reached)
            covered[unit] = end
    return busy
