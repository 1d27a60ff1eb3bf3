"""Speed of `accelsim run` on MobileNet: whole process, simulation alone, events per second.

    python benchmarks/bench_run.py            # prints a table; --json for machines

Whole process: `accelsim run` as a user starts it (Python start-up and imports included), median
of N runs. Simulation: lowering + planning + SimPy + summary on an already imported graph, median
of N. Events/s: the same with a 4 KiB SRAM that tiles most layers (many events).
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
    from accelsim.hardware_file import load_hardware, with_overrides
    from accelsim.sim.engine import simulate
    from accelsim.timing.models import build_units
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
    small = with_overrides(hw, {"sram.capacity": "4 KiB"})
    tiled = simulate_graph(graph, small, name="m")
    repeats = max(3, args.repeats // 2)
    tiled_s = _median_seconds(lambda: simulate_graph(graph, small, name="m"), repeats)
    engine_s = _median_seconds(
        lambda: simulate(tiled.plan, units=build_units(small), clock_hz=small.clock), repeats
    )
    events = len(tiled.trace.events)
    figures = {
        "whole_process_s": process_s,
        "import_onnx_s": import_s,
        "simulation_s": simulate_s,
        "tiled_events": events,
        "tiled_tiles": sum(tiled.plan.tiles),
        "tiled_end_to_end_s": tiled_s,
        "tiled_engine_s": engine_s,
        "engine_events_per_s": events / engine_s,
        "end_to_end_events_per_s": events / tiled_s,
    }
    if args.json:
        print(json.dumps(figures, indent=1))
        return
    rows = [
        ("whole process: accelsim run MobileNet edge1", f"{process_s * 1e3:.0f} ms", "< 1000 ms"),
        ("import_onnx MobileNet", f"{import_s * 1e3:.1f} ms", ""),
        ("simulate_graph MobileNet (30 layers)", f"{simulate_s * 1e3:.1f} ms", "< 50 ms"),
        (f"tiled, SRAM 4 KiB: {events:,} events, {sum(tiled.plan.tiles):,} tiles", "", ""),
        ("  SimPy engine alone", f"{events / engine_s:,.0f} events/s", ">= 100,000"),
        ("  plan + engine + summary", f"{events / tiled_s:,.0f} events/s", ""),
    ]
    for name, value, target in rows:
        print(f"{name:<52} {value:>18}  {target}")


if __name__ == "__main__":
    main()
