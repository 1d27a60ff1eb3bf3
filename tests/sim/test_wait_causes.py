"""Which met condition a trace names as a task's wait, on hand-built plans: the dependency
reasons (data, SRAM space, serial order) each on task 0, and the documented tie order
data > space > serial > unit > in-order issue; and where the critical path starts. Times by
hand on the toy machine (1 B and 50 MACs a cycle, no latency)."""

from __future__ import annotations

import pytest

from accelsim.explain.path import critical_path
from accelsim.explain.stalls import layer_breakdowns
from accelsim.explain.walk import Step
from accelsim.plan import Plan, Task
from accelsim.sim.engine import simulate
from accelsim.timing.models import build_units
from accelsim.work import Gemm, Transfer
from tests.sim.toy import toy_machine


def _plan(reasons: tuple[str, ...], deps: tuple[int, ...] = (0, 1)) -> Plan:
    """Task 0: a 500-MAC compute [0, 10); task 1: a 10 B load [0, 10) on the bus; task 2: a
    10 B load after `deps`, with `reasons`; it starts at 10, as the bus frees."""
    tasks = (
        Task(id=0, unit_kind="matrix", kind="compute", layer=0, tile=0, buffer="A",
             work=Gemm(m=1, k=1, n=500, groups=1, macs=500), deps=()),
        Task(id=1, unit_kind="dma", kind="load", layer=0, tile=0, buffer="L",
             work=Transfer(nbytes=10, direction="in"), deps=()),
        Task(id=2, unit_kind="dma", kind="load", layer=0, tile=0, buffer="M",
             work=Transfer(nbytes=10, direction="in"), deps=deps, reasons=reasons),
    )  # fmt: skip
    return Plan(policy="hand", capacity=1, tasks=tasks, allocations=(), tiles=(1,))


def _run(reasons: tuple[str, ...], deps: tuple[int, ...] = (0, 1)):
    hw = toy_machine()
    return simulate(_plan(reasons, deps), units=build_units(hw), clock_hz=hw.clock).events


@pytest.mark.parametrize(
    ("reasons", "deps_done", "space_free", "waited", "on"),
    [
        (("space", "serial"), 10, 10, "space", 0),  # space (task 0) before serial (task 1)
        (("serial", "space"), 10, 10, "space", 1),
        (("serial", "data"), 10, 0, "data", 1),  # data before everything
        (("space", "data"), 10, 10, "data", 1),
        (("serial", "serial"), 10, 0, "serial", 1),  # a tie within one reason: the later dep
        (("space", "space"), 0, 10, "space", 1),
        (("data", "data"), 10, 0, "data", 1),
        (("data", "serial"), 10, 0, "data", 0),
    ],
)
def test_the_cause_named_follows_the_tie_order(reasons, deps_done, space_free, waited, on):
    events = _run(reasons)
    assert [(e.start, e.end) for e in events] == [(0, 10), (0, 10), (10, 20)]
    e = events[2]
    assert (e.deps_done, e.space_free, e.unit_free, e.freed_by) == (deps_done, space_free, 10, 1)
    assert (e.waited, e.waited_on) == (waited, on)
    assert e.issued == 0 and e.ready == 10


def test_two_data_dependencies_ending_together_name_the_later_one():
    # the dispatcher's docstring: `waited_on` is the dependency met last; of two met at the
    # same cycle (10), the later in the task's list (so in plan order) is, here and with
    # reasons given (the parametrised tie above)
    e = simulate(_plan(()), units=build_units(toy_machine()), clock_hz=1e9).events[2]
    assert (e.start, e.deps_done, e.waited, e.waited_on) == (10, 10, "data", 1)


@pytest.mark.parametrize("reason", ["data", "space", "serial"])
def test_a_wait_on_task_zero_alone_is_named(reason):
    # task 2 depends on task 0 only; the bus (task 1) frees at the same cycle, 10: the
    # dependency, met at that cycle too, is named before the unit
    events = _run((reason,), deps=(0,))
    assert (events[2].start, events[2].waited, events[2].waited_on) == (10, reason, 0)


@pytest.mark.parametrize("reason", ["data", "space", "serial"])
def test_a_condition_met_a_cycle_before_the_start_is_not_named(reason):
    # task 0 is a 450-MAC compute, [0, 9); task 2 waits for it (`reason`) but starts at 10,
    # when the bus frees after task 1: the unit was met last, and only it is named
    plan = _plan((reason,), deps=(0,))
    shorter = plan.tasks[0]._replace(work=Gemm(m=1, k=1, n=450, groups=1, macs=450))
    plan = Plan(policy="hand", capacity=1, tasks=(shorter, *plan.tasks[1:]), allocations=(),
                tiles=(1,))  # fmt: skip
    hw = toy_machine()
    e = simulate(plan, units=build_units(hw), clock_hz=hw.clock).events[2]
    assert (e.start, e.waited, e.waited_on, e.unit_free, e.freed_by) == (10, "unit", 1, 10, 1)
    assert (e.deps_done, e.space_free) == ((0, 9) if reason == "space" else (9, 0))


def test_the_critical_path_starts_at_the_later_of_two_tasks_ending_last():
    # only tasks 0 (compute) and 1 (load) of the plan, both ending at 10: the path is the load's
    plan = _plan(("data", "data"))
    plan = Plan(policy="hand", capacity=1, tasks=plan.tasks[:2], allocations=(), tiles=(1,))
    hw = toy_machine()
    events = simulate(plan, units=build_units(hw), clock_hz=hw.clock).events
    assert [(e.start, e.end) for e in events] == [(0, 10), (0, 10)]
    path = critical_path(plan, events, startup=0)
    assert path.steps == (Step(task=1, start=0, end=10, label="bus"),)
    assert tuple(path.slack) == (0, 0)


def test_a_layers_window_ends_with_its_latest_task_even_when_that_is_task_zero():
    # task 0 (compute) [0, 10), task 1 (a 5 B load) [0, 5), one layer: its window is [0, 10),
    # all of it the compute's; with the 10 B load both end at 10: the later task, the load's
    compute, load = _plan(("data", "data")).tasks[:2]
    hw = toy_machine()
    for nbytes, parts in ((5, {"matrix": 10}), (10, {"bus": 10})):
        short = load._replace(work=Transfer(nbytes=nbytes, direction="in"))
        plan = Plan(policy="hand", capacity=1, tasks=(compute, short), allocations=(), tiles=(1,))
        events = simulate(plan, units=build_units(hw), clock_hz=hw.clock).events
        (window,) = layer_breakdowns(events, 1, startup=0)
        assert (window.start, window.end) == (0, 10)
        assert {k: v for k, v in window.parts.items() if v} == parts


def test_sram_in_use_by_hand_with_every_kind_of_release():
    # Tasks [0, 10) compute, [0, 10) load, [10, 20) load (`_plan`). Ranges: A 5 B taken by
    # task 0, freed when task 1 ends (10); L 10 B taken by task 1, freed when both 0 and 2
    # have ended (20); M 7 B taken by task 2, freed as it ends; N 3 B taken by task 2, never
    # released (held to the end of the run, 20). At 10 A's 5 B go and M and N's 10 B come.
    from accelsim.plan import Allocation

    ranges = (
        Allocation(buffer="A", layer=0, offset=0, size=5, first=0, release=(1,)),
        Allocation(buffer="L", layer=0, offset=5, size=10, first=1, release=(0, 2)),
        Allocation(buffer="M", layer=0, offset=15, size=7, first=2, release=(2,)),
        Allocation(buffer="N", layer=0, offset=22, size=3, first=2, release=()),
    )
    plan = Plan(policy="hand", capacity=25, tasks=_plan(("data", "data")).tasks,
                allocations=ranges, tiles=(1,))  # fmt: skip
    hw = toy_machine()
    trace = simulate(plan, units=build_units(hw), clock_hz=hw.clock)
    assert tuple(trace.sram) == ((0, 15), (10, 20), (20, 0))
    assert trace.sram_peak == 20
    # a layer window of [0, 10] sees both values in force then; [11, 19] only the second
    assert trace.sram_peaks([(0, 10), (11, 19), (20, 20)]) == [20, 20, 0]


def test_in_order_issue_limits_the_slack_of_what_the_earlier_task_waits_for():
    # Two channels. Task 0 computes [0, 10); task 1 loads 10 B after it, [10, 20) on dma0;
    # task 2 loads 50 B with no dependency but is issued after task 1, so at 10, [10, 60) on
    # dma1, and ends the run. Task 2 must start by 10, so task 1 must start by 10 (in-order
    # issue), so task 0 must end by 10: no slack, though task 1 itself has 40 (60 - 20).
    compute, load = _plan(("data", "data")).tasks[:2]
    tasks = (
        compute,
        load._replace(deps=(0,)),
        load._replace(id=2, buffer="M", work=Transfer(nbytes=50, direction="in")),
    )
    plan = Plan(policy="hand", capacity=1, tasks=tasks, allocations=(), tiles=(1,))
    hw = toy_machine(dma_units=2)
    events = simulate(plan, units=build_units(hw), clock_hz=hw.clock).events
    spans = [(e.resource, e.start, e.end, e.waited, e.waited_on) for e in events]
    assert spans == [("matrix", 0, 10, "none", -1), ("dma0", 10, 20, "data", 0),
                     ("dma1", 10, 60, "issue", 1)]  # fmt: skip
    assert tuple(critical_path(plan, events, startup=0).slack) == (0, 40, 0)


def test_a_task_of_no_cycles_does_not_hold_its_unit():
    # on the vector unit (1 op a cycle): task 0, 10 ops [0, 10); task 1, no ops, at 10; task 2,
    # 5 ops, waits for the unit task 0 held (task 1 took none of it): [10, 15)
    from accelsim.work import Vector

    def vector(task: int, ops: int) -> Task:
        return Task(id=task, unit_kind="vector", kind="compute", layer=0, tile=0, buffer="",
                    work=Vector(ops=ops, elements=max(ops, 1)), deps=())  # fmt: skip

    plan = Plan(policy="hand", capacity=1, tasks=(vector(0, 10), vector(1, 0), vector(2, 5)),
                allocations=(), tiles=(1,))  # fmt: skip
    hw = toy_machine()
    events = simulate(plan, units=build_units(hw), clock_hz=hw.clock).events
    assert [(e.start, e.end) for e in events] == [(0, 10), (10, 10), (10, 15)]
    assert (events[2].unit_free, events[2].freed_by, events[2].waited_on) == (10, 0, 0)
