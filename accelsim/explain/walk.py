"""Walk back from a task through what set each start: the chain of tasks that decided a time.

Every task started when the last of its conditions was met (`Event.waited`): the end of a
dependency or of the task before it on its unit, or the start of the task issued before it.
Following those causes back from any task tiles the time before its end, without gaps, with the
working intervals of the tasks on the chain. Each interval is labelled with what it cost the
task after it: the label of the unit kind it waited for (`bus`, `matrix`, `vector`), the
kind's `startup` part (`latency`) for the fixed start-up at the head of a transfer, or `sram`
when the next task was waiting for the SRAM space this one released. A transfer on a queued
channel whose data had to wait behind the data of the channel's transfer before it
(`data_behind`) ended because that one did: the walk holds its data time and steps to that
transfer.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING, NamedTuple

from accelsim.kinds import KINDS
from accelsim.plan import Columns

if TYPE_CHECKING:
    from accelsim.sim.trace import Event

KIND_LABELS = {k.name: k.label for k in KINDS}
"""How reports name what a unit kind costs: time spent waiting on DMA transfers is `bus` time."""
STARTUP_PARTS = {k.name: k.startup for k in KINDS}
"""The part a kind's per-task start-up is reported as ("" for kinds without one)."""
PARTS = (*(part for k in KINDS for part in (k.label, k.startup) if part), "sram")
"""Every label a part of the time can carry, in report order (ties in `bound` go to the first)."""


class Step(NamedTuple):
    """Task `task` on the chain, holding [start, end) of it; `label` says what it cost."""

    task: int
    start: int
    end: int
    label: str


class Chain(Columns[Step]):
    """Steps kept in one int64 array, four numbers a step (task, start, end, and the label's
    place in `PARTS`), read as `Step` records: a large run's critical path has a step by the
    million (LLaMA-7B prefill: ~1.9 million), ~100 B each as records, 32 here."""

    __slots__ = ("flat",)

    def __init__(self) -> None:
        self.flat = array("q")  # appended to by `walk_back`, a step at a time

    def __len__(self) -> int:
        return len(self.flat) // 4

    def _record(self, index: int) -> Step:
        task, start, end, label = self.flat[4 * index : 4 * index + 4]
        return Step(task=task, start=start, end=end, label=PARTS[label])

    def column(self, field: int) -> array[int]:
        """Every step's task (0), start (1), end (2) or label's place in `PARTS` (3)."""
        return self.flat[field::4]


_CODES = {part: code for code, part in enumerate(PARTS)}
_KIND_CODES = {kind: _CODES[label] for kind, label in KIND_LABELS.items()}
_STARTUP_CODES = {kind: _CODES[part] if part else -1 for kind, part in STARTUP_PARTS.items()}
_SRAM = _CODES["sram"]


def data_behind(events: tuple[Event, ...], startup: int) -> tuple[int, ...]:
    """For each transfer whose data waited behind the data of the transfer before it on its
    channel (that one ended after this one's start-up), that transfer's id; else -1. Only a
    channel that keeps several transfers in flight has any (empty when no transfer waited)."""
    behind = [-1] * len(events)
    last: dict[str, int] = {}
    for event in events:  # ids grow in each channel's issue order
        if event.nbytes > 0:
            before = last.get(event.resource, -1)
            if before >= 0 and events[before].end > event.start + startup:
                behind[event.task] = before
            last[event.resource] = event.task
    return tuple(behind) if max(behind, default=-1) >= 0 else ()


def walk_back(events: tuple[Event, ...], task: int, *, floor: int = 0, startup: int = 0,
              behind: tuple[int, ...] = ()) -> Chain:  # fmt: skip
    """The chain that set `task`'s end, latest first, clipped at cycle `floor`.

    `startup` is the fixed start-up cycles of every transfer (labelled `latency`); `behind`
    is `data_behind(events, startup)` (empty: no transfer waited behind another). Intervals
    reached through a zero-length hop (in-order issue) or of zero cycles are left out, so the
    steps' lengths add up to `events[task].end - floor` (0 if it ended before `floor`).
    """
    # NOTE: one pass per layer over up to every task of a tiled run: kept flat (a step is one
    # `extend` of four ints, no helper calls) because it is most of what attribution costs.
    steps = Chain()
    add = steps.flat.extend
    via = "data"
    while task >= 0:
        event = events[task]
        start, end = event.start, event.end
        if end <= floor:
            break
        queued = behind[task] if behind else -1
        if queued >= 0 and via != "issue":  # its data followed the channel's transfer before
            low = events[queued].end if events[queued].end > floor else floor
            add((task, low, end, _SRAM if via == "space" else _KIND_CODES[event.unit_kind]))
            via, task = "data", queued
            continue
        if via != "issue" and end > start:
            low = start if start > floor else floor
            label = _SRAM if via == "space" else _KIND_CODES[event.unit_kind]
            first = -1 if via == "space" else _STARTUP_CODES[event.unit_kind]
            head = start + startup if first >= 0 and event.nbytes > 0 else start
            if head > low:  # the transfer's start-up is inside the window
                middle = head if head < end else end
                if middle < end:
                    add((task, middle, end, label))
                add((task, low, middle, first))
            else:
                add((task, low, end, label))
        if start <= floor:
            break
        via, task = event.waited, event.waited_on
    return steps
