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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from accelsim.explain.walk import PARTS, Chain, Walks

if TYPE_CHECKING:
    from accelsim.explain.columns import Timeline
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


def layer_breakdowns(events: Sequence[Event] | Timeline | Walks, layers: int, *, startup: int,
                     behind: Sequence[int] | None = None) -> tuple[Breakdown, ...]:  # fmt: skip
    """Each layer's window and what its cycles were lost to (`startup`, `behind`: see
    `walk_back`; `behind` is worked out when not given; given `Walks`, theirs)."""
    walks = Walks.of(events, startup=startup, behind=behind)
    line = walks.line
    # the task that ended last in each layer (the later one among equals)
    ended = np.full(layers, -1, np.int64)
    np.maximum.at(ended, line.layer, line.end)
    at_end = np.flatnonzero(line.end == ended[line.layer])
    last = np.full(layers, -1, np.int64)
    np.maximum.at(last, line.layer[at_end], at_end)
    ends = line.end[last].tolist() if len(line) else [0] * layers
    windows = []
    done = 0
    for task, ended_at in zip(last.tolist(), ends, strict=True):
        end = max(done, ended_at) if task >= 0 else done
        windows.append((task, done, end))
        done = end
    walked = [(task, start) for task, start, end in windows if end > start]
    cycles = iter(walks.cycles([task for task, _ in walked], [start for _, start in walked]))
    empty = [0] * len(PARTS)
    return tuple(
        Breakdown(start=start, end=end,
                  parts=dict(zip(PARTS, next(cycles) if end > start else empty, strict=True)))
        for _, start, end in windows
    )  # fmt: skip


def breakdown_of(steps: Chain, *, start: int, end: int) -> Breakdown:
    """The cycles of `steps` (which tile [start, end)) added up by label."""
    rows = np.frombuffer(steps.flat, np.int64).reshape(-1, 4)
    cycles = np.zeros(len(PARTS), np.int64)
    np.add.at(cycles, rows[:, 3], rows[:, 2] - rows[:, 1])
    return Breakdown(start=start, end=end, parts=dict(zip(PARTS, cycles.tolist(), strict=True)))
