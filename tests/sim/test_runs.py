"""Runs of identical tiles timed whole, by hand: the tiles after the state repeats are written
in bulk (`accelsim.sim.runs`), and every start, end and cause is the one worked out here.

Toy machine: 1 GHz, a 1 GB/s bus (a byte a cycle), DDR at 100 GB/s (never the bottleneck),
the matrix engine 50 MACs a cycle, the vector unit an op a cycle.
"""

from __future__ import annotations

from array import array

import pytest

import accelsim.sim.engine as engine
import accelsim.sim.runs as runs
from accelsim.hardware_file import with_overrides
from accelsim.plan import Plan, Tasks
from accelsim.sim.engine import simulate
from accelsim.timing.models import build_units
from accelsim.work import Gemm, Transfer, Vector
from tests.property.runs_by_hand import with_index
from tests.sim.toy import toy_machine


@pytest.fixture(autouse=True)
def _every_run(monkeypatch):
    """Every run timed whole, however short or small the plan (the engine leaves short ones
    and small plans to the kinds' dispatchers for speed alone): small plans then exercise the
    fast path."""
    monkeypatch.setattr(runs, "FEWEST", 0)
    monkeypatch.setattr(engine, "RUNS_FROM", 0)


def _plan(tasks: list[tuple], run: tuple[int, int, int]) -> Plan:
    """Tasks as (unit kind, work, deps) all for data, or (unit kind, work, deps, reasons), with
    one run (first, width, count)."""
    columns = Tasks()
    for number, (unit_kind, work, deps, *reasons) in enumerate(tasks):
        columns.add(unit_kind, "load" if unit_kind == "dma" else "compute", 0, number, "", work,
                    deps, reasons[0] if reasons else ())  # fmt: skip
    first, width, count = run
    indexed = with_index(columns, array("q", [first]), array("q", [width]), array("q", [count]))
    return Plan(policy="hand", capacity=1, tasks=indexed, allocations=(), tiles=(1,))


def _run(plan: Plan, hw, monkeypatch) -> tuple[list, list[int]]:
    """The trace's events, and the tasks at which a run's later tiles were written in bulk."""
    bulk: list[int] = []
    repeats = runs.Block._repeats

    def counted(block, base, period):
        wrote = repeats(block, base, period)
        if wrote:
            bulk.append(base + block.width)
        return wrote

    monkeypatch.setattr(runs.Block, "_repeats", counted)
    trace = simulate(plan, units=build_units(hw), clock_hz=hw.clock)
    return list(trace.events), bulk


def test_a_queued_channel_run_moves_the_channel_and_ddr_on_for_the_next_transfer(monkeypatch):
    # 8 transfers of 100 B (a run of width 1), 10 ns start-up, queue 2 deep, then a 9th.
    # 0: request at 10, data to 110. 1: starts at 0 (room), its data waits for 0's: to 210.
    # k >= 2 starts as k - 2 ends, its data follows k - 1's: [110 + 100(k-2), 310 + 100(k-2)).
    # The 9th starts as task 6 ends (710) and its data follows task 7's (810): to 910, only
    # if the run moved the channel's data path on past the tiles written in bulk.
    hw = with_overrides(toy_machine(latency_ns=10), {"bus.depth": "2"})
    transfer = Transfer(nbytes=100, direction="in")
    plan = _plan([("dma", transfer, ())] * 9, (0, 1, 8))
    events, bulk = _run(plan, hw, monkeypatch)
    starts = [0, 0] + [110 + 100 * k for k in range(7)]
    ends = [110, 210] + [310 + 100 * k for k in range(7)]
    assert [(e.start, e.end) for e in events] == list(zip(starts, ends, strict=True))
    assert [(e.waited, e.waited_on) for e in events[2:]] == [("unit", k) for k in range(7)]
    assert bulk == [4]  # the state before tile 3 repeats after it: tiles 4-7 written


def test_a_fixed_dependency_ending_as_a_tile_starts_is_not_copied_as_its_cause(monkeypatch):
    # 0: the vector unit, 50 ops: [0, 50). 1: 10 B on the bus: [0, 10). Run from 2, width 1,
    # 6 tiles of 10 B each after task 0 (the same task for every tile).
    # Tile 0 starts at 50 waiting on task 0's data; tile k >= 1 at 50 + 10k, on its unit.
    # The state before tile 0 and after it are the same relative to the bus's last issue,
    # but tile 0 alone waited on task 0: it is no template; tile 1 is.
    hw = toy_machine()
    transfer = Transfer(nbytes=10, direction="in")
    tasks = [("vector", Vector(ops=50, elements=50), ()), ("dma", transfer, ())]
    plan = _plan(tasks + [("dma", transfer, (0,))] * 6, (2, 1, 6))
    events, bulk = _run(plan, hw, monkeypatch)
    assert [(e.start, e.end) for e in events[2:]] == [(50 + 10 * k, 60 + 10 * k) for k in range(6)]
    assert [(e.waited, e.waited_on, e.deps_done) for e in events[2:]] == [("data", 0, 50)] + [
        ("unit", 2 + k, 50) for k in range(5)
    ]
    assert bulk == [4]


@pytest.mark.parametrize("reason", ["data", "space"])
def test_a_fixed_dependency_a_tiles_own_overtakes_is_not_copied(monkeypatch, reason):
    # 0: the matrix engine, 5,000 MACs: [0, 100). 1: 200 B on the bus: [0, 200).
    # Run from 2, width 2, 12 tiles: a 10-op vector task [10k, 10k + 10), then 10 B on the bus
    # after it and after task 0, both for `reason` (its data, or the SRAM space it fills). The
    # bus lags: tile k's transfer [200 + 10k, 210 + 10k), what it waits for done at
    # max(100, 10k + 10): task 0 until tile 9, its own vector task from tile 10 on. The state
    # repeats from tile 1, but task 0 would be copied as the one done last.
    hw = toy_machine()
    vector, transfer = Vector(ops=10, elements=10), Transfer(nbytes=10, direction="in")
    tasks = [("matrix", Gemm(m=100, k=50, n=1, groups=1, macs=5000), ()),
             ("dma", Transfer(nbytes=200, direction="in"), ())]  # fmt: skip
    for k in range(12):
        reasons = () if reason == "data" else (reason, reason)  # (none: all for data)
        tasks += [("vector", vector, ()), ("dma", transfer, (0, 2 + 2 * k), reasons)]
    events, bulk = _run(_plan(tasks, (2, 2, 12)), hw, monkeypatch)
    transfers = events[3::2]
    assert [(e.start, e.end) for e in transfers] == [(200 + 10 * k, 210 + 10 * k)
                                                     for k in range(12)]  # fmt: skip
    done = [max(100, 10 * k + 10) for k in range(12)]
    waited = [e.deps_done if reason == "data" else e.space_free for e in transfers]
    assert waited == done
    assert [e.space_free if reason == "data" else e.deps_done for e in transfers] == [0] * 12
    assert [(e.start, e.end) for e in events[2::2]] == [(10 * k, 10 * k + 10) for k in range(12)]
    assert bulk == []  # never a template: task 0 is done after the tile's own until tile 9


def test_a_dependency_three_tiles_back_is_checked_at_every_copy_before_the_template(monkeypatch):
    # 0, 1: the vector unit, 5 then 10 ops: [0, 5), [5, 15). 2: 10 B on the bus: [0, 10).
    # Run from 3, width 1, 8 tiles of 10 B, each after the task three before it.
    # The bus runs back to back: tile k on [10 + 10k, 20 + 10k). Its dependency is done at
    # 5, 15, 10 for tiles 0-2 (tasks 0, 1, 2), then 10k - 10 (tile k - 3). The state after
    # tile 0 repeats the state before it, and tasks 0 -> 1 end 10 apart as tiles do, but
    # 1 -> 2 do not: tile 2 is no copy of tile 0 moved two tiles on.
    hw = toy_machine()
    transfer = Transfer(nbytes=10, direction="in")
    tasks = [("vector", Vector(ops=5, elements=5), ()), ("vector", Vector(ops=10, elements=10), ()),
             ("dma", transfer, ())]  # fmt: skip
    tasks += [("dma", transfer, (task - 3,)) for task in range(3, 11)]
    events, _ = _run(_plan(tasks, (3, 1, 8)), hw, monkeypatch)
    assert [(e.start, e.end) for e in events[3:]] == [(10 + 10 * k, 20 + 10 * k) for k in range(8)]
    assert [e.deps_done for e in events[3:]] == [5, 15, 10] + [10 * k - 10 for k in range(3, 8)]
