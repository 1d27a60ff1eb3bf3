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
allow Graham's anomalies proper. A DMA channel with a queue depth above 1 overlaps start-ups with
earlier transfers' data but moves data one transfer at a time: a transfer ends at max(start +
start-up, end of the channel's transfer before) + its data cycles, still max-plus, so the slack
pass (and the walk, `walk.data_behind`) take that edge too and stay exact. A DDR shared by busy
channels gives each a rate that depends on what else is moving: no such edge exists, and there
slack is an estimate (`tests/explain/test_path.py` keeps the example).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import groupby
from typing import TYPE_CHECKING

from accelsim.explain.walk import Chain, Walks, path_of_records
from accelsim.plan import Tasks
from accelsim.sim.trace import Records, Trace, columns_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from accelsim.explain.columns import Timeline
    from accelsim.plan import Plan
    from accelsim.sim.trace import Event


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class CriticalPath:
    """`steps`, latest first, tile [0, latency); `slack` is every task's, by task id (an int64
    array: 8 B a task, where a tuple of ints holds ~40), worked out by `slack_pass` when first
    read: only the Chrome trace and the HTML report show it, and it is a third of what the
    rest of a summary costs."""

    steps: Chain
    slack_pass: Callable[[], array[int]] = field(repr=False)
    _slack: list[array[int]] = field(default_factory=list, init=False, repr=False)

    @property
    def slack(self) -> array[int]:
        if not self._slack:
            self._slack.append(self.slack_pass())
        return self._slack[0]

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, CriticalPath) and self.steps == other.steps
                and self.slack == other.slack)  # fmt: skip

    __hash__ = None  # type: ignore[assignment]

    @property
    def tasks(self) -> tuple[int, ...]:
        """The tasks on the path, earliest first, each once."""
        return tuple(dict.fromkeys(reversed(self.steps.column(0))))

    @property
    def task_count(self) -> int:
        """How many tasks `tasks` holds, without building it: a large run's path holds a
        million tasks, and the dict that keeps their order ~40 MB (sorted ids: 8 B each)."""
        return sum(1 for _ in groupby(sorted(self.steps.column(0))))

    def cycles_by(self, key: Callable[[int], object]) -> dict[object, int]:
        """Cycles of the path per `key(task)` (e.g. each task's unit or layer), in path order:
        a function, not a table by task id, so only the path's tasks are looked up."""
        totals: dict[object, int] = {}
        numbers = reversed(self.steps.flat)  # four a step, backwards: label, end, start, task
        for _, end, start, task in zip(numbers, numbers, numbers, numbers, strict=True):
            name = key(task)
            totals[name] = totals.get(name, 0) + end - start
        return totals


def critical_path(plan: Plan, events: Sequence[Event], *, startup: int,
                  behind: Sequence[int] | None = None,
                  walks: Walks | None = None) -> CriticalPath:  # fmt: skip
    """The path to the last event (the later task among equals) and every task's slack
    (`behind`: `walk.data_behind`, worked out when not given; `walks`: those of `events`,
    made here when not given; the slack is worked out when first read, see `CriticalPath`)."""
    steps = path_steps(walks or events, startup=startup, behind=behind)
    return CriticalPath(steps=steps, slack_pass=partial(_slack, plan, events, startup))


def path_steps(events: Trace | Sequence[Event] | Timeline | Walks, *, startup: int,
               behind: Sequence[int] | None = None) -> Chain:  # fmt: skip
    """`CriticalPath.steps` without the slack pass (a sweep point keeps only what bound it);
    off the records in Python (`path_of_records`) for records or a small run's trace (no
    columns), unless `behind` is given."""
    if isinstance(events, Trace) and events.columns is None:
        events = events.events
    if isinstance(events, Sequence) and not isinstance(events, Records) and behind is None:
        return path_of_records(events, startup)
    return Walks.of(events, startup=startup, behind=behind).path()


def _slack(plan: Plan, events: Sequence[Event], startup: int) -> array[int]:
    """Latest end minus end, by a backward pass in reverse plan order (every edge points from a
    smaller task id to a larger one).

    A transfer's data follows the data of the channel's transfer before it (a queued channel
    overlaps only start-ups): it ends at max(start + startup, end of the one before) + its data
    cycles, so ending by E asks its start to be by E - data - startup and the one before to end
    by E - data (with one transfer in flight that is start + duration, as for a compute).

    Its tables are int64 arrays, not lists: a list of 2.8 million distinct ints (LLaMA-7B's
    prefill) holds ~110 MB, the array 22 MB, and this pass set a large run's peak memory."""
    made = columns_of(events)  # the columns, not a record per task
    count = len(made)
    end = int(made.end.max(initial=0))
    issued_before = array("q", [-1]) * count
    before_on = array("q", [-1]) * count  # the channel's transfer before (-1: none, or a compute)
    last_of: dict[str, int] = {}
    # ids grow in plan order, and so does each kind's and unit's issue
    for task, unit_kind, nbytes, resource in made.rows("task", "unit_kind", "nbytes", "resource"):
        issued_before[task] = last_of.get(unit_kind, -1)
        last_of[unit_kind] = task
        if nbytes > 0:
            before_on[task] = last_of.get(resource, -1)
            last_of[resource] = task
    starts, ends, freed_by = made.start.data, made.end.data, made.freed_by.data  # ints each
    finish = array("q", [end]) * count  # latest end that keeps every successor's latest start
    latest = array("q", [end]) * count  # latest start allowed by start -> start edges
    tasks = Tasks.of(plan.tasks)
    deps, first = tasks.deps, tasks.first
    for task in range(count - 1, -1, -1):
        limit = finish[task]
        queued = before_on[task]
        if queued >= 0:
            head = starts[task] + startup
            after = ends[queued]
            data = ends[task] - (head if head > after else after)
            if limit - data < finish[queued]:
                finish[queued] = limit - data
            start = limit - data - startup
        else:
            start = limit - (ends[task] - starts[task])
        if latest[task] < start:
            start = latest[task]
        latest[task] = start
        for before in deps[first[task] : first[task + 1]]:
            if start < finish[before]:
                finish[before] = start
        before = freed_by[task]
        if before >= 0 and start < finish[before]:
            finish[before] = start
        before = issued_before[task]
        if before >= 0 and start < latest[before]:
            latest[before] = start
    for task, ended in enumerate(ends):
        finish[task] -= ended
    return finish
