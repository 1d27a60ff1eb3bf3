"""The engine as it was before it timed runs of tasks in one step: one SimPy event per task.

Kept only as the oracle of `test_engine_equal.py`. Each dispatcher waits in simulated time
for every dependency to end (a SimPy event per finishing task) and for its unit to free (a
timeout), and times the task at SimPy's clock; the records are built afterwards from a table
of times per task, and the SRAM occupancy by sorting every take and free, as the engine once
did both.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, cast

from accelsim.sim.trace import Event, Trace, Waited

if TYPE_CHECKING:
    from collections.abc import Generator, Mapping

    import simpy

    from accelsim.plan import Plan, Task
    from accelsim.timing.models import TimingModel


def simulate_slowly(plan: Plan, *, units: Mapping[str, TimingModel], clock_hz: float) -> Trace:
    """`accelsim.sim.engine.simulate`, event by event."""
    import simpy

    env = simpy.Environment()
    clock = Clock(env, len(plan.tasks))
    for kind in dict.fromkeys(model.kind for model in units.values()):
        names = [name for name, model in units.items() if model.kind == kind]
        queue = [t for t in plan.tasks if t.unit_kind == kind]
        if queue:
            env.process(_dispatch(env, names, [units[n] for n in names], queue, clock))
    env.run()
    return _trace_of(plan, clock, units=tuple(units), clock_hz=clock_hz)


def occupancy_by_sorting(plan: Plan, events: tuple[Event, ...]) -> tuple[tuple[int, int], ...]:
    """SRAM in use as the engine worked it out before its columns: every take and free as a
    (cycle, frees first, bytes) tuple, sorted, summed one by one; one point per cycle."""
    end = max((e.end for e in events), default=0)
    changes = []
    for allocation in plan.allocations:
        freed = max((events[t].end for t in allocation.release), default=end)
        changes.append((events[allocation.first].start, 1, allocation.size))
        changes.append((freed, 0, -allocation.size))
    steps = [(0, 0)]
    used = 0
    for time, _, delta in sorted(changes):
        used += delta
        if steps[-1][0] == time:
            steps[-1] = (time, used)
        else:
            steps.append((time, used))
    return tuple(steps)


def _trace_of(plan: Plan, clock: Clock, *, units: tuple[str, ...], clock_hz: float) -> Trace:
    """The records, built once every task's times are known: for each task, the latest end
    (and its task, the later one among equals) of its dependencies of each reason, then the
    first of data, space, serial, unit and issue whose time is the task's start names what it
    waited for."""
    assert all(clock.timed), "tasks never ran (dependency cycle?)"
    events = []
    for task in plan.tasks:
        i, now = task.id, clock.start[task.id]
        latest: dict[str, tuple[int, int]] = {"data": (0, -1), "space": (0, -1), "serial": (0, -1)}
        for dep, reason in zip(task.deps, task.reasons or ("data",) * len(task.deps), strict=True):
            if clock.end[dep] >= latest[reason][0]:
                latest[reason] = (clock.end[dep], dep)
        met = [(reason, *latest[reason]) for reason in ("data", "space", "serial")]
        met += [("unit", clock.unit_free[i], clock.freed_by[i]),
                ("issue", clock.issued[i], clock.issued_after[i])]  # fmt: skip
        waited, cause = next(((r, on) for r, time, on in met if on >= 0 and time == now),
                             ("none", -1))  # fmt: skip
        events.append(Event(
            task=i, resource=clock.unit[i], unit_kind=task.unit_kind, kind=task.kind,
            layer=task.layer, tile=task.tile, buffer=task.buffer, nbytes=task.nbytes,
            issued=clock.issued[i], deps_done=max(latest["data"][0], latest["serial"][0]),
            space_free=latest["space"][0], unit_free=clock.unit_free[i],
            freed_by=clock.freed_by[i], waited=cast("Waited", waited), waited_on=cause,
            start=now, end=clock.end[i],
        ))  # fmt: skip
    return Trace(
        events=tuple(events), units=units, sram=occupancy_by_sorting(plan, tuple(events)),
        clock_hz=clock_hz, end=max(clock.end, default=0),
    )  # fmt: skip


class Clock:
    """The old engine's bookkeeping, by task id: when each task started and ended, on which
    unit, what it waited for, and whether its times are fixed yet (`timed`); a SimPy event
    for the dispatchers waiting on a task (`wait_for`). Nothing of the engine's own: it
    stays the oracle whatever the engine does."""

    def __init__(self, env: simpy.Environment, count: int) -> None:
        self.env = env
        self.start = [0] * count
        self.end = [0] * count
        self.waiting: dict[int, simpy.Event] = {}
        self.issued = [0] * count  # when its kind's dispatcher reached it ...
        self.issued_after = [-1] * count  # ... having issued this task before it
        self.unit_free = [0] * count  # when its unit could take it ...
        self.freed_by = [-1] * count  # ... as this task ended (-1: the unit had room)
        self.unit = [""] * count
        self.timed = [False] * count


    def wait_for(self, task: int) -> simpy.Event:
        event = self.waiting.get(task)
        if event is None:
            event = self.waiting[task] = self.env.event()
        return event


def _finish(clock: Clock, task: int) -> None:
    clock.end[task] = int(clock.env.now)
    clock.timed[task] = True
    event = clock.waiting.pop(task, None)
    if event is not None:
        event.succeed()


def _dispatch(
    env: simpy.Environment, names: list[str], models: list[TimingModel], queue: list[Task],
    clock: Clock,
) -> Generator[simpy.Event, object, None]:  # fmt: skip
    in_flight: list[deque[tuple[int, int]]] = [deque(maxlen=m.depth) for m in models]
    free_at = [(0, -1)] * len(names)
    before = (0, -1)
    for task in queue:
        for dep in task.deps:
            if not clock.timed[dep]:  # here: finished in simulated time
                yield clock.wait_for(dep)
        now = int(env.now)
        slot = min(range(len(names)), key=lambda s: free_at[s][0]) if len(names) > 1 else 0
        free = free_at[slot]
        if free[0] > now:
            yield env.timeout(free[0] - now)
            now = free[0]
        clock.issued[task.id], clock.issued_after[task.id] = before
        clock.unit_free[task.id], clock.freed_by[task.id] = free
        clock.start[task.id] = now
        clock.unit[task.id] = names[slot]
        before = (now, task.id)
        cycles = models[slot].run(task.work, now)
        if cycles:
            ends = in_flight[slot]
            ends.append((now + cycles, task.id))
            if len(ends) == ends.maxlen:
                free_at[slot] = ends[0]
            env.timeout(cycles).callbacks.append(lambda _, t=task.id: _finish(clock, t))
        else:
            _finish(clock, task.id)
