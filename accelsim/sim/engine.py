"""Run a Plan as a SimPy simulation: one in-order worker per unit, tasks wait on their deps.

The bus, the matrix engine and the vector unit are `simpy.Resource`s of capacity one. Each has
a server process that takes its tasks in plan order, waits for the tasks it depends on, then
holds the resource for the task's cycles. Time is integer cycles. SRAM occupancy is derived
from the plan's allocations and the task times (a range is in use from the start of the task
that fills it to the end of the last task that releases it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accelsim.plan import RESOURCES
from accelsim.sim.trace import Event, Trace

if TYPE_CHECKING:
    from collections.abc import Generator

    import simpy

    from accelsim.plan import Plan, Task


def simulate(plan: Plan, *, clock_hz: float) -> Trace:
    """Simulate `plan` to completion and return every event it produced."""
    import simpy

    env = simpy.Environment()
    clock = _Clock(env, len(plan.tasks))
    for resource in RESOURCES:
        queue = [t for t in plan.tasks if t.resource == resource]
        if queue:
            env.process(_serve(env, simpy.Resource(env, capacity=1), queue, clock))
    env.run()
    unfinished = [t.id for t in plan.tasks if not clock.finished[t.id]]
    assert not unfinished, f"tasks never ran (dependency cycle?): {unfinished[:5]}"
    ready, start, end = clock.ready, clock.start, clock.end
    events = tuple(
        Event(
            t.id, t.resource, t.kind, t.layer, t.tile, t.buffer, t.nbytes,
            ready[t.id], start[t.id], end[t.id], _last_to_end(t.deps, end),
        )
        for t in plan.tasks
    )  # fmt: skip
    return Trace(events=events, sram=_occupancy(plan, start, end), clock_hz=clock_hz)


def _last_to_end(deps: tuple[int, ...], end: list[int]) -> int:
    """The dependency that ended last (the one the task really waited for), -1 if none."""
    if not deps:
        return -1
    if len(deps) == 1:
        return deps[0]
    return max(deps, key=end.__getitem__)


class _Clock:
    """When each task became ready, started and ended, and who waits for whom.

    A task's completion triggers a SimPy event only if some worker is waiting for it, so a run
    costs about one event per task instead of several.
    """

    def __init__(self, env: simpy.Environment, count: int) -> None:
        self.env = env
        self.ready = [0] * count
        self.start = [0] * count
        self.end = [0] * count
        self.finished = [False] * count
        self.waiting: dict[int, simpy.Event] = {}

    def wait_for(self, task: int) -> simpy.Event:
        event = self.waiting.get(task)
        if event is None:
            event = self.waiting[task] = self.env.event()
        return event

    def finish(self, task: int) -> None:
        self.end[task] = int(self.env.now)
        self.finished[task] = True
        event = self.waiting.pop(task, None)
        if event is not None:
            event.succeed()


def _serve(
    env: simpy.Environment, unit: simpy.Resource, queue: list[Task], clock: _Clock
) -> Generator[simpy.Event, object, None]:
    """The unit's server: tasks in plan order, each after its dependencies.

    The unit (a capacity-one `simpy.Resource`) is held for each busy period and released
    while the server waits for a dependency, so its `users` show exactly when it is busy.
    """
    held: simpy.resources.resource.Request | None = None
    finished, ready, start = clock.finished, clock.ready, clock.start
    timeout = env.timeout
    for task in queue:
        for dep in task.deps:
            if not finished[dep]:
                if held is not None:
                    unit.release(held)
                    held = None
                yield clock.wait_for(dep)
        now = int(env.now)
        ready[task.id] = now
        if held is None:
            held = unit.request()
            yield held
            now = int(env.now)
        start[task.id] = now
        if task.cycles:
            yield timeout(task.cycles)
        clock.finish(task.id)
    if held is not None:
        unit.release(held)


def _occupancy(plan: Plan, start: list[int], end: list[int]) -> tuple[tuple[int, int], ...]:
    """SRAM bytes in use as (cycle, bytes) change points; frees at a cycle apply before takes."""
    last = max(end, default=0)
    changes: list[tuple[int, int, int]] = []
    append = changes.append
    for allocation in plan.allocations:
        release = allocation.release
        if not release:
            freed = last
        elif len(release) == 2:
            freed = max(end[release[0]], end[release[1]])
        else:
            freed = max(end[t] for t in release)
        append((start[allocation.first], 1, allocation.size))
        append((freed, 0, -allocation.size))
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
