"""Sweep throughput on MobileNet: design points per second with the local process pool.

Run: `python benchmarks/bench_sweep.py [--jobs N] [--repeat N]`. Each grid is timed the way
`accelsim sweep` runs it, end to end (ONNX import, pool start, a SQLite commit per point, CSV
and JSON export; no plots), into a fresh temporary folder; the best of `--repeat` is kept.
Two grids, because a point's cost depends on the machine it simulates:

- "typical": SRAM 256 KiB-2 MiB (the issue's example range), where MobileNet's layers fit;
- "small SRAM": 32-128 KiB, where the planner tiles and spills (several times slower).

Then each grid runs once in one process (`--jobs 1`'s path; a process of its own, which has run
no sweep before): its CPU time per point, which the load of a shared machine inflates much less
than wall time. Then one point is timed in this process, the per-point cost without any sweep
machinery (no lowering or plan reused). Last, the
typical grid as a user runs it, `accelsim sweep ... --no-plots` in a process of its own (best of
`--repeat` + 1; the first writes Python's bytecode cache): the repeats above run in this
process, so only its first sweep pays the imports (onnx's, the simulator's) that such a command
pays every time.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from accelsim._workers import pool_size
from accelsim.sweep.executors import LocalExecutor
from accelsim.sweep.grid import expand, parse_set
from accelsim.sweep.outputs import write_outputs
from accelsim.sweep.runner import run_sweep
from accelsim.sweep.spec import SweepSpec

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "workloads" / "mobilenet.onnx"
BASE = ROOT / "hardware" / "edge1.yaml"
OTHER_AXES = ("bus.bandwidth=0.25GB/s..32GB/s:x2", "matrix_engine.peak=0.5TFLOPS..4TFLOPS:x2")
GRIDS = {
    "typical": ("sram.capacity=256KiB..2MiB:x2", *OTHER_AXES),  # 4 x 8 x 4 = 128 points
    "small SRAM": ("sram.capacity=32KiB..128KiB:x2", *OTHER_AXES),  # 3 x 8 x 4 = 96 points
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: CPUs)")
    parser.add_argument("--repeat", type=int, default=3, help="sweeps per grid; the best is kept")
    parser.add_argument("--one-process", action="store_true", help="the CPU a point alone")
    args = parser.parse_args()
    if args.one_process:
        _one_process()
        return
    executor = LocalExecutor(args.jobs)
    for name, axes in GRIDS.items():
        spec = SweepSpec(model=MODEL, hardware=BASE, axes=tuple(parse_set(a) for a in axes))
        times = [_time_sweep(spec, executor) for _ in range(args.repeat)]
        points = times[0][1]
        rates = ", ".join(f"{points / t:.0f}" for t, _, _ in times)
        best = points / min(t for t, _, _ in times)
        cpu = ", ".join(f"{c * 1e3:.0f}" for _, _, c in times[1:])
        print(f"{name:>10}: {points} points, {rates} points/s; best {best:.0f} points/s "
              f"with {pool_size(args.jobs, points)} worker(s); CPU of all its processes after "
              f"the first: {cpu} ms a sweep")  # fmt: skip
    # NOTE: a process of its own: this one's caches (the tiler's searches, the timing models'
    # memos) hold what the pools' parent worked out ahead of forking them
    subprocess.run([sys.executable, __file__, "--one-process"], check=True)
    per_point = _one_point_in_process()
    print(f"one edge1 point in this process: {per_point * 1e3:.1f} ms ({1 / per_point:.0f}/s/core)")
    points = len(expand(tuple(parse_set(a) for a in GRIDS["typical"])))
    wall, cpu = min(_whole_process(GRIDS["typical"], args.jobs) for _ in range(args.repeat + 1))
    print(f"   typical: `accelsim sweep` whole process {wall * 1e3:.0f} ms, {points / wall:.0f} "
          f"points/s ({cpu * 1e3:.0f} ms of CPU, its workers' included)")  # fmt: skip


def _one_process() -> None:
    """Each grid in this process, once its modules are imported (no sweep run before it)."""
    from accelsim.hardware_file import load_hardware
    from accelsim.sweep.results import preload
    from accelsim.workload import import_onnx

    preload(load_hardware(BASE))
    import_onnx(MODEL)
    for name, axes in GRIDS.items():
        spec = SweepSpec(model=MODEL, hardware=BASE, axes=tuple(parse_set(a) for a in axes))
        started = time.process_time()
        _, points, _ = _time_sweep(spec, LocalExecutor(1))
        cpu = (time.process_time() - started) / points
        print(f"{name:>10}: {cpu * 1e3:.1f} ms of CPU a point in one process (whole sweep)",
              flush=True)  # fmt: skip


def _time_sweep(spec: SweepSpec, executor: LocalExecutor) -> tuple[float, int, float]:
    """Wall seconds, points, and the CPU seconds of this process and the sweep's workers
    (waited for once they exit, outside the wall time)."""
    with tempfile.TemporaryDirectory() as folder:
        before = _cpu()
        started = time.perf_counter()
        outcome = run_sweep(spec, executor=executor, out=Path(folder))
        write_outputs(outcome, plots=False)
        elapsed = time.perf_counter() - started
    while multiprocessing.active_children():  # the workers exit after the sweep: reap them
        time.sleep(0.01)
    assert all(r.status == "ok" for r in outcome.results), "every benchmark point runs"
    return elapsed, len(outcome.results), _cpu() - before


def _cpu() -> float:
    """CPU seconds of this process and of its children waited for."""
    mine, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                          resource.RUSAGE_CHILDREN))  # fmt: skip
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime


def _whole_process(axes: tuple[str, ...], jobs: int | None) -> tuple[float, float]:
    """Wall and CPU seconds (the process and its workers) of one `accelsim sweep` command, run
    with Python's bytecode cache (whatever PYTHONDONTWRITEBYTECODE says here)."""
    sets = [arg for axis in axes for arg in ("--set", axis)]
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "accelsim", "sweep", str(MODEL), "--hw", str(BASE), *sets,
                   "--out", str(Path(folder) / "s"), "--no-plots",
                   *([] if jobs is None else ["--jobs", str(jobs)])]  # fmt: skip
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 env=env, cwd=folder)
        _, status, usage = os.wait4(child.pid, 0)  # its reaped workers' time included
        wall = time.perf_counter() - started
    assert os.waitstatus_to_exitcode(status) == 0, command
    return wall, usage.ru_utime + usage.ru_stime


def _one_point_in_process(runs: int = 20) -> float:
    from accelsim.api import simulate_graph
    from accelsim.hardware_file import load_hardware
    from accelsim.workload import import_onnx

    graph, hw = import_onnx(MODEL), load_hardware(BASE)
    simulate_graph(graph, hw, name="warm-up")
    started = time.perf_counter()
    for _ in range(runs):
        simulate_graph(graph, hw, name="bench")
    return (time.perf_counter() - started) / runs


if __name__ == "__main__":
    main()
