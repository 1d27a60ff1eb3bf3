"""Sweeps of MobileNet on edge1 agree with separate runs and behave physically."""

from __future__ import annotations

import itertools

import pytest
import yaml

from accelsim.api import run
from accelsim.report.export import result_to_dict
from tests.sweep.conftest import EDGE1, MOBILENET


def test_two_by_two_sweep_equals_four_separate_runs(sweep, tmp_path):
    outcome = sweep("sram.capacity=256KiB,1MiB", "bus.bandwidth=0.5GB/s,1GB/s")
    assert [r.status for r in outcome.results] == ["ok"] * 4
    base = yaml.safe_load(EDGE1.read_text())
    for result, (sram, bus) in zip(
        outcome.results,
        itertools.product(["256 KiB", "1 MiB"], ["0.5 GB/s", "1 GB/s"]),
        strict=True,
    ):
        # The independent route: a hardware file edited as text-level YAML, run on its own.
        units = {**base["units"], "bus": {**base["units"]["bus"], "bandwidth": bus}}
        machine = {**base, "sram": {"capacity": sram}, "units": units}
        path = tmp_path / f"edge1-{result.index}.yaml"
        path.write_text(yaml.safe_dump(machine))
        alone = result_to_dict(run(MOBILENET, path))
        m = result.metrics
        assert m is not None
        assert m.latency_cycles == alone["totals"]["latency_cycles"]
        assert m.energy_j == pytest.approx(alone["energy"]["total_j"], rel=1e-12)
        assert m.bus_read_bytes == alone["totals"]["bus_read_bytes"]
        assert m.sram_peak_bytes == alone["totals"]["sram_peak_bytes"]
        assert m.sram_capacity_bytes == {"256 KiB": 262144, "1 MiB": 1048576}[sram]
    # Halving the bus (the DDR's 1 GB/s stays) slows this bus-bound network: 1 MiB rows differ.
    assert outcome.results[2].metrics.latency_cycles > outcome.results[3].metrics.latency_cycles


def test_latency_never_increases_with_bus_bandwidth_or_sram_capacity(sweep):
    # DDR at 100 GB/s so the bus, not DDR, is the transfer limit over the whole range.
    outcome = sweep(
        "sram.capacity=64KiB..2MiB:x2", "bus.bandwidth=0.25GB/s..16GB/s:x4",
        "ddr.bandwidth=100GB/s",
    )  # fmt: skip
    assert all(r.status == "ok" for r in outcome.results)
    srams, buses = (len(axis.settings) for axis in outcome.axes[:2])
    assert (srams, buses) == (6, 4)  # 64 KiB * 2^0..5; 0.25 GB/s * 4^0..3
    latency = [[0] * buses for _ in range(srams)]
    for result in outcome.results:
        latency[result.index // buses][result.index % buses] = result.metrics.latency_cycles
    for s in range(srams):
        assert all(latency[s][b] >= latency[s][b + 1] for b in range(buses - 1)), latency[s]
    for b in range(buses):
        column = [latency[s][b] for s in range(srams)]
        assert all(column[s] >= column[s + 1] for s in range(srams - 1)), column
    # And strictly: 4x the bus bandwidth beats the slowest bus at every SRAM size.
    assert all(latency[s][1] < latency[s][0] for s in range(srams))


def test_invalid_and_unrunnable_points_are_reported_and_the_rest_still_run(sweep):
    outcome = sweep("sram.capacity=-1MiB,lots,64B,1MB")
    assert [r.status for r in outcome.results] == ["invalid", "invalid", "failed", "ok"]
    assert outcome.results[0].error == 'point 0: sram.capacity: "-1MiB" must be > 0'
    assert outcome.results[1].error.startswith('point 1: sram.capacity: "lots" is not a size')
    assert "SRAM holds 64 bytes" in outcome.results[2].error  # 64 B cannot hold a tile
    assert outcome.results[3].metrics.sram_capacity_bytes == 1_000_000


def test_points_that_share_a_lowering_or_a_plan_equal_separate_runs(sweep):
    # One worker reuses one lowering per (lowering, dtypes) and one untiled plan per SRAM size
    # and unit counts (accelsim.sweep.reuse); every point must still equal a run made from
    # scratch: 128 KiB tiles MobileNet's larger layers (never reused, the tiler prices splits
    # with the engine's speed), 512 KiB and 1 MiB hold every layer whole, 16-bit activations lower
    # anew.
    from accelsim.api import simulate_graph
    from accelsim.hardware_file import load_hardware, with_overrides
    from accelsim.sweep.results import metrics_of
    from accelsim.workload import import_onnx

    outcome = sweep("sram.capacity=128KiB,512KiB,1MiB", "matrix_engine.peak=1TFLOPS,4TFLOPS",
                    "dtypes.activations=int8,int16")  # fmt: skip
    graph, base = import_onnx(MOBILENET), load_hardware(EDGE1)
    grid = itertools.product(["128 KiB", "512 KiB", "1 MiB"], ["1 TFLOPS", "4 TFLOPS"],
                             ["int8", "int16"])  # fmt: skip
    for result, (sram, peak, bits) in zip(outcome.results, grid, strict=True):
        overrides = {"sram.capacity": sram, "matrix_engine.peak": peak, "dtypes.activations": bits}
        alone = simulate_graph(graph, with_overrides(base, overrides), name=str(MOBILENET))
        assert result.metrics == metrics_of(alone), result.settings


def test_tiled_points_that_differ_only_in_speeds_equal_separate_runs(sweep):
    # At 128 KiB MobileNet tiles several layers, and an input the planner keeps in SRAM between
    # two tiled layers changes what the second one's tiling may use: no tiled plan may be taken
    # from a point with other speeds (this grid once gave 500 MB/s at 1 TFLOPS the plan of
    # 250 MB/s at 500 GFLOPS).
    from accelsim.api import simulate_graph
    from accelsim.hardware_file import load_hardware, with_overrides
    from accelsim.sweep.results import metrics_of
    from accelsim.workload import import_onnx

    outcome = sweep("sram.capacity=128KiB", "bus.bandwidth=250MB/s,500MB/s",
                    "matrix_engine.peak=500GFLOPS,1TFLOPS")  # fmt: skip
    graph, base = import_onnx(MOBILENET), load_hardware(EDGE1)
    grid = itertools.product(["250 MB/s", "500 MB/s"], ["500 GFLOPS", "1 TFLOPS"])
    for result, (bus, peak) in zip(outcome.results, grid, strict=True):
        overrides = {"sram.capacity": "128 KiB", "bus.bandwidth": bus, "matrix_engine.peak": peak}
        alone = simulate_graph(graph, with_overrides(base, overrides), name=str(MOBILENET))
        assert result.metrics == metrics_of(alone), result.settings
