"""Walk back from a task through what set each start: the chain of tasks that decided a time.

Every task started when the last of its conditions was met (`Event.waited`): the end of a
dependency or of the task before it on its unit, or the start of the task issued before it.
Following those causes back from any task tiles the time before its end, without gaps, with the
working intervals of the tasks on the chain. Each interval is labelled with what it cost the
task after it: the unit kind it waited for (`bus`, `matrix`, `vector`), `latency` for the
per-transfer start-up at the head of a transfer, or `sram` when the next task was waiting for the
SRAM space this one released.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accelsim.sim.trace import Event

KIND_LABELS = {"dma": "bus", "matrix": "matrix", "vector": "vector"}
"""How reports name what a unit kind costs: time spent waiting on DMA transfers is `bus` time."""
PARTS = ("bus", "latency", "matrix", "vector", "sram")
"""Every label a part of the time can carry, in report order (ties in `bound` go to the first)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """Task `task` on the chain, holding [start, end) of it; `label` says what it cost."""

    task: int
    start: int
    end: int
    label: str


def walk_back(events: tuple[Event, ...], task: int, *, floor: int = 0,
              startup: int = 0) -> list[Step]:  # fmt: skip
    """The chain that set `task`'s end, latest first, clipped at cycle `floor`.

    `startup` is the fixed start-up cycles of every transfer (labelled `latency`). Intervals
    reached through a zero-length hop (in-order issue) or of zero cycles are left out, so the
    steps' lengths add up to `events[task].end - floor` (0 if it ended before `floor`).
    """
    steps: list[Step] = []
    via = "data"
    while task >= 0:
        event = events[task]
        if event.end <= floor:
            break
        if via != "issue" and event.end > event.start:
            _append(steps, event, max(event.start, floor), via, startup)
        if event.start <= floor:
            break
        via, task = event.waited, event.waited_on
    return steps


def _append(steps: list[Step], event: Event, start: int, via: str, startup: int) -> None:
    """Add `event`'s [start, end) as reached through a wait of kind `via`, split for latency."""
    if via == "space":
        steps.append(Step(task=event.task, start=start, end=event.end, label="sram"))
        return
    label = KIND_LABELS[event.unit_kind]
    head = event.start + startup if label == "bus" and event.nbytes > 0 else event.start
    middle = min(max(head, start), event.end)
    if middle < event.end:
        steps.append(Step(task=event.task, start=middle, end=event.end, label=label))
    if start < middle:
        steps.append(Step(task=event.task, start=start, end=middle, label="latency"))
