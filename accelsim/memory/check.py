"""An independent judge of a plan and its trace, for tests, property tests and debugging.

It re-derives every invariant from the raw allocations and event times rather than trusting the
planner's bookkeeping: ranges inside SRAM, no two live ranges sharing a byte at the same time,
occupancy never above capacity, every task after its dependencies, one task at a time per unit,
and every transfer taking exactly the bus time of its bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accelsim.hardware import Hardware
    from accelsim.memory.plan import Plan
    from accelsim.sim.trace import Trace


def plan_violations(plan: Plan, trace: Trace, hw: Hardware) -> list[str]:
    """Every broken invariant, one line each; an empty list means the plan is sound."""
    problems: list[str] = []
    events = trace.events
    end_of_run = trace.end
    spans = []
    for a in plan.allocations:
        if a.offset < 0 or a.offset + a.size > plan.capacity:
            problems.append(f"{a.buffer}: range [{a.offset}, {a.offset + a.size}) outside SRAM")
        live_from = events[a.first].start
        live_to = max((events[t].end for t in a.release), default=end_of_run)
        spans.append((a.offset, a.offset + a.size, live_from, live_to, a.buffer))
    spans.sort()
    for i, (_lo, hi, t0, t1, name) in enumerate(spans):
        for lo2, _hi2, u0, u1, other in spans[i + 1 :]:
            if lo2 >= hi:
                break
            if t0 < u1 and u0 < t1 and t0 < t1 and u0 < u1:
                problems.append(f"{name} and {other} share SRAM bytes at the same time")
    if trace.sram_peak > plan.capacity:
        problems.append(f"SRAM in use peaks at {trace.sram_peak} B > capacity {plan.capacity} B")
    by_unit: dict[str, list[tuple[int, int]]] = {}
    for task, event in zip(plan.tasks, events, strict=True):
        for dep in task.deps:
            if event.start < events[dep].end:
                problems.append(f"task {task.id} starts before its dependency {dep} ends")
        if task.resource == "bus" and event.end - event.start != hw.transfer_cycles(task.nbytes):
            problems.append(f"task {task.id}: {task.nbytes} B not timed as a bus transfer")
        by_unit.setdefault(task.resource, []).append((event.start, event.end))
    for unit, intervals in by_unit.items():
        intervals.sort()
        for (_, end), (start, _) in zip(intervals, intervals[1:], strict=False):
            if start < end:
                problems.append(f"{unit}: two tasks overlap in time")
                break
    return problems
