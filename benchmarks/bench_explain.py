"""What stall attribution and the critical path cost on top of a run (target: < 20 %).

    python benchmarks/bench_explain.py            # prints a table; --json for machines

For MobileNet on edge1 and on edge1 with a 4 KiB SRAM (most layers tiled, many events): the
CPU time of the fastest of N runs of a whole simulated run (lowering, planning, SimPy, summary: `simulate_graph`,
which includes the attribution and the path), and of the attribution and path alone
(`layer_breakdowns` + `critical_path` over the same trace). The share is the second over the
first minus the second, i.e. over a run without them. The engine's per-task records are part of
the run; their own cost is measured by running this file's run timing on the commit before them.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "workloads" / "mobilenet.onnx"
EDGE1 = ROOT / "hardware" / "edge1.yaml"


def _fastest_seconds(action, repeats: int) -> float:
    """CPU seconds of the fastest of `repeats` runs (this process's CPU time, not the wall
    clock: on a shared machine waiting for a core is not the code's cost)."""
    samples = []
    for _ in range(repeats):
        start = time.process_time()
        action()
        samples.append(time.process_time() - start)
    return min(samples)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from accelsim.api import simulate_graph
    from accelsim.explain.path import critical_path
    from accelsim.explain.stalls import layer_breakdowns
    from accelsim.explain.walk import data_behind
    from accelsim.hardware_file import load_hardware, with_overrides
    from accelsim.timing.models import channel_latency
    from accelsim.workload import import_onnx

    graph = import_onnx(MODEL)
    edge1 = load_hardware(EDGE1)
    figures = {}
    small = with_overrides(edge1, {"sram.capacity": "4 KiB"})
    for name, hw in (("edge1", edge1), ("edge1_4KiB", small)):
        result = simulate_graph(graph, hw, name="m")
        startup = channel_latency(hw)
        events, layers = result.trace.events, len(result.program.layers)

        def explain(result=result, events=events, layers=layers, startup=startup):
            behind = data_behind(events, startup)  # as the summary does: once for both
            layer_breakdowns(events, layers, startup=startup, behind=behind)
            critical_path(result.plan, events, startup=startup, behind=behind)

        run_s = _fastest_seconds(lambda hw=hw: simulate_graph(graph, hw, name="m"), args.repeats)
        explain_s = _fastest_seconds(explain, args.repeats)
        figures[name] = {
            "events": len(events),
            "run_s": run_s,
            "explain_s": explain_s,
            "share_of_run_without": explain_s / (run_s - explain_s),
        }
    if args.json:
        print(json.dumps(figures, indent=1))
        return
    for name, row in figures.items():
        print(
            f"{name:<12} {row['events']:>7,} events  run {row['run_s'] * 1e3:8.1f} ms  "
            f"attribution + path {row['explain_s'] * 1e3:7.1f} ms  "
            f"= {row['share_of_run_without']:.1%} on top (target < 20 %)"
        )


if __name__ == "__main__":
    main()
