"""Runs of tiles timed whole and written in bulk (`sim/runs.py`) against the event-by-event
run (`event_by_event.py`), on plans made to reach the corners of `Block._steps`: a tile's
dependencies that stay (the same task for every tile) beside ones that move with the tile and
meet them (a moving one becomes a staying one a tile on), every reason (data, space, serial),
zero-cycle tasks (nothing moves: period 0, so a staying dependency may be what a task waited
on), and tasks of one tile on several kinds. Every record must be the slow run's."""

from __future__ import annotations

from array import array

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import accelsim.sim.engine as engine
import accelsim.sim.runs as runs
from accelsim.plan import Plan, Tasks
from accelsim.timing.models import build_units
from accelsim.work import Gemm, Transfer, Vector
from tests.property.event_by_event import simulate_slowly
from tests.property.runs_by_hand import with_index
from tests.property.test_engine_equal import _assert_same
from tests.sim.toy import toy_machine

_REASONS = ("data", "space", "serial")


@pytest.fixture(autouse=True)
def _every_run(monkeypatch):
    """Every run timed whole, every trace with columns (as `test_engine_equal.py`)."""
    monkeypatch.setattr(runs, "FEWEST", 0)
    monkeypatch.setattr(engine, "RUNS_FROM", 0)
    monkeypatch.setattr(engine, "COLUMNS_FROM", 0)


def _work(kind: str, size: int, address: int):
    return {
        "dma": Transfer(nbytes=size, direction="in", address=address),
        "matrix": Gemm(m=size, k=1, n=1, groups=1, macs=size * 50),  # 100 FLOP a cycle: size
        "vector": Vector(ops=size, elements=max(1, size)),
    }[kind]


def _plan(lead: list[tuple[str, int, tuple[int, ...], str]],
          tile: list[tuple[str, int, tuple[tuple[int, int], ...], str]], count: int) -> Plan:
    """Tasks `lead` (kind, cycles, dependencies, their reason), then a run of `count` tiles of
    `tile`: per task (kind, cycles, links, reason), each link (back, fixed): the task `back`
    places before it (when that is in the run or the lead-in; `back` 0: none) or else the
    lead-in's task `fixed`. A tile's dependencies are a set: two links may name one task."""
    columns = Tasks()
    for task, (kind, size, deps, reason) in enumerate(lead):
        columns.add(kind, "load" if kind == "dma" else "compute", 0, task, "",
                    _work(kind, size, 64 * task), list(deps), (reason,) * len(deps))  # fmt: skip
    start = len(columns)
    for number in range(count):
        for j, (kind, size, links, reason) in enumerate(tile):
            task = len(columns)
            deps = sorted({task - back if back and task - back >= 0 else fixed
                           for back, fixed in links})
            columns.add(kind, "load" if kind == "dma" else "compute", 0, number, "",
                        _work(kind, size, 4096 * (number + 1) + 64 * j), deps,
                        (reason,) * len(deps))  # fmt: skip
    width = len(tile)
    tasks = with_index(columns, array("q", [start]), array("q", [width]), array("q", [count]))
    return Plan(policy="hand", capacity=1, tasks=tasks, allocations=(), tiles=(1,))


@pytest.mark.parametrize("reason", _REASONS)
@pytest.mark.parametrize("kind", ["dma", "matrix", "vector"])
def test_a_zero_cycle_runs_staying_cause_stays(reason, kind):
    # task 0 (10 cycles, on another kind) then tiles of one empty task on `kind` waiting on task
    # 0 (staying) for `reason`: every tile's task starts at 10, when task 0 ends, and names
    # task 0 as what it waited on, for that reason (period 0: nothing moves, and the cause of
    # each copy is task 0, not the task a tile back)
    other = "vector" if kind == "dma" else "dma"
    plan = _plan([(other, 10, (), "data")], [(kind, 0, ((0, 0),), reason)], 6)
    hw = toy_machine()
    slow = simulate_slowly(plan, units=build_units(hw), clock_hz=hw.clock)
    assert [(e.start, e.waited, e.waited_on) for e in slow.events[1:]] == [(10, reason, 0)] * 6
    _assert_same(plan, hw, 1)


@pytest.mark.parametrize("reason", _REASONS)
def test_a_moving_dependency_that_meets_a_staying_one(reason):
    # lead-in: a load of 3 cycles, a vector task of 40; tile: one load of 5 cycles that waits on
    # the load two tasks back and the vector task 1 (one id): the first tile's two dependencies
    # are 0 and 1, the second's 1 and 1 (they meet: one dependency), the third's 2 and 1 ...
    # until the loads' chain passes task 1's end.
    lead = [("dma", 3, (), "data"), ("vector", 40, (), "data")]
    plan = _plan(lead, [("dma", 5, ((2, 1), (0, 1)), reason)], 12)
    _assert_same(plan, toy_machine(), 2)


_tiles = st.lists(
    st.tuples(
        st.sampled_from(["dma", "matrix", "vector"]),
        st.sampled_from([0, 0, 1, 3, 8, 20]),
        st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3)), max_size=3).map(tuple),
        st.sampled_from(_REASONS),
    ),
    min_size=1, max_size=3,
)  # fmt: skip
_leads = st.lists(
    st.tuples(st.sampled_from(["dma", "matrix", "vector"]), st.sampled_from([0, 2, 10, 60]),
              st.sampled_from(_REASONS)),
    min_size=4, max_size=4,
)  # fmt: skip


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(_leads, _tiles, st.integers(3, 9), st.integers(1, 2), st.integers(1, 2))
def test_runs_whose_dependencies_meet_equal_event_by_event(lead, tile, count, dma, depth):
    # four lead-in tasks, each after the one before; a tile's links reach up to 6 tasks back
    # (into the tiles before, or the lead-in) or name one of the lead-in's four, so moving and
    # staying dependencies often name one task
    tasks = [(kind, size, (task - 1,) if task else (), reason)
             for task, (kind, size, reason) in enumerate(lead)]  # fmt: skip
    plan = _plan(tasks, tile, count)
    hw = toy_machine(dma_units=dma)
    if depth > 1:
        from accelsim.hardware_file import with_overrides

        hw = with_overrides(hw, {"bus.depth": str(depth)})
    _assert_same(plan, hw, 1)


@pytest.mark.parametrize(("tile", "kind"), [(2, "matrix"), (2, "vector"), (3, "matrix"),
                                          (10, "vector"), (11, "matrix"), (11, "vector")])
def test_a_kind_outside_a_run_waiting_on_a_tile_written_in_bulk(tile, kind):
    # a matrix task (4 cycles), then 12 tiles of a matrix task (5 cycles) and a vector task (3
    # cycles) after it, then one load (7 cycles) on the DMA kind, which no task before it uses:
    # its dispatcher (the first kind's) issues it at once and waits for the `kind` task of tile
    # `tile` to be issued, which the run writes in bulk (its tiles repeat from the second on:
    # tile 2's first task is the first one written so). Tile k's matrix task runs [4 + 5k,
    # 9 + 5k), its vector task [9 + 5k, 12 + 5k), and the load runs from that task's end for 7.
    columns = Tasks()
    columns.add("matrix", "compute", 0, 0, "", _work("matrix", 4, 0), [], ())
    for number in range(12):
        first = len(columns)
        columns.add("matrix", "compute", 0, number, "", _work("matrix", 5, 0), [], ())
        columns.add("vector", "compute", 0, number, "", _work("vector", 3, 0), [first],
                    ("data",))  # fmt: skip
    waited = 1 + 2 * tile + (kind == "vector")
    columns.add("dma", "load", 0, 0, "", _work("dma", 7, 0), [waited], ("data",))
    tasks = with_index(columns, array("q", [1]), array("q", [2]), array("q", [12]))
    plan = Plan(policy="hand", capacity=1, tasks=tasks, allocations=(), tiles=(1,))
    hw = toy_machine()
    slow = simulate_slowly(plan, units=build_units(hw), clock_hz=hw.clock)
    start = (9 if kind == "matrix" else 12) + 5 * tile
    assert (slow.events[-1].start, slow.events[-1].end) == (start, start + 7)
    _assert_same(plan, hw, 1)


@pytest.mark.parametrize(("staying", "moving"), [("serial", "data"), ("data", "serial")])
def test_a_staying_dependency_later_than_a_moving_one_of_another_reason(staying, moving):
    # a matrix task of 100 cycles (F), then 12 tiles of a load (3 cycles, free-running on the
    # channel: [3k, 3k + 3)) and a vector task (3 cycles) after that load (moving) and after F
    # (staying), for different reasons (serial and data: deps done is the later of the two).
    # The vector tasks wait for F, then for each other: tile k's runs [100 + 3k, 103 + 3k),
    # and its dependencies are done at max(3k + 3, 100) = 100 for every tile here: the staying
    # F, not the moving load, sets it, so no tile's `deps_done` moves with the tile (a copy of
    # tile 1 moved on would say 103, 106, ...).
    columns = Tasks()
    columns.add("matrix", "compute", 0, 0, "", _work("matrix", 100, 0), [], ())
    for number in range(12):
        load = len(columns)
        columns.add("dma", "load", 0, number, "", _work("dma", 3, 4096 * (number + 1)), [], ())
        columns.add("vector", "compute", 0, number, "", _work("vector", 3, 0), [0, load],
                    (staying, moving))  # fmt: skip
    tasks = with_index(columns, array("q", [1]), array("q", [2]), array("q", [12]))
    plan = Plan(policy="hand", capacity=1, tasks=tasks, allocations=(), tiles=(1,))
    hw = toy_machine()
    slow = simulate_slowly(plan, units=build_units(hw), clock_hz=hw.clock)
    vectors = [e for e in slow.events if e.unit_kind == "vector"]
    assert [(e.start, e.end, e.deps_done) for e in vectors] == [
        (100 + 3 * k, 103 + 3 * k, 100) for k in range(12)
    ]
    _assert_same(plan, hw, 1)
