"""The engine times runs of tasks in one process step; every record must equal the
event-by-event SimPy run's (`event_by_event.py`), and so must what `explain` reads off them."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from accelsim.api import simulate_graph
from accelsim.errors import PlanError
from accelsim.explain.path import critical_path
from accelsim.explain.stalls import layer_breakdowns
from accelsim.hardware_file import load_hardware, with_overrides
from accelsim.plan import Plan, Task
from accelsim.sim.engine import simulate
from accelsim.timing.models import build_units, channel_latency
from accelsim.work import Gemm, Transfer, Vector
from accelsim.workload import import_onnx
from tests.property.event_by_event import simulate_slowly
from tests.property.test_invariants import chains
from tests.sim.toy import toy_machine

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = settings(
    max_examples=120, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip


def _both(plan, hw):
    fast = simulate(plan, units=build_units(hw), clock_hz=hw.clock)
    slow = simulate_slowly(plan, units=build_units(hw), clock_hz=hw.clock)
    return fast, slow


def _assert_same(plan, hw, layers):
    fast, slow = _both(plan, hw)
    assert [(e.start, e.end, e.resource) for e in fast.events] == [
        (e.start, e.end, e.resource) for e in slow.events
    ]
    assert fast == slow  # every field: issue, waits, causes, SRAM occupancy (by sorting)
    startup = channel_latency(hw)
    assert critical_path(plan, fast.events, startup=startup) == critical_path(
        plan, slow.events, startup=startup
    )
    assert layer_breakdowns(fast.events, layers, startup=startup) == layer_breakdowns(
        slow.events, layers, startup=startup
    )


def _deep(hw, depth):
    """`hw` with DMA queues `depth` deep (start-ups overlap earlier transfers' data)."""
    return with_overrides(hw, {"bus.depth": str(depth)})  # every DMA unit


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
        ("mobilenet.onnx", "edge1-ddr4.yaml", {"sram.capacity": "64 KiB"}),  # banked DDR
        ("gpt_prefill.onnx", "edge1-fused.yaml", {}),
        ("gpt_decode.onnx", "edge1-2dma.yaml", {}),
    ],
)
def test_bundled_runs_equal_event_by_event(model, machine, overrides):
    hw = with_overrides(load_hardware(ROOT / "hardware" / machine), overrides)
    result = simulate_graph(import_onnx(ROOT / "workloads" / model), hw, name=model)
    if (model, machine, overrides) == ("mobilenet.onnx", "edge1.yaml", {}):
        assert result.latency_cycles == 575_491  # the published figure
    _assert_same(result.plan, hw, len(result.program.layers))
