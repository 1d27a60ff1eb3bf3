"""Speed of `accelsim run` on MobileNet: whole process, simulation alone, events per second.

    python benchmarks/bench_run.py            # prints a table; --json for machines

Whole process: `accelsim run` as a user starts it (Python start-up and imports included), median
of N runs. Simulation: lowering + planning + SimPy + summary on an already imported graph, median
of N. Events/s: the same with a small SRAM that forces most layers to be tiled (many events).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "workloads" / "mobilenet.onnx"
EDGE1 = ROOT / "hardware" / "edge1.yaml"


def _median_seconds(action, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from accelsim.api import simulate_graph
    from accelsim.hardware import load_hardware, with_overrides
    from accelsim.workload import import_onnx

    command = [shutil.which("accelsim") or sys.executable, "run", str(MODEL), "--hw", str(EDGE1)]
    if not shutil.which("accelsim"):
        command[0:1] = [sys.executable, "-m", "accelsim"]
    process_s = _median_seconds(
        lambda: subprocess.run(command, check=True, stdout=subprocess.DEVNULL), args.repeats
    )
    graph = import_onnx(MODEL)
    hw = load_hardware(EDGE1)
    import_s = _median_seconds(lambda: import_onnx(MODEL), args.repeats)
    simulate_s = _median_seconds(lambda: simulate_graph(graph, hw, name="m"), args.repeats)
    small = with_overrides(hw, {"sram.capacity": "8 KiB"})
    tiled = simulate_graph(graph, small, name="m")
    tiled_s = _median_seconds(
        lambda: simulate_graph(graph, small, name="m"), max(3, args.repeats // 2)
    )
    events = len(tiled.trace.events)
    figures = {
        "whole_process_s": process_s,
        "import_onnx_s": import_s,
        "simulation_s": simulate_s,
        "tiled_events": events,
        "tiled_tiles": sum(tiled.plan.tiles),
        "tiled_simulation_s": tiled_s,
        "events_per_s": events / tiled_s,
    }
    if args.json:
        print(json.dumps(figures, indent=1))
        return
    print(
        f"whole process `accelsim run` MobileNet/edge1 : {process_s * 1e3:8.1f} ms  (target < 1000)"
    )
    print(f"import_onnx (MobileNet)                     : {import_s * 1e3:8.1f} ms")
    print(
        f"simulation after import (30 layers)         : {simulate_s * 1e3:8.1f} ms  (target < 50)"
    )
    print(
        f"tiled run, SRAM 8 KiB: {events:,} events, {sum(tiled.plan.tiles):,} tiles in "
        f"{tiled_s * 1e3:.0f} ms = {events / tiled_s:,.0f} events/s  (target >= 100,000)"
    )


if __name__ == "__main__":
    main()
