"""Simulation time of the banked DDR tier against the rate tier, and what the banked DDR reports.

    python benchmarks/bench_dram.py [--repeat 3]

Runs MobileNet and the GPT decode step (workloads/) on each banked machine and its rate twin
(edge1-ddr4 and edge1-lpddr4 vs edge1, cloud1-hbm2 vs cloud1) in this process, best of
`--repeat` wall times, and prints latency, the DRAM's row-hit rate and achieved bandwidth, the
layers' bounds and the DRAM energy (the README's "Banked DRAM" table).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from accelsim.api import run
from accelsim.ddr_layers import layer_ddr

ROOT = Path(__file__).resolve().parents[1]
MODELS = {"MobileNet": "workloads/mobilenet.onnx", "GPT decode": "workloads/gpt_decode.onnx"}
MACHINES = ("edge1", "edge1-ddr4", "edge1-lpddr4", "cloud1", "cloud1-hbm2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("| model | machine | latency | sim s | row hits | DRAM B/s while moving | bounds | DRAM energy |")
    print("|---|---|---:|---:|---:|---:|---|---:|")
    for model, path in MODELS.items():
        for machine in MACHINES:
            best, result = float("inf"), None
            for _ in range(args.repeat):
                start = time.perf_counter()
                result = run(ROOT / path, ROOT / "hardware" / f"{machine}.yaml")
                best = min(best, time.perf_counter() - start)
            assert result is not None
            bounds = Counter(layer.bound for layer in result.layers)
            hits = bandwidth = energy = "-"
            layers = layer_ddr(result)
            if result.dram is not None and layers is not None:
                hits = f"{result.dram.row_hit_rate:.1%}"
                moved = sum(x.nbytes for x in layers)
                busy = sum(x.busy_cycles for x in layers)
                bandwidth = f"{moved * result.hardware.clock / busy / 1e9:.3g} GB/s"
                energy = f"{result.dram.energy.total_j * 1e6:.1f} µJ"
            print(
                f"| {model} | {machine} | {result.latency_cycles:,} cyc = "
                f"{result.latency_s * 1e6:.2f} µs | {best:.2f} | {hits} | {bandwidth} | "
                f"{', '.join(f'{k} {v}' for k, v in bounds.most_common())} | {energy} |"
            )


if __name__ == "__main__":
    main()
