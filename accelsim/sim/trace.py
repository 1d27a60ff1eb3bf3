"""What happened, cycle by cycle: one Event per plan task and the SRAM occupancy over time."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Event:
    """A task as it ran: `ready` when its dependencies were met, then [start, end) on its unit.

    `waited_on` is the dependency that finished last (-1 if none): what held the task back.
    """

    task: int
    resource: str  # the unit's name (e.g. "bus", "dma1")
    unit_kind: str  # dma, matrix or vector
    kind: str
    layer: int
    tile: int
    buffer: str
    nbytes: int
    ready: int
    start: int
    end: int
    waited_on: int


@dataclass(frozen=True, slots=True)
class Trace:
    """Events indexed by task id, the units (names, report order), SRAM in use, and the clock."""

    events: tuple[Event, ...]
    units: tuple[str, ...]
    sram: tuple[tuple[int, int], ...]
    clock_hz: float

    @property
    def end(self) -> int:
        return max((e.end for e in self.events), default=0)

    def busy(self, unit: str) -> int:
        """Cycles unit `unit` (a name) spent running at least one task (a DMA channel with a
        queue runs several at once: their overlap counts once)."""
        busy = covered = 0
        for start, end in sorted((e.start, e.end) for e in self.events if e.resource == unit):
            busy += max(0, end - max(start, covered))
            covered = max(covered, end)
        return busy

    @property
    def sram_peak(self) -> int:
        return max((used for _, used in self.sram), default=0)

    def sram_peaks(self, windows: list[tuple[int, int]]) -> list[int]:
        """Largest occupancy during each [start, end] window (one pass of bisects)."""
        times = [time for time, _ in self.sram]
        values = [used for _, used in self.sram]
        peaks = []
        for start, end in windows:
            first = max(0, bisect_right(times, start) - 1)  # the value in force at `start`
            last = bisect_right(times, end)
            peaks.append(max(values[first:last], default=0))
        return peaks
