"""Run a Plan as a SimPy simulation: one in-order worker per unit, tasks wait on their deps.

The bus, the matrix engine and the vector unit are `simpy.Resource`s of capacity one. Each has
a worker process that takes its tasks in plan order, waits for the tasks it depends on, then
holds the resource for the task's cycles. Time is integer cycles. SRAM occupancy is derived
from the plan's allocations and the task times (a range is in use from the start of the task
that fills it to the end of the last task that releases it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accelsim.memory.plan import RESOURCES
from accelsim.sim.trace import Event, Trace

if TYPE_CHECKING:
    from collections.abc import Generator

    import simpy

    from accelsim.memory.plan import Plan, Task


def simulate(plan: Plan, *, clock_hz: float) -> Trace:
    """Simulate `plan` to completion and return every event it produced."""
    import simpy

    env = simpy.Environment()
    count = len(plan.tasks)
    done = [env.event() for _ in range(count)]
    ready = [0] * count
    start = [0] * count
    end = [0] * count
    for resource in RESOURCES:
        queue = [t for t in plan.tasks if t.resource == resource]
        if queue:
            unit = simpy.Resource(env, capacity=1)
            env.process(_worker(env, unit, queue, done, ready, start, end))
    env.run()
    unfinished = [t.id for t in plan.tasks if not done[t.id].processed]
    assert not unfinished, f"tasks never ran (dependency cycle?): {unfinished[:5]}"
    events = tuple(
        Event(
            task=t.id,
            resource=t.resource,
            kind=t.kind,
            layer=t.layer,
            tile=t.tile,
            buffer=t.buffer,
            nbytes=t.nbytes,
            ready=ready[t.id],
            start=start[t.id],
            end=end[t.id],
            waited_on=max(t.deps, key=end.__getitem__) if t.deps else -1,
        )
        for t in plan.tasks
    )
    return Trace(events=events, sram=_occupancy(plan, start, end), clock_hz=clock_hz)


def _worker(
    env: simpy.Environment,
    unit: simpy.Resource,
    queue: list[Task],
    done: list[simpy.Event],
    ready: list[int],
    start: list[int],
    end: list[int],
) -> Generator[simpy.Event, object, None]:
    for task in queue:
        for dep in task.deps:
            if not done[dep].processed:
                yield done[dep]
        ready[task.id] = int(env.now)
        with unit.request() as request:
            yield request
            start[task.id] = int(env.now)
            yield env.timeout(task.cycles)
        end[task.id] = int(env.now)
        done[task.id].succeed()


def _occupancy(plan: Plan, start: list[int], end: list[int]) -> tuple[tuple[int, int], ...]:
    """SRAM bytes in use as (cycle, bytes) change points; frees at a cycle apply before takes."""
    last = max(end, default=0)
    changes: list[tuple[int, int, int]] = []
    for allocation in plan.allocations:
        taken = start[allocation.first]
        freed = max((end[t] for t in allocation.release), default=last)
        changes.append((taken, 1, allocation.size))
        changes.append((freed, 0, -allocation.size))
    changes.sort()
    steps: list[tuple[int, int]] = [(0, 0)]
    used = 0
    for time, _, delta in changes:
        used += delta
        if steps[-1][0] == time:
            steps[-1] = (time, used)
        else:
            steps.append((time, used))
    return tuple(steps)
