"""Run a Plan as a SimPy simulation: per unit kind, tasks issue in plan order to a free unit.

Each kind of unit (dma, matrix, vector) has a dispatcher process that takes the kind's tasks in
plan order, waits for each task's dependencies, then starts it on whichever unit of the kind
can take it first, a unit keeping up to its timing model's `depth` tasks in flight (list
scheduling with in-order issue; with one unit per kind of depth 1 this is an in-order server).
Time is integer cycles. SRAM occupancy is derived from the plan's allocations and the
task times (a range is in use from the start of the task that fills it to the end of the last
task that releases it).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from accelsim.sim.trace import Event, Trace, Waited

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Mapping

    import simpy

    from accelsim.plan import Plan, Task
    from accelsim.timing.models import TimingModel


def simulate(plan: Plan, *, units: Mapping[str, TimingModel], clock_hz: float) -> Trace:
    """Simulate `plan` on `units` (name -> its timing model, in report order); every event."""
    import simpy

    env = simpy.Environment()
    clock = _Clock(env, len(plan.tasks))
    for kind in dict.fromkeys(model.kind for model in units.values()):
        names = [name for name, model in units.items() if model.kind == kind]
        queue = [t for t in plan.tasks if t.unit_kind == kind]
        if queue:
            env.process(_dispatch(env, names, [units[n] for n in names], queue, clock))
    env.run()
    unfinished = [t.id for t in plan.tasks if not clock.finished[t.id]]
    assert not unfinished, f"tasks never ran (dependency cycle?): {unfinished[:5]}"
    start, end, unit = clock.start, clock.end, clock.unit
    events = tuple(
        Event(
            task=t.id, resource=unit[t.id], unit_kind=t.unit_kind, kind=t.kind, layer=t.layer,
            tile=t.tile, buffer=t.buffer, nbytes=t.nbytes, issued=wait.issued,
            deps_done=wait.deps_done, space_free=wait.space_free, unit_free=wait.unit_free,
            freed_by=wait.freed_by, start=start[t.id], end=end[t.id], waited=wait.waited,
            waited_on=wait.waited_on,
        )
        for t, wait in zip(plan.tasks, clock.waits, strict=True)
    )
    return Trace(
        events=events, units=tuple(units), sram=_occupancy(plan, start, end), clock_hz=clock_hz
    )


@dataclass(frozen=True, slots=True)
class _Wait:
    """What stood between a task and its start (the fields of `Event` of the same names)."""

    issued: int
    deps_done: int
    space_free: int
    unit_free: int
    freed_by: int
    waited: Waited
    waited_on: int


_NO_WAIT = _Wait(
    issued=0, deps_done=0, space_free=0, unit_free=0, freed_by=-1, waited="none", waited_on=-1
)


def _wait(task: Task, issued: tuple[int, int], unit_free: tuple[int, int], end: list[int],
          now: int) -> _Wait:  # fmt: skip
    """When each condition of `task` was met, and which one, met last at `now`, set its start.

    `issued` and `unit_free` are (cycle, the task that set it, or -1). Ties go to data, then
    SRAM space, serial order, the unit and in-order issue: the first names the cause to act on.
    """
    done = {"data": (0, -1), "space": (0, -1), "serial": (0, -1)}
    reasons = task.reasons or ("data",) * len(task.deps)
    for dep, reason in zip(task.deps, reasons, strict=True):
        if end[dep] >= done[reason][0]:
            done[reason] = (end[dep], dep)
    waited: Waited = "none"
    waited_on = -1
    causes: tuple[tuple[Waited, tuple[int, int]], ...] = (
        ("data", done["data"]), ("space", done["space"]), ("serial", done["serial"]),
        ("unit", unit_free), ("issue", issued),
    )  # fmt: skip
    for reason, (when, cause) in causes:
        if cause >= 0 and when == now:
            waited, waited_on = reason, cause
            break
    return _Wait(
        issued=issued[0], deps_done=max(done["data"][0], done["serial"][0]),
        space_free=done["space"][0], unit_free=unit_free[0], freed_by=unit_free[1], waited=waited,
        waited_on=waited_on,
    )  # fmt: skip


class _Clock:
    """When each task started and ended, on which unit, what it waited for, and who waits for
    whom.

    A task's completion triggers a SimPy event only if some process is waiting for it, so a run
    costs about one event per task instead of several.
    """

    def __init__(self, env: simpy.Environment, count: int) -> None:
        self.env = env
        self.waits = [_NO_WAIT] * count
        self.start = [0] * count
        self.end = [0] * count
        self.unit = [""] * count
        self.finished = [False] * count
        self.waiting: dict[int, simpy.Event] = {}

    def wait_for(self, task: int) -> simpy.Event:
        event = self.waiting.get(task)
        if event is None:
            event = self.waiting[task] = self.env.event()
        return event

    def finisher(self, task: int) -> Callable[[simpy.Event], None]:
        """A SimPy callback that finishes `task` when its timeout fires."""
        return lambda _: self.finish(task)

    def finish(self, task: int) -> None:
        self.end[task] = int(self.env.now)
        self.finished[task] = True
        event = self.waiting.pop(task, None)
        if event is not None:
            event.succeed()


def _dispatch(
    env: simpy.Environment, names: list[str], models: list[TimingModel], queue: list[Task],
    clock: _Clock,
) -> Generator[simpy.Event, object, None]:  # fmt: skip
    """Issue a kind's tasks in plan order, each after its dependencies, on the first free unit.

    A task starts once its dependencies are done and a unit can take it (fewer than the unit's
    `depth` tasks unfinished), or when the task before it was issued if that is later (in-order
    issue); `_wait` records which came last. Ties between free units go to the one declared
    first. The unit's timing model gives the task's cycles as it starts (DMA channels share the
    run's DDR model through theirs, so a busy DDR lengthens a transfer).
    """
    # The (end cycle, task) of each unit's newest `depth` tasks, oldest first (ends never
    # decrease on one unit): a unit takes a task once the oldest of a full queue has ended.
    in_flight: list[deque[tuple[int, int]]] = [deque(maxlen=m.depth) for m in models]
    finished, waits, start, end = clock.finished, clock.waits, clock.start, clock.end
    unit = clock.unit
    timeout = env.timeout
    issued = (0, -1)  # when the task before was issued, and that task

    def free_at(slot: int) -> tuple[int, int]:
        ends = in_flight[slot]
        return ends[0] if len(ends) == ends.maxlen else (0, -1)

    for task in queue:
        for dep in task.deps:
            if not finished[dep]:
                yield clock.wait_for(dep)
        now = int(env.now)
        slot = min(range(len(names)), key=lambda s: free_at(s)[0]) if len(names) > 1 else 0
        free = free_at(slot)
        if free[0] > now:
            yield timeout(free[0] - now)
            now = free[0]
        waits[task.id] = _wait(task, issued, free, end, now)
        start[task.id] = now
        unit[task.id] = names[slot]
        issued = (now, task.id)
        cycles = models[slot].run(task.work, now)
        if cycles:
            in_flight[slot].append((now + cycles, task.id))
            timeout(cycles).callbacks.append(clock.finisher(task.id))
        else:
            clock.finish(task.id)


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
