"""The critical path: the chain of tasks that set the run's end, and each task's slack.

The path is `walk_back` from the task that ended last. Slack is read off the schedule as it
ran: a graph of tasks with edges for dependencies and for the task whose end let its unit take
it (`Event.freed_by`; end -> start), and for in-order issue behind the task before it of its
kind (start -> start). A task's slack is how many cycles later it could have ended, with every
other duration and this graph unchanged, before the run ended later. With one unit per kind the
graph does not depend on durations (each unit runs its kind's tasks in plan order), so start
times are max-plus functions of durations: shortening a task never lengthens the run,
shortening one with slack leaves the latency as it is, and shortening one on the path by a
cycle saves at most a cycle. With several identical units of a kind, which unit a task gets
depends on when each frees: the first and last still hold (the free times stay a sorted list
updated by max and +), but a task with slack can shorten the run by freeing its unit first
(`tests/explain/test_path.py` keeps the example); units of one kind at different speeds would
allow Graham's anomalies proper. Slack also assumes a task's cycles do not depend on when it
starts: a DMA channel with a queue depth above 1 (whose start-ups overlap earlier transfers'
data) or a DDR shared by busy channels breaks that, and there slack is an estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from accelsim.explain.walk import Step, walk_back

if TYPE_CHECKING:
    from accelsim.plan import Plan
    from accelsim.sim.trace import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class CriticalPath:
    """`steps`, latest first, tile [0, latency); `slack` is every task's, by task id."""

    steps: tuple[Step, ...]
    slack: tuple[int, ...]

    @property
    def tasks(self) -> tuple[int, ...]:
        """The tasks on the path, earliest first, each once."""
        return tuple(dict.fromkeys(step.task for step in reversed(self.steps)))

    def cycles_by(self, key: tuple[object, ...]) -> dict[object, int]:
        """Cycles of the path per `key[task]` (e.g. each task's unit or layer), in path order."""
        totals: dict[object, int] = {}
        for step in reversed(self.steps):
            name = key[step.task]
            totals[name] = totals.get(name, 0) + step.end - step.start
        return totals


def critical_path(plan: Plan, events: tuple[Event, ...], *, startup: int) -> CriticalPath:
    """The path to the last event (the later task among equals) and every task's slack."""
    last = -1
    for event in events:
        if last < 0 or event.end >= events[last].end:
            last = event.task
    steps = walk_back(events, last, startup=startup) if last >= 0 else []
    return CriticalPath(steps=tuple(steps), slack=_slack(plan, events))


def _slack(plan: Plan, events: tuple[Event, ...]) -> tuple[int, ...]:
    """Latest start minus start, by a backward pass in reverse plan order (every edge points
    from a smaller task id to a larger one)."""
    count = len(events)
    end = max((e.end for e in events), default=0)
    issued_before = [-1] * count
    last_of: dict[str, int] = {}
    for event in events:  # ids grow in plan order, and so does each kind's issue
        issued_before[event.task] = last_of.get(event.unit_kind, -1)
        last_of[event.unit_kind] = event.task
    finish = [end] * count  # latest end that keeps every successor's latest start
    latest = [end] * count  # latest start allowed by start -> start edges
    tasks = plan.tasks
    for task in range(count - 1, -1, -1):
        event = events[task]
        start = min(finish[task] - (event.end - event.start), latest[task])
        latest[task] = start
        for before in tasks[task].deps:
            if start < finish[before]:
                finish[before] = start
        before = event.freed_by
        if before >= 0 and start < finish[before]:
            finish[before] = start
        before = issued_before[task]
        if before >= 0 and start < latest[before]:
            latest[before] = start
    return tuple(latest[e.task] - e.start for e in events)
