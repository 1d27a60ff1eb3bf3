"""What happened, cycle by cycle: one Event per plan task and the SRAM occupancy over time."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Event:
    """A task as it ran: `ready` when its dependencies were met, then [start, end) on its unit.

    `waited_on` is the dependency that finished last (-1 if none): what held the task back.
    """

    task: int
    resource: str
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
    """Events indexed by task id, SRAM bytes in use as a step function, and the clock."""

    events: tuple[Event, ...]
    sram: tuple[tuple[int, int], ...]
    clock_hz: float

    @property
    def end(self) -> int:
        return max((e.end for e in self.events), default=0)

    def busy(self, resource: str) -> int:
        return sum(e.end - e.start for e in self.events if e.resource == resource)

    @property
    def sram_peak(self) -> int:
        return max((used for _, used in self.sram), default=0)

    def sram_at(self, cycle: int) -> int:
        """Bytes in use during cycle `cycle` (after every change at or before it)."""
        used = 0
        for time, value in self.sram:
            if time > cycle:
                break
            used = value
        return used

    def sram_peak_between(self, start: int, end: int) -> int:
        """Largest occupancy at any cycle of [start, end]."""
        peak = self.sram_at(start)
        for time, value in self.sram:
            if start < time <= end:
                peak = max(peak, value)
        return peak
