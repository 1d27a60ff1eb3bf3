"""The engine times runs of tasks in one process step; every record must equal the
event-by-event SimPy run's (`event_by_event.py`), and so must what `explain` reads off them."""

from __future__ import annotations

from array import array
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import accelsim.sim.engine as engine
import accelsim.sim.runs as runs
from accelsim.api import simulate_graph
from accelsim.errors import PlanError
from accelsim.explain.path import critical_path, path_steps
from accelsim.explain.stalls import layer_breakdowns
from accelsim.hardware_file import load_hardware, with_overrides
from accelsim.plan import Plan, Task, Tasks
from accelsim.sim.engine import simulate
from accelsim.sim.trace import WAITED
from accelsim.timing.models import build_units, channel_latency
from accelsim.work import Gemm, Transfer, Vector
from accelsim.workload import import_onnx
from tests.property import summary_by_records as by_records
from tests.property.event_by_event import simulate_slowly
from tests.property.runs_by_hand import index_runs, with_index
from tests.property.test_invariants import chains
from tests.sim.toy import toy_machine

ROOT = Path(__file__).resolve().parents[2]
@pytest.fixture(autouse=True)
def _every_run(monkeypatch):
    """Every run timed whole and every trace with columns, however short or small the plan
    (the engine leaves short runs and small plans to the kinds' dispatchers, and small traces
    without columns, for speed alone): small plans then exercise the fast path (`_assert_same`
    the others)."""
    monkeypatch.setattr(runs, "FEWEST", 0)
    monkeypatch.setattr(engine, "RUNS_FROM", 0)
    monkeypatch.setattr(engine, "COLUMNS_FROM", 0)


SETTINGS = settings(
    max_examples=120, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip


def _both(plan, hw):
    fast = simulate(plan, units=build_units(hw), clock_hz=hw.clock)
    slow = simulate_slowly(plan, units=build_units(hw), clock_hz=hw.clock)
    return fast, slow


def _as_small(plan, hw, *, columns=False):
    """`plan` simulated as a small one: no runs of tiles (`engine.RUNS_FROM`), no columns
    unless `columns` (`engine.COLUMNS_FROM`)."""
    kept = engine.RUNS_FROM, engine.COLUMNS_FROM
    engine.RUNS_FROM = len(plan.tasks) + 1
    engine.COLUMNS_FROM = 0 if columns else len(plan.tasks) + 1
    try:
        return simulate(plan, units=build_units(hw), clock_hz=hw.clock)
    finally:
        engine.RUNS_FROM, engine.COLUMNS_FROM = kept


def _assert_columns(trace, slow):
    """`trace`'s columns hold the event-by-event run's fields, as int64 columns."""
    columns = trace.columns
    assert [columns.start.tolist(), columns.end.tolist(), columns.waited_on.tolist(),
            columns.freed_by.tolist()] == [[e.start for e in slow.events],
                                           [e.end for e in slow.events],
                                           [e.waited_on for e in slow.events],
                                           [e.freed_by for e in slow.events]]  # fmt: skip
    assert [trace.units[u] for u in columns.unit.tolist()] == [e.resource for e in slow.events]
    assert [WAITED[w] for w in columns.waited.tolist()] == [e.waited for e in slow.events]


def _assert_same(plan, hw, layers):
    """The engine's runs (`runs.FEWEST` 0, `engine.RUNS_FROM` 0: every plan's runs timed whole)
    and its small paths (the kinds' dispatchers alone, with and without columns) each give the
    event-by-event trace."""
    if not getattr(plan.tasks, "run_first", None):  # the same plan, its runs indexed
        plan = _indexed(plan)
    fast, slow = _both(plan, hw)
    small, dispatched = _as_small(plan, hw), _as_small(plan, hw, columns=True)
    assert small.columns is None
    for trace in (small, dispatched, fast):
        assert [(e.start, e.end, e.resource) for e in trace.events] == [
            (e.start, e.end, e.resource) for e in slow.events
        ]
        assert trace == slow  # every field: issue, waits, causes, SRAM occupancy (by sorting)
    _assert_columns(fast, slow)
    _assert_columns(dispatched, slow)
    startup = channel_latency(hw)
    assert critical_path(plan, fast.events, startup=startup) == critical_path(
        plan, slow.events, startup=startup
    )
    # the path off the records in Python (a small run's, `path_of_records`) and off columns
    assert [tuple(s) for s in path_steps(small, startup=startup)] == by_records.path(
        slow.events, startup) == [tuple(s) for s in path_steps(fast, startup=startup)]  # fmt: skip
    assert layer_breakdowns(fast.events, layers, startup=startup) == layer_breakdowns(
        slow.events, layers, startup=startup
    )


def _deep(hw, depth):
    """`hw` with DMA queues `depth` deep (start-ups overlap earlier transfers' data)."""
    return with_overrides(hw, {"bus.depth": str(depth)})  # every DMA unit


def _indexed(plan):
    """`plan` with its tasks' runs indexed field by field (`runs_by_hand.index_runs`)."""
    return Plan(policy=plan.policy, capacity=plan.capacity, tasks=index_runs(Tasks.of(plan.tasks)),
                allocations=plan.allocations, tiles=plan.tiles, ddr=plan.ddr)  # fmt: skip


machines = st.builds(
    lambda sram, latency, gbps, dma, mxu, ddr: toy_machine(
        sram=sram, latency_ns=latency, bus=f"{gbps} GB/s", dma_units=dma, matrix_units=mxu,
        ddr=ddr,
    ),
    st.integers(48, 4000),
    st.integers(0, 20),
    st.sampled_from([0.5, 1, 2, 4]),
    st.integers(1, 3),
    st.integers(1, 2),
    st.sampled_from(["100 GB/s", "1 GB/s"]),  # 1 GB/s: channels share a busy DDR
)  # fmt: skip


@SETTINGS
@given(chains(), machines, st.booleans(), st.integers(1, 3))
def test_planned_runs_equal_event_by_event(graph, hw, overlap, depth):
    hw = _deep(hw, depth)
    try:
        result = simulate_graph(graph, hw, name="random", overlap=overlap)
    except PlanError:
        assume(False)  # not even one tile fits this tiny SRAM: a clear error, tested elsewhere
        raise
    _assert_same(result.plan, hw, len(result.program.layers))


@st.composite
def random_plans(draw):
    """Any DAG of tasks on the toy machine's kinds, dependencies on other kinds pointing either
    way in plan order (a hand-made plan need not list a task after what it waits for); a kind's
    own tasks are issued in order, so they follow their topological order."""
    count = draw(st.integers(1, 40))
    kinds = draw(st.lists(st.sampled_from(["dma", "matrix", "vector"]), min_size=count,
                          max_size=count))  # fmt: skip
    ids = draw(st.permutations(range(count)))  # position in topological order -> id ...
    for kind in set(kinds):  # ... increasing within a kind
        positions = [p for p in range(count) if kinds[p] == kind]
        for position, task in zip(positions, sorted(ids[p] for p in positions), strict=True):
            ids[position] = task
    tasks: list[Task | None] = [None] * count
    for position, kind in enumerate(kinds):
        deps = draw(st.lists(st.sampled_from(ids[:position]), max_size=4, unique=True)
                    if position else st.just([]))  # fmt: skip
        size = draw(st.integers(0, 300))
        work = {
            "dma": Transfer(nbytes=size, direction=draw(st.sampled_from(["in", "out"]))),
            "matrix": Gemm(m=size, k=37, n=1, groups=1, macs=size * 37),
            "vector": Vector(ops=size, elements=size),
        }[kind]
        tasks[ids[position]] = Task(
            id=ids[position], unit_kind=kind, kind="load" if kind == "dma" else "compute",
            layer=0, tile=position, buffer="", work=work, deps=tuple(sorted(deps)),
        )  # fmt: skip
    return Plan(policy="random", capacity=1, tasks=tuple(tasks), allocations=(), tiles=(1,))


_KINDS = ["dma", "matrix", "vector"]


def _work(kind, size, direction, address):
    return {
        "dma": Transfer(nbytes=size, direction=direction, address=address),
        "matrix": Gemm(m=size, k=37, n=1, groups=1, macs=size * 37),
        "vector": Vector(ops=size, elements=size),
    }[kind]


@st.composite
def plans_with_runs(draw):
    """Tasks with runs of identical tiles among single tasks, every dependency on an earlier
    task: a tile's task waits on earlier tasks of its tile and of up to three tiles before
    (moving with the tile; before the run for its first tiles) and on fixed tasks before the
    run, for any reason; single tasks between runs wait on anything earlier, run tasks
    included, so other kinds interleave. Transfers of a run's tiles read different DDR
    addresses."""
    columns = Tasks()
    first, width_of, count_of = [], [], []

    def single():
        task = len(columns)
        kind = draw(st.sampled_from(_KINDS))
        deps = sorted(draw(st.lists(st.integers(0, task - 1), max_size=3, unique=True))
                      if task else [])  # fmt: skip
        work = _work(kind, draw(st.integers(0, 300)), draw(st.sampled_from(["in", "out"])),
                     draw(st.integers(0, 1 << 20)))  # fmt: skip
        columns.add(kind, "load" if kind == "dma" else "compute", 0, task, "", work, deps,
                    tuple(draw(st.sampled_from(["data", "space", "serial"])) for _ in deps))

    for _ in range(draw(st.integers(0, 3))):
        for _ in range(draw(st.integers(1, 8))):
            single()
        width = draw(st.integers(1, 4))
        start = len(columns)
        template = []  # per task: kind, size, direction, [(offset back or None, fixed task)]
        for j in range(width):
            links = []
            for _ in range(draw(st.integers(0, 3))):
                back = draw(st.integers(1, j + 3 * width))  # this tile or the 3 before
                if start + j - back >= 0 and draw(st.booleans()):
                    links.append((back, None, draw(st.sampled_from(["data", "space", "serial"]))))
                elif start:
                    links.append((None, draw(st.integers(0, start - 1)),
                                  draw(st.sampled_from(["data", "space", "serial"]))))
            template.append((draw(st.sampled_from(_KINDS)), draw(st.integers(0, 300)),
                             draw(st.sampled_from(["in", "out"])), links))  # fmt: skip
        count = draw(st.integers(2, 12))
        for tile in range(count):
            for j, (kind, size, direction, links) in enumerate(template):
                task = start + tile * width + j
                deps = {}
                for back, fixed, reason in links:
                    deps.setdefault(task - back if back else fixed, reason)
                order = sorted(deps)
                columns.add(kind, "load" if kind == "dma" else "compute", 0, tile, "",
                            _work(kind, size, direction, 4096 * tile + 64 * j), order,
                            tuple(deps[d] for d in order))  # fmt: skip
        first.append(start)
        width_of.append(width)
        count_of.append(count)
    for _ in range(draw(st.integers(0, 6))):
        single()
    tasks = with_index(columns, array("q", first), array("q", width_of), array("q", count_of))
    return Plan(policy="random", capacity=1, tasks=tasks, allocations=(), tiles=(1,))


def _banked(hw):
    return with_overrides(hw, {"ddr.timing": "banked", "ddr.preset": "ddr4-3200",
                               "ddr.mapping": "row_column_bankgroup", "ddr.page": "open"})


def _zero_cycle_run():
    """Three empty transfers after task 0, the last two a run of 1-task tiles: nothing moves
    (period 0), so task 0, the same for both tiles, is what each waited on."""
    columns = Tasks()
    for tile, deps in enumerate([(), (0,), (0,)]):
        columns.add("dma", "load", 0, tile, "", Transfer(nbytes=0, direction="in"), deps,
                    ("data",) * len(deps))  # fmt: skip
    tasks = with_index(columns, array("q", [1]), array("q", [1]), array("q", [2]))
    return Plan(policy="random", capacity=1, tasks=tasks, allocations=(), tiles=(1,))


@SETTINGS
@given(plans_with_runs(), machines, st.integers(1, 3), st.booleans())
@example(_zero_cycle_run(), toy_machine(), 1, False)
def test_plans_with_runs_equal_event_by_event(plan, hw, depth, banked):
    """Runs timed whole and their repeating tiles written in bulk give every task the start
    and end (and record) of the event-by-event run; on a banked DDR (absolute time: refresh)
    the tiles are timed one by one."""
    hw = _deep(_banked(hw) if banked else hw, depth)
    _assert_same(plan, hw, 1)


@SETTINGS
@given(random_plans(), machines, st.integers(1, 3))
def test_random_plans_equal_event_by_event(plan, hw, depth):
    _assert_same(plan, _deep(hw, depth), 1)


@SETTINGS
@given(random_plans(), machines, st.integers(1, 3))
def test_busy_counts_every_cycle_a_unit_ran_something_once(plan, hw, depth):
    trace = simulate(plan, units=build_units(_deep(hw, depth)), clock_hz=hw.clock)
    for unit in trace.units:
        cycles = {c for e in trace.events if e.resource == unit for c in range(e.start, e.end)}
        assert trace.busy(unit) == len(cycles)


@pytest.mark.parametrize(
    ("model", "machine", "overrides"),
    [
        ("mobilenet.onnx", "edge1.yaml", {}),
        ("mobilenet.onnx", "edge1.yaml", {"sram.capacity": "16 KiB"}),  # tiled
        ("mobilenet.onnx", "edge1-systolic.yaml", {}),
        ("mobilenet.onnx", "edge1-2dma.yaml", {}),
        ("mobilenet.onnx", "edge1-2dma.yaml", {"sram.capacity": "16 KiB"}),  # runs, 2 channels
        ("mobilenet.onnx", "edge1-systolic.yaml", {"sram.capacity": "32 KiB"}),  # runs
        ("mobilenet.onnx", "edge1-ddr4.yaml", {"sram.capacity": "64 KiB"}),  # banked DDR
        ("gpt_prefill.onnx", "edge1-fused.yaml", {}),
        ("gpt_prefill.onnx", "edge1.yaml", {"sram.capacity": "64 KiB"}),  # runs
        ("gpt_prefill.onnx", "edge1-fused.yaml", {"sram.capacity": "64 KiB"}),  # runs
        ("gpt_decode.onnx", "edge1-2dma.yaml", {}),
    ],
)
def test_bundled_runs_equal_event_by_event(model, machine, overrides):
    hw = with_overrides(load_hardware(ROOT / "hardware" / machine), overrides)
    result = simulate_graph(import_onnx(ROOT / "workloads" / model), hw, name=model)
    if (model, machine, overrides) == ("mobilenet.onnx", "edge1.yaml", {}):
        assert result.latency_cycles == 575_491  # the published figure
    _assert_same(result.plan, hw, len(result.program.layers))


def test_a_paths_last_task_is_the_later_of_those_ending_together():
    """A 10-byte load (1 B a cycle) and 10 vector ops (1 a cycle) both run over [0, 10): the
    path starts at the later task, the vector one, on records (a small run) and columns."""
    tasks = (
        Task(id=0, unit_kind="dma", kind="load", layer=0, tile=0, buffer="x",
             work=Transfer(nbytes=10, direction="in"), deps=()),
        Task(id=1, unit_kind="vector", kind="compute", layer=0, tile=0, buffer="y",
             work=Vector(ops=10, elements=10), deps=()),
    )  # fmt: skip
    plan = Plan(policy="hand", capacity=1, tasks=tasks, allocations=(), tiles=(1,))
    hw = toy_machine()
    for trace in (_as_small(plan, hw), simulate(plan, units=build_units(hw), clock_hz=hw.clock)):
        assert [(e.start, e.end) for e in trace.events] == [(0, 10), (0, 10)]
        assert [tuple(s) for s in path_steps(trace, startup=0)] == [(1, 0, 10, "vector")]
