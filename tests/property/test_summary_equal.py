"""The summary reads the trace as numpy columns and follows the critical path's states where
a walk joins it; every figure must equal the record-by-record passes it replaced
(`summary_by_records.py`): each layer's sums and window, the critical path's steps, and any
walk back from any task to any floor."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from accelsim.api import simulate_graph
from accelsim.errors import PlanError
from accelsim.explain.stalls import layer_breakdowns
from accelsim.explain.walk import data_behind, walk_back
from accelsim.hardware_file import load_hardware, with_overrides
from accelsim.sim.engine import simulate
from accelsim.timing.models import build_units, channel_latency
from accelsim.workload import import_onnx
from tests.property import summary_by_records as by_records
from tests.property.test_engine_equal import SETTINGS, _deep, machines, random_plans
from tests.property.test_invariants import chains

ROOT = Path(__file__).resolve().parents[2]


def _assert_summary_by_records(result):
    events, hw = result.trace.events, result.hardware
    startup = channel_latency(hw)
    layers = len(result.program.layers)
    path = [(s.task, s.start, s.end, s.label) for s in result.path.steps]
    assert path == by_records.path(events, startup)
    assert result.breakdown.parts == by_records.cycles_of(by_records.path(events, startup))
    windows = by_records.windows(events, layers, startup)
    for layer, (start, end, cycles) in zip(result.layers, windows, strict=True):
        assert (layer.breakdown.start, layer.breakdown.end, layer.breakdown.parts) == (
            start, end, cycles)  # fmt: skip
    for index, layer in enumerate(result.layers):
        sums = by_records.layer_sums(events, index, startup)
        assert (layer.start, layer.end, layer.compute_cycles, layer.bus_read_bytes,
                layer.bus_write_bytes, layer.transfer_cycles, layer.latency_cycles) == (
            sums["start"], sums["end"], sums["compute"], sums["read"], sums["written"],
            sums["held"], sums["shown"])  # fmt: skip
        if layer.engine_utilisation is not None:
            macs_per_cycle = hw.matrix_flops_per_cycle / 2
            assert layer.engine_utilisation == layer.macs / (macs_per_cycle * sums["engine"])


@SETTINGS
@given(chains(), machines, st.booleans(), st.integers(1, 3))
def test_planned_runs_summarise_as_record_by_record(graph, hw, overlap, depth):
    try:
        result = simulate_graph(graph, _deep(hw, depth), name="random", overlap=overlap)
    except PlanError:
        assume(False)  # not even one tile fits this tiny SRAM
        raise
    _assert_summary_by_records(result)


@SETTINGS
@given(random_plans(), machines, st.integers(1, 3), st.data())
def test_any_walk_and_any_windows_equal_record_by_record(plan, hw, depth, data):
    hw = _deep(hw, depth)
    startup = channel_latency(hw)
    events = simulate(plan, units=build_units(hw), clock_hz=hw.clock).events
    behind = by_records.data_behind(events, startup)
    assert data_behind(events, startup) == behind
    end = max(e.end for e in events)
    for task in range(len(events)):
        floor = data.draw(st.integers(0, end))
        assert [(s.task, s.start, s.end, s.label)
                for s in walk_back(events, task, floor=floor, startup=startup, behind=behind)
                ] == by_records.walk_back(events, task, floor=floor, startup=startup,
                                          behind=behind)  # fmt: skip
    # the same trace split into layers at random (the windows group the tasks by layer)
    layers = data.draw(st.integers(1, 5))
    marks = data.draw(st.lists(st.integers(0, layers - 1), min_size=len(events),
                               max_size=len(events)))  # fmt: skip
    events = tuple(e._replace(layer=mark) for e, mark in zip(events, marks, strict=True))
    assert [(w.start, w.end, w.parts) for w in layer_breakdowns(events, layers, startup=startup)
            ] == by_records.windows(events, layers, startup)  # fmt: skip


@pytest.mark.parametrize(
    ("model", "machine", "overrides"),
    [
        ("mobilenet.onnx", "edge1.yaml", {"sram.capacity": "4 KiB"}),  # 38,712 tasks, tiled
        ("mobilenet.onnx", "edge1-systolic.yaml", {}),
        ("mobilenet.onnx", "edge1-2dma.yaml", {"sram.capacity": "16 KiB"}),
        # queued channels with start-ups: data waits behind the transfer before
        ("mobilenet.onnx", "cloud1.yaml", {"units.bus.depth": "3", "sram.capacity": "64 KiB"}),
        ("gpt_prefill.onnx", "edge1.yaml",
         {"units.bus.depth": "2", "units.bus.latency": "50 ns", "sram.capacity": "32 KiB"}),
        ("gpt_decode.onnx", "edge1-2dma.yaml", {}),
    ],
)  # fmt: skip
def test_bundled_runs_summarise_as_record_by_record(model, machine, overrides):
    hw = with_overrides(load_hardware(ROOT / "hardware" / machine), overrides)
    result = simulate_graph(import_onnx(ROOT / "workloads" / model), hw, name=model)
    _assert_summary_by_records(result)


@pytest.mark.parametrize(
    ("machine", "overrides"),
    [("edge1.yaml", {"sram.capacity": "16 KiB"}),
     ("cloud1.yaml", {"units.bus.depth": "3", "sram.capacity": "64 KiB"})],
)  # fmt: skip
def test_walks_worked_out_a_few_states_at_a_time_add_up_the_same(monkeypatch, machine,
                                                                 overrides):  # fmt: skip
    # a large run's walks are worked out `_CHUNK` states at a time: 37 puts chunk boundaries
    # inside the path and inside layers' windows
    from accelsim.explain import walk

    monkeypatch.setattr(walk, "_CHUNK", 37)
    hw = with_overrides(load_hardware(ROOT / "hardware" / machine), overrides)
    result = simulate_graph(import_onnx(ROOT / "workloads" / "mobilenet.onnx"), hw, name="m")
    assert len(result.path.steps) > 37 * 5
    _assert_summary_by_records(result)


def test_a_chain_reads_forwards_and_backwards_as_its_steps():
    from accelsim.explain.walk import Chain, Step

    chain = Chain()
    chain.flat.extend([5, 10, 20, 0, 4, 0, 10, 4, 3, 0, 0, 2])  # task, start, end, label place
    steps = [Step(task=5, start=10, end=20, label="bus"), Step(task=4, start=0, end=10,
             label="sram"), Step(task=3, start=0, end=0, label="matrix")]  # fmt: skip
    assert list(chain) == steps == [chain[i] for i in range(3)]
    assert list(reversed(chain)) == steps[::-1]
    assert list(Chain()) == list(reversed(Chain())) == []
