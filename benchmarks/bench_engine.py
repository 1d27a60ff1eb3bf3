"""The rate tier's engine alone, A/B across source trees: CPU time of `build_units` + `simulate`.

    python benchmarks/bench_engine.py [TREE ...] [--rounds 3]

Each TREE is a folder holding an `accelsim/` package (an unpacked `git archive REV accelsim`;
default: this checkout). Every round runs each tree in its own process, alternated, so the trees
share the same minutes of a busy machine. A tree's run plans MobileNet on edge1 and edge1-2dma,
with their 1 MB SRAM and with 4 KiB (tiled: many events), then times the engine on the finished
plan: CPU seconds (`time.process_time`, steadier than wall time under load), best of 20 (1 MB) or
2 (4 KiB). Prints one JSON line per tree and round. The engine's signature,
`simulate(plan, units=build_units(hw), clock_hz=hw.clock)`, is the same since DDR became shared.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_ONE_TREE = """
import json, sys, time
sys.path.insert(0, TREE)
import accelsim
assert accelsim.__file__.startswith(TREE), accelsim.__file__
from accelsim.hardware_file import load_hardware, with_overrides
from accelsim.lowering import lower
from accelsim.memory.policies import make_plan
from accelsim.sim.engine import simulate
from accelsim.timing.models import build_units
from accelsim.workload import import_onnx
graph = import_onnx(ROOT + "/workloads/mobilenet.onnx")
out = {"tree": TREE}
for machine in ("edge1", "edge1-2dma"):
    for sram in (None, "4 KiB"):
        hw = load_hardware(ROOT + f"/hardware/{machine}.yaml")
        if sram:
            hw = with_overrides(hw, {"sram.capacity": sram})
        plan = make_plan(lower(graph, hw), hw, policy="liveness", overlap=True)
        best = float("inf")
        for _ in range(20 if sram is None else 2):
            start = time.process_time()
            trace = simulate(plan, units=build_units(hw), clock_hz=hw.clock)
            best = min(best, time.process_time() - start)
        out[f"{machine} {sram or '1 MB'}"] = {
            "events": len(trace.events), "end": trace.end, "cpu_ms": round(best * 1e3, 2),
            "events_per_s": round(len(trace.events) / best),
        }
print(json.dumps(out), flush=True)
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("trees", nargs="*", type=Path, default=[ROOT])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for _ in range(args.rounds):
        for tree in args.trees:
            code = f"TREE = {str(tree.resolve())!r}\nROOT = {str(ROOT)!r}\n{_ONE_TREE}"
            subprocess.run([sys.executable, "-c", code], check=True)


if __name__ == "__main__":
    main()
