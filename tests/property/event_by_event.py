"""The engine as it was before it timed runs of tasks in one step: one SimPy event per task.

Kept only as the oracle of `test_engine_equal.py`. Each dispatcher waits in simulated time
for every dependency to end (a SimPy event per finishing task) and for its unit to free (a
timeout), and times the task at SimPy's clock.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from accelsim.sim.engine import Clock, trace_of

if TYPE_CHECKING:
    from collections.abc import Generator, Mapping

    import simpy

    from accelsim.plan import Plan, Task
    from accelsim.sim.trace import Trace
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
    return trace_of(plan, clock, units=tuple(units), clock_hz=clock_hz)


def occupancy_by_sorting(plan: Plan, trace: Trace) -> tuple[tuple[int, int], ...]:
    """SRAM in use as the engine worked it out before its columns: every take and free as a
    (cycle, frees first, bytes) tuple, sorted, summed one by one; one point per cycle."""
    end = max((e.end for e in trace.events), default=0)
    changes = []
    for allocation in plan.allocations:
        freed = max((trace.events[t].end for t in allocation.release), default=end)
        changes.append((trace.events[allocation.first].start, 1, allocation.size))
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
