"""`accelsim.check` against the reference judge (`reference.py`): on real runs, and on each run
changed in one field (a cycle, a unit, a byte, an address, a dependency), both must name the
same rules. Most changes break one; some break none (a task with slack moved by a cycle), and
there too the two must agree."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from accelsim.check import plan_violations
from accelsim.sim.engine import simulate
from accelsim.timing.models import build_units
from accelsim.work import Transfer
from tests.judge import corpus, reference

RUNS = 200


def _small():
    """The runs of at most 100 events (each is changed in a hundred ways, judged twice)."""
    return [(r, hw) for r, hw in corpus.runs(RUNS) if len(r.trace.events) <= 100]


def _verdicts(program, plan, trace, hw):
    said = plan_violations(program, plan, trace, hw)
    return reference.rules_of(said), reference.judge(program, plan, trace, hw), said


def _with(items, index, item) -> tuple:
    """`items` with the one at `index` replaced by `item`."""
    items = list(items)
    return (*items[:index], item, *items[index + 1 :])


def test_both_judges_find_every_random_run_sound():
    for result, hw in corpus.runs(RUNS):
        check, ours, said = _verdicts(result.program, result.plan, result.trace, hw)
        assert check == ours, (result.program.name, said)
        assert said == [], result.program.name


def _event_changes(events, hw, rng):
    """Single-field changes of a few events: a cycle, a unit, a byte, its kind."""
    names = {kind: [n for n, u in hw.units.items() if u.kind == kind]
             for kind in ("dma", "matrix", "vector")}  # fmt: skip
    swap = {"load": "reload", "reload": "load", "store": "spill", "spill": "store"}
    for index in rng.sample(range(len(events)), min(3, len(events))):
        e = events[index]
        options = [
            ("start-1", e._replace(start=e.start - 1)),
            ("start+1", e._replace(start=e.start + 1)),
            ("end-1", e._replace(end=e.end - 1)),
            ("end+1", e._replace(end=e.end + 1)),
            ("earlier", e._replace(start=e.start - 1, end=e.end - 1)),
            ("later", e._replace(start=e.start + 1, end=e.end + 1)),
        ]
        others = [n for n in names[e.unit_kind] if n != e.resource]
        if others:
            options.append(("other unit", e._replace(resource=rng.choice(others))))
        kind = "vector" if e.unit_kind == "matrix" else "matrix"
        if e.kind == "compute" and names[kind]:
            options.append(("other kind", e._replace(resource=names[kind][0], unit_kind=kind)))
        if e.kind != "compute":
            options += [("byte-1", e._replace(nbytes=e.nbytes - 1)),
                        ("byte+1", e._replace(nbytes=e.nbytes + 1)),
                        ("kind", e._replace(kind=swap[e.kind]))]  # fmt: skip
        for what, changed in options:
            if 0 <= changed.start <= changed.end and changed.nbytes >= 0:
                yield f"event {index} {what}", _with(events, index, changed)


def _boundary_moves(plan, events, rng):
    """A task moved whole to start one cycle before, or just as, a task it depends on ends: a
    reader and its fill, a load and each store of it, a fill and the range's last reader."""
    tasks = [t for t in plan.tasks if t.deps]
    for task in rng.sample(tasks, min(4, len(tasks))):
        e = events[task.id]
        for dep in task.deps:
            for start in (events[dep].end - 1, events[dep].end):
                if 0 <= start != e.start:
                    moved = e._replace(start=start, end=start + e.end - e.start)
                    yield f"task {task.id} at {start} (after {dep})", _with(events, task.id, moved)


def _squeezed_transfers(events, rng):
    """Transfers a cycle shorter, one at a time (DDR shared by several in flight)."""
    moves = [e for e in events if e.nbytes > 0 and e.end - e.start > 1]
    for e in rng.sample(moves, min(5, len(moves))):
        yield f"event {e.task} squeezed", _with(events, e.task, e._replace(end=e.end - 1))


def _plan_changes(plan, rng):
    """Single-field changes of SRAM ranges, DDR homes and transfer addresses."""
    ranges = plan.allocations
    for index in rng.sample(range(len(ranges)), min(3, len(ranges))):
        a = ranges[index]
        for field, step in (("offset", -1), ("offset", 1), ("size", -1), ("size", 1),
                            ("first", -1), ("first", 1)):  # fmt: skip
            changed = a._replace(**{field: getattr(a, field) + step})
            if changed.size >= 0:
                yield (
                    f"range {index} {field}{step:+}",
                    replace(plan, allocations=_with(ranges, index, changed)),
                )
    homes = plan.ddr
    for index in rng.sample(range(len(homes)), min(3, len(homes))):
        h = homes[index]
        for field, step in (("address", -1), ("address", 1), ("size", 1)):
            changed = replace(h, **{field: getattr(h, field) + step})
            yield f"home {index} {field}{step:+}", replace(plan, ddr=_with(homes, index, changed))
        other = rng.choice(homes)  # two homes in the same bytes
        yield (
            f"home {index} at {other.buffer}'s",
            replace(plan, ddr=_with(homes, index, replace(h, address=other.address))),
        )
    moves = [t for t in plan.tasks if isinstance(t.work, Transfer) and t.work.nbytes > 0]
    for task in rng.sample(moves, min(3, len(moves))):
        for step in (-1, 1):
            work = replace(task.work, address=task.work.address + step)
            yield (
                f"task {task.id} address{step:+}",
                replace(plan, tasks=_with(plan.tasks, task.id, task._replace(work=work))),
            )


def _targeted(program, plan, events, hw):
    """Changes aimed at each rule's edge: a load of an activation moved to end-of-each-drain
    minus one (stores on several channels end out of order); ranges at the top of SRAM; an
    activation's DDR home moved onto an input's, weight's or output's (held all run)."""
    for e in events:
        if e.kind in ("load", "reload") and program.buffers[e.buffer].kind == "activation":
            drains = [
                d for d in events[: e.task] if d.kind in ("store", "spill") and d.buffer == e.buffer
            ]
            for d in drains:
                if d.end >= 1:
                    moved = e._replace(start=d.end - 1, end=d.end - 1 + e.end - e.start)
                    yield f"event {e.task} at {d.end - 1} (store {d.task})", plan, moved
            if len(drains) > 1:  # not the last store is the one still running
                longer = drains[0]._replace(end=max(drains[0].end, e.start + 1))
                yield f"store {longer.task} until {longer.end}", plan, longer
    ranges = plan.allocations
    for index in range(0, len(ranges), max(1, len(ranges) // 3)):
        a = ranges[index]
        for top in (hw.sram.capacity - a.size, hw.sram.capacity - a.size + 1):
            changed = replace(plan, allocations=_with(ranges, index, a._replace(offset=top)))
            yield f"range {index} at {top}", changed, None
    homes = plan.ddr
    held = [h for h in homes if h.kind in ("input", "output")]
    for index, h in enumerate(homes):
        if h.kind == "activation":
            for other in (o for o in held if o.size >= h.size):  # onto its bytes alone
                shift, tasks = other.address - h.address, list(plan.tasks)
                for task in tasks:  # the buffer's transfers move with its home
                    if task.buffer == h.buffer and isinstance(task.work, Transfer):
                        work = replace(task.work, address=task.work.address + shift)
                        tasks[task.id] = task._replace(work=work)
                moved = replace(h, address=other.address)
                changed = replace(plan, ddr=_with(homes, index, moved), tasks=tuple(tasks))
                yield f"home of {h.buffer} at {other.buffer}'s", changed, None


def _dropped_dependencies(plan, hw, rng):
    """The plan with one task's dependency dropped, run again: (what, plan, trace)."""
    waiting = [t for t in plan.tasks if t.deps]
    for task in rng.sample(waiting, min(2, len(waiting))):
        drop = rng.randrange(len(task.deps))
        less = task._replace(deps=task.deps[:drop] + task.deps[drop + 1:],
                             reasons=task.reasons[:drop] + task.reasons[drop + 1:])  # fmt: skip
        changed = replace(plan, tasks=_with(plan.tasks, task.id, less))
        trace = simulate(changed, units=build_units(hw), clock_hz=hw.clock)
        yield f"task {task.id} without {task.deps[drop]}", changed, trace


def _cases(result, hw, rng):
    plan, trace = result.plan, result.trace
    events = trace.events
    for what, changed in (*_event_changes(events, hw, rng), *_boundary_moves(plan, events, rng),
                          *_squeezed_transfers(events, rng)):  # fmt: skip
        yield what, plan, replace(trace, events=changed)
    for what, changed_plan in _plan_changes(plan, rng):
        yield what, changed_plan, trace
    yield from _dropped_dependencies(plan, hw, rng)
    for what, changed_plan, moved in _targeted(result.program, plan, events, hw):
        changed_events = events if moved is None else _with(events, moved.task, moved)
        yield what, changed_plan, replace(trace, events=changed_events)
    sram = trace.sram
    for index in rng.sample(range(len(sram)), min(3, len(sram))):
        at, used = sram[index]
        yield f"sram {index} -1 B", plan, replace(trace, sram=_with(sram, index, (at, used - 1)))


@pytest.mark.parametrize("part", range(4))
def test_both_judges_name_the_same_rules_for_each_run_changed_in_one_field(part):
    rng = random.Random(part)
    disagree, broken, cases = [], 0, 0
    for result, hw in _small()[part::4]:
        for what, plan, trace in _cases(result, hw, rng):
            check, ours, said = _verdicts(result.program, plan, trace, hw)
            cases, broken = cases + 1, broken + bool(ours)
            if check != ours:
                disagree.append((result.program.name, what, sorted(check), sorted(ours), said[:2]))
    assert disagree == []
    assert broken > cases // 2  # most changes break a rule: the sets compared are not empty
