"""Where each layer's time went: its window of the run split into what it was lost to.

The layers own consecutive windows of the run: a layer's window runs from the end of every
layer before it to its own end (empty if it ended earlier), so the windows add up to the
latency. Each window is split by walking back from the layer's last task (`walk.walk_back`):
every cycle of it is the working time of one task on that chain, labelled by what the next
task waited for. The parts of a window add up to its length exactly. The run's breakdown is
its critical path's (`path.py`), which tiles the whole run the same way: the layers' windows
follow each layer's own chain, so their sum is a different (per-layer) view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from accelsim.explain.walk import PARTS, Chain, data_behind, walk_back

if TYPE_CHECKING:
    from accelsim.sim.trace import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class Breakdown:
    """Cycles [start, end) of the run split into `parts` (label -> cycles, every label of
    `walk.PARTS`), which add up to end - start."""

    start: int
    end: int
    parts: dict[str, int]

    @property
    def bound(self) -> str | None:
        """The largest part (the first in `PARTS` order among equals); None if empty."""
        if self.end <= self.start:
            return None
        return max(PARTS, key=lambda label: (self.parts[label], -PARTS.index(label)))


def layer_breakdowns(events: tuple[Event, ...], layers: int, *, startup: int,
                     behind: tuple[int, ...] | None = None) -> tuple[Breakdown, ...]:  # fmt: skip
    """Each layer's window and what its cycles were lost to (`startup`, `behind`: see
    `walk_back`; `behind` is worked out when not given)."""
    last = [-1] * layers
    for event in events:  # the task that ended last in each layer (the later one among equals)
        current = last[event.layer]
        if current < 0 or event.end >= events[current].end:
            last[event.layer] = event.task
    breakdowns = []
    done = 0
    if behind is None:
        behind = data_behind(events, startup)
    for task in last:
        end = max(done, events[task].end) if task >= 0 else done
        steps = (walk_back(events, task, floor=done, startup=startup, behind=behind)
                 if end > done else Chain())  # fmt: skip
        breakdowns.append(breakdown_of(steps, start=done, end=end))
        done = end
    return tuple(breakdowns)


def breakdown_of(steps: Chain, *, start: int, end: int) -> Breakdown:
    """The cycles of `steps` (which tile [start, end)) added up by label."""
    cycles = [0] * len(PARTS)
    numbers = iter(steps.flat)  # four a step: task, start, end, label
    for _, low, high, label in zip(numbers, numbers, numbers, numbers, strict=True):
        cycles[label] += high - low
    return Breakdown(start=start, end=end, parts=dict(zip(PARTS, cycles, strict=True)))
