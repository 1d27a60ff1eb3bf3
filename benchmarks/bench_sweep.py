"""Sweep throughput on MobileNet: design points per second with the local process pool.

Run: `python benchmarks/bench_sweep.py [--jobs N] [--points N]`. It times a whole sweep the way
`accelsim sweep` runs it (pool start, one import per worker, a SQLite commit per point, CSV and
JSON export; no plots) on a fresh temporary folder, and one point in this process for scale.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from accelsim.sweep.executors import LocalExecutor
from accelsim.sweep.grid import parse_set
from accelsim.sweep.outputs import write_outputs
from accelsim.sweep.runner import run_sweep
from accelsim.sweep.spec import SweepSpec

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "workloads" / "mobilenet.onnx"
BASE = ROOT / "hardware" / "edge1.yaml"
# 8 SRAM sizes x 8 bus bandwidths x 4 engine rates = 256 points; --points takes the first N.
AXES = (
    "sram.capacity=64KiB..8MiB:x2",
    "bus.bandwidth=0.25GB/s..32GB/s:x2",
    "matrix_engine.peak=0.5TFLOPS..4TFLOPS:x2",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: CPUs)")
    parser.add_argument("--repeat", type=int, default=3, help="sweeps to time; the best is kept")
    args = parser.parse_args()
    spec = SweepSpec(model=MODEL, hardware=BASE, axes=tuple(parse_set(a) for a in AXES))
    executor = LocalExecutor(args.jobs)
    best = None
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            outcome = run_sweep(spec, executor=executor, out=Path(folder))
            write_outputs(outcome, plots=False)
            elapsed = time.perf_counter() - started
        assert all(r.status == "ok" for r in outcome.results), "every benchmark point runs"
        best = elapsed if best is None else min(best, elapsed)
        print(
            f"{len(outcome.results)} points in {elapsed:.2f} s: {len(outcome.results) / elapsed:.1f} points/s"
        )
    assert best is not None
    print(f"best: {len(outcome.results) / best:.1f} points/s with {executor.jobs} worker(s)")
    _one_point_in_process()


def _one_point_in_process() -> None:
    from accelsim.api import simulate_graph
    from accelsim.hardware import load_hardware
    from accelsim.workload import import_onnx

    graph, hw = import_onnx(MODEL), load_hardware(BASE)
    simulate_graph(graph, hw, name="warm-up")
    runs = 20
    started = time.perf_counter()
    for _ in range(runs):
        simulate_graph(graph, hw, name="bench")
    per_point = (time.perf_counter() - started) / runs
    print(
        f"one point in this process: {per_point * 1e3:.1f} ms ({1 / per_point:.0f} points/s/core)"
    )


if __name__ == "__main__":
    main()
