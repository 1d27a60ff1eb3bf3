"""Stall attribution: hand-derived toy cases, MobileNet's conv21-27 regression, and the sum
property on random plans."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accelsim.api import run, simulate_graph
from accelsim.explain.walk import PARTS
from accelsim.hardware_file import load_hardware
from tests.property.test_invariants import SETTINGS, _simulate, chains, machines
from tests.sim.test_schedule import _two_convs
from tests.sim.toy import GraphBuilder, toy_machine

ROOT = Path(__file__).resolve().parents[2]


def _parts(breakdown):
    return {label: cycles for label, cycles in breakdown.parts.items() if cycles}


def test_a_load_waits_for_the_busy_bus():
    # Worked out in tests/sim/test_schedule.py: x [0,42), c1.W [42,124), c1 [124,148),
    # c2.W [124,150), c2 [150,156), store [156,230); 10 cycles of start-up per transfer.
    result = simulate_graph(_two_convs(), toy_machine(latency_ns=10), name="t")
    w2 = result.trace.events[3]
    assert (w2.kind, w2.buffer) == ("load", "c2.W")
    # The DMA queue reached it when c1.W started (42); the bus was free only at 124.
    assert (w2.issued, w2.unit_free, w2.deps_done, w2.space_free) == (42, 124, 0, 0)
    assert (w2.waited, w2.waited_on) == ("unit", 1)
    compute = result.trace.events[4]
    assert (compute.waited, compute.waited_on, compute.deps_done) == ("data", 3, 150)
    # c1's window [0,148): the chain c1 <- c1.W <- x: 24 compute, 72 + 32 bytes, 2 x 10 start-up.
    # c2's window [148,230): store 64 + 10, c2 6, the last 2 cycles of c2.W (past its start-up).
    assert [_parts(layer.breakdown) for layer in result.layers] == [
        {"bus": 104, "latency": 20, "matrix": 24},
        {"bus": 66, "latency": 10, "matrix": 6},
    ]
    assert [layer.bound for layer in result.layers] == ["bus", "bus"]


def _spill_chain():
    """x 100 B -> r1 (100 ops) -> a 50 B -> r2 (10) -> b 100 B -> r3 (10) -> c 100 B,
    s = a + c (20 ops) -> d 50 B; on 240 B of SRAM a must leave while r3 runs."""
    g = GraphBuilder()
    x = g.input("x", (1, 100))
    a = g.op("r1", "Relu", [x], "a", (1, 50), vector_ops=100)
    b = g.op("r2", "Relu", [a], "b", (1, 100), vector_ops=10)
    c = g.op("r3", "Relu", [b], "c", (1, 100), vector_ops=10)
    return g.build(g.op("s", "Add", [a, c], "d", (1, 50), vector_ops=20))


def test_a_compute_waits_for_sram_space_a_spill_frees():
    # 1 B and 1 op per cycle. load x [0,100), r1 [100,200), r2 [200,210). r3 needs b + c + a =
    # 250 B > 240: a (next used by s) is spilled, 50 B [200,250), and c takes its range, so r3
    # waits for the spill: [250,260). s: a comes back into b's range, free once r3 is done:
    # reload [260,310), s [310,330), store d [330,380).
    result = simulate_graph(_spill_chain(), toy_machine(sram=240), name="t")
    spans = [(e.kind, e.buffer, e.start, e.end, e.waited) for e in result.trace.events]
    assert spans == [
        ("load", "x", 0, 100, "none"),
        ("compute", "", 100, 200, "data"),
        ("compute", "", 200, 210, "data"),
        ("spill", "a", 200, 250, "data"),
        ("compute", "", 250, 260, "space"),
        ("reload", "a", 260, 310, "space"),
        ("compute", "", 310, 330, "data"),
        ("store", "d", 330, 380, "data"),
    ]
    r3 = result.trace.events[4]
    assert (r3.deps_done, r3.space_free, r3.unit_free, r3.waited_on) == (210, 250, 210, 3)
    # r3's window [210,260): 40 cycles of the spill (SRAM space), then its own 10.
    assert [_parts(layer.breakdown) for layer in result.layers] == [
        {"bus": 100, "vector": 100},
        {"vector": 10},
        {"vector": 10, "sram": 40},
        {"bus": 100, "vector": 20},
    ]
    assert [layer.bound for layer in result.layers] == ["bus", "vector", "sram", "bus"]
    # The run's chain: store, s, reload, then r3 and the spill it waited on (SRAM space: 10 +
    # 50), r1 that the spill waited on, and x.
    assert _parts(result.breakdown) == {"bus": 200, "vector": 120, "sram": 60}


@pytest.fixture(scope="module")
def mobilenet():
    return run(ROOT / "workloads" / "mobilenet.onnx", load_hardware(ROOT / "hardware/edge1.yaml"))


def test_mobilenet_conv21_to_27_are_bus_bound_not_sram_bound(mobilenet):
    assert mobilenet.latency_cycles == 575_491
    layers = {layer.name: layer for layer in mobilenet.layers}
    bus = sorted((e.start, e.end) for e in mobilenet.trace.events if e.resource == "bus")
    for name, before in (("conv21", "conv20"), ("conv23", "conv22"), ("conv25", "conv24"),
                         ("conv27", "conv26")):  # fmt: skip
        layer = layers[name]
        assert layer.bound == "bus"
        # Between the previous layer's end and this compute's start the bus never idled ...
        gap_start, compute_start = layers[before].end, layer.start
        covered = gap_start
        for start, end in bus:
            if start <= covered < end:
                covered = end
        assert covered >= compute_start
        # ... and the window is exactly that wait plus the compute: no SRAM part.
        assert _parts(layer.breakdown) == {
            "bus": compute_start - gap_start,
            "matrix": layer.compute_cycles,
        }
    # 256 x 256 + 256 B of weights cross at 1 B/cycle; 2 x 12,845,056 MACs at 1,000 FLOP/cycle.
    assert layers["conv21"].compute_cycles == 25_691
    assert layers["conv21"].bus_read_bytes == 65_792


@SETTINGS
@given(chains(), machines, st.booleans())
def test_every_layer_window_adds_up_and_the_windows_tile_the_run(graph, hw, overlap):
    result = _simulate(graph, hw, overlap=overlap)
    done = 0
    for layer in result.layers:
        window = layer.breakdown
        assert window.start == done
        assert set(window.parts) == set(PARTS)
        assert all(cycles >= 0 for cycles in window.parts.values())
        assert sum(window.parts.values()) == window.end - window.start
        if window.end > window.start:  # the bound is the largest part
            assert window.parts[layer.bound] == max(window.parts.values())
        done = window.end
    assert done == result.latency_cycles
    run_parts = result.breakdown.parts
    assert sum(run_parts.values()) == result.latency_cycles
    # The chain's steps are disjoint working intervals: a kind holds it no longer than busy.
    busy = dict.fromkeys(("dma", "matrix", "vector"), 0)
    for event in result.trace.events:
        busy[event.unit_kind] += event.end - event.start
    assert run_parts["bus"] + run_parts["latency"] <= busy["dma"]
    assert run_parts["matrix"] <= busy["matrix"]
    assert run_parts["vector"] <= busy["vector"]
