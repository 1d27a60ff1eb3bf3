"""Simulation time of the banked DDR tier against the rate tier, and what the banked DDR reports.

    python benchmarks/bench_dram.py [--repeat 3]

Runs MobileNet and the GPT decode step (workloads/) on each banked machine and its rate twin
(edge1-ddr4 and edge1-lpddr4 vs edge1, cloud1-hbm2 vs cloud1) in this process, best of
`--repeat` wall times, and prints latency, the DRAM's row-hit rate and achieved bandwidth, the
layers' bounds and the DRAM energy (the README's "Banked DRAM" table).

Then the DRAM model alone: each banked run's bursts replayed on a fresh `BankedDram`, once a
transfer at a time (`stream`, what the tier does) and once a burst at a time (`access`, what
it did before bursts nothing can interleave with took a short path), alternated, best of
`--repeat`.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from accelsim.api import run
from accelsim.ddr_layers import layer_ddr
from accelsim.dram import BankedDram

if TYPE_CHECKING:
    from accelsim.timing.ddr_banked import DramRun

ROOT = Path(__file__).resolve().parents[1]
MODELS = {"MobileNet": "workloads/mobilenet.onnx", "GPT decode": "workloads/gpt_decode.onnx"}
MACHINES = ("edge1", "edge1-ddr4", "edge1-lpddr4", "cloud1", "cloud1-hbm2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("| model | machine | latency | sim s | row hits | DRAM B/s while moving | bounds | "
          "DRAM energy |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---|---:|")
    runs: dict[str, DramRun] = {}
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
                runs[f"{model} on {machine}"] = result.dram
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

    print("\n| bursts of | bursts | a transfer at a time | a burst at a time | speed-up |")
    print("|---|---:|---:|---:|---:|")
    for name, dram in runs.items():
        times = {"stream": float("inf"), "burst": float("inf")}
        for _ in range(args.repeat):
            for mode in times:
                start = time.perf_counter()
                _replay(dram, by_burst=mode == "burst")
                times[mode] = min(times[mode], time.perf_counter() - start)
        stream, burst = times["stream"], times["burst"]
        print(f"| {name} | {len(dram.bursts):,} | {stream * 1e3:.1f} ms | {burst * 1e3:.1f} ms "
              f"| {burst / stream:.2f}x |")  # fmt: skip


def _replay(run: DramRun, *, by_burst: bool) -> int:
    """Serve a run's bursts again, transfer by transfer; the last data-done clock."""
    page = "closed" if run.page == "closed" else "open"
    dram = BankedDram(run.spec, mapping=run.mapping, page=page)
    size, position, end = run.spec.burst_bytes, 0, 0
    for record in run.transfers:
        first = record.address - record.address % size
        count = len(range(first, record.address + record.nbytes, size))
        arrivals = [t for _, _, t in run.bursts[position : position + count]]
        position += count
        if by_burst:
            for i, t in enumerate(arrivals):
                done = dram.access(first + i * size, size, write=record.write, arrival=t)
                end = max(end, done.end)
        else:
            end = max(end, *dram.stream(first, arrivals, write=record.write), 0)
    return end


if __name__ == "__main__":
    main()
