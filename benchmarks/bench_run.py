"""Speed of `accelsim run`: MobileNet whole process and in process, a tiled run's events/s, and
optionally GPT-2 small prefill on edge1 and edge1-fused and LLaMA-7B prefill on edge1 (whole
process, CPU and peak RSS) and how cost grows.

    python benchmarks/bench_run.py                   # prints a table; --json for machines
    python benchmarks/bench_run.py --gpt --scaling   # + GPT-2 small prefill, + growth tables
    python benchmarks/bench_run.py --llama 2048      # + LLaMA-7B prefill of 2,048 tokens (~1 min)
    python benchmarks/bench_run.py --compare /path/to/other/checkout --rounds 3 --gpt

Whole process: `accelsim run` as a user starts it (Python start-up and imports included), median
of N runs; its CPU time (user + system) is the figure to compare on a shared machine. In process:
lowering + planning + SimPy + summary on an already imported graph, CPU seconds, median of N.
Events/s: the same with a 4 KiB SRAM that tiles most layers (and its planning alone). `--compare` runs this script's
figures under another checkout (PYTHONPATH) and this one, alternated, in the same minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "workloads" / "mobilenet.onnx"
EDGE1 = ROOT / "hardware" / "edge1.yaml"
FUSED = ROOT / "hardware" / "edge1-fused.yaml"  # GPT-2 small's attention as one fused layer
GPT2 = ("--layers", "12", "--dim", "768", "--heads", "12", "--vocab", "50257", "--context", "1024")
# Main before DDR homes were reused refused GPT-2 small on edge1's 1 GiB: both sides get 2 GiB.
GPT_SET = ("--set", "ddr.capacity=2 GiB")
LLAMA_SET = ("--set", "ddr.capacity=8 GiB")  # LLaMA-7B's int8 weights alone are 6.7 GB


def _median_cpu(action, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.process_time()
        action()
        samples.append(time.process_time() - start)
    return statistics.median(samples)


CACHED = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
"""Every child's environment: Python's bytecode cache read and written, as an installed accelsim
has it. With PYTHONDONTWRITEBYTECODE=1 (this session's environment) each run compiled the
modules changed since the cache was last written: 21 on /work/main at 7dd3f28, +40 ms."""


def _process(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """(wall s, CPU s, peak RSS MB) of one child process (`env`: CACHED unless given)."""
    start = time.perf_counter()
    # Not from the checkout's root: `python -m` would import the package found there, not
    # the one on PYTHONPATH (`--compare`).
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=CACHED if env is None else env,
                             cwd=tempfile.gettempdir())  # fmt: skip
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    assert os.waitstatus_to_exitcode(status) == 0, command
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def _gpt(folder: Path) -> Path:
    builder = [sys.executable, str(ROOT / "workloads" / "build_gpt.py"), *GPT2]
    subprocess.run([*builder, "--weightless", "--out", str(folder)], check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return folder / "gpt_prefill.onnx"


def figures(repeats: int, gpt: bool, scaling: bool, llama: int = 0) -> dict[str, object]:
    from accelsim.api import collector_paused, simulate_graph
    from accelsim.hardware_file import load_hardware, with_overrides
    from accelsim.lowering import lower
    from accelsim.memory.policies import make_plan
    from accelsim.sim.engine import simulate
    from accelsim.timing.models import build_units
    from accelsim.workload import import_onnx

    run = [sys.executable, "-m", "accelsim", "run"]
    # the first run writes the bytecode cache (CACHED); the timed ones read it
    whole = [_process([*run, str(MODEL), "--hw", str(EDGE1)]) for _ in range(repeats + 1)][1:]
    graph = import_onnx(MODEL)
    hw = load_hardware(EDGE1)
    small = with_overrides(hw, {"sram.capacity": "4 KiB"})
    tiled = simulate_graph(graph, small, name="m")
    few = max(3, repeats // 2)
    tiled_s = _median_cpu(lambda: simulate_graph(graph, small, name="m"), few)
    engine_s = _median_cpu(
        lambda: simulate(tiled.plan, units=build_units(small), clock_hz=small.clock), few
    )
    program = lower(graph, small)

    def planning() -> None:
        with collector_paused():  # (as a run plans)
            make_plan(program, small, policy="liveness", overlap=True)

    planning_s = _median_cpu(planning, few)
    events = len(tiled.trace.events)
    out: dict[str, object] = {
        "whole_process_wall_s": statistics.median(w for w, _, _ in whole),
        "whole_process_cpu_s": statistics.median(c for _, c, _ in whole),
        "mobilenet_cycles": simulate_graph(graph, hw, name="m").latency_cycles,
        "simulation_cpu_s": _median_cpu(lambda: simulate_graph(graph, hw, name="m"), repeats),
        "tiled_events": events,
        "tiled_tiles": sum(tiled.plan.tiles),
        "tiled_cycles": tiled.latency_cycles,
        "tiled_cpu_s": tiled_s,
        "tiled_engine_cpu_s": engine_s,
        "tiled_planning_cpu_s": planning_s,
        "engine_events_per_s": events / engine_s,
        "end_to_end_events_per_s": events / tiled_s,
    }
    if scaling:
        for sram in ("64 KiB", "16 KiB"):
            machine = with_overrides(hw, {"sram.capacity": sram})
            result = simulate_graph(graph, machine, name="m")
            seconds = _median_cpu(lambda m=machine: simulate_graph(graph, m, name="m"), few)
            out[f"tiled_{sram.split()[0]}k"] = [len(result.trace.events), seconds]
    with tempfile.TemporaryDirectory() as folder:
        if gpt:
            prefill = _gpt(Path(folder))
            for key, machine in (("gpt2", EDGE1), ("gpt2_fused", FUSED)):
                wall, cpu, rss = _process([*run, str(prefill), "--hw", str(machine), *GPT_SET])
                out[f"{key}_whole_process_wall_s"], out[f"{key}_cpu_s"] = wall, cpu
                out[f"{key}_rss_mb"] = rss
        if llama:  # `accelsim run --json`, as a report of every layer, energy and power asks
            builder = [sys.executable, str(ROOT / "workloads" / "build_llama.py"), "--preset",
                       "7b", "--weightless", "--context", str(llama), "--past", str(llama)]
            subprocess.run([*builder, "--out", folder], check=True, stdout=subprocess.DEVNULL)
            model = str(Path(folder) / "llama_prefill.onnx")
            wall, cpu, rss = _process([*run, model, "--hw", str(EDGE1), *LLAMA_SET, "--json"])
            out["llama_whole_process_wall_s"], out["llama_cpu_s"] = wall, cpu
            out["llama_rss_mb"] = rss
        if scaling:  # GPT-2 small's block, 1 to 4 of them, in process
            for layers in (1, 2, 4):
                sub = Path(folder) / f"l{layers}"
                subprocess.run([sys.executable, str(ROOT / "workloads" / "build_gpt.py"),
                                *GPT2[:1], str(layers), *GPT2[2:], "--weightless", "--out",
                                str(sub)], check=True, stdout=subprocess.DEVNULL)  # fmt: skip
                model = import_onnx(sub / "gpt_prefill.onnx")
                big = with_overrides(hw, {"ddr.capacity": "2 GiB"})
                start = time.process_time()
                result = simulate_graph(model, big, name="g")
                out[f"gpt_{layers}_layers"] = [len(result.trace.events),
                                               time.process_time() - start]  # fmt: skip
    return out


def compare(other: Path, rounds: int, flags: list[str]) -> None:
    """This script's figures under `other` and this checkout, alternated `rounds` times."""
    rows: dict[str, list[dict[str, object]]] = {"before": [], "after": []}
    for _ in range(rounds):
        for side, tree in (("before", other), ("after", ROOT)):
            env = {**os.environ, "PYTHONPATH": str(tree)}
            done = subprocess.run([sys.executable, __file__, "--json", *flags], env=env,
                                  check=True, capture_output=True, text=True)  # fmt: skip
            rows[side].append(json.loads(done.stdout))
            print(side, time.strftime("%H:%M:%S"), done.stdout.strip(), flush=True)
    for key in rows["after"][0]:
        shown = [" / ".join(_short(r.get(key)) for r in rows[side]) for side in rows]
        print(f"{key:<28} before {shown[0]:<36} after {shown[1]}")


def _short(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3g}" if value < 1000 else f"{value:,.0f}"
    return str(value)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--gpt", action="store_true", help="also GPT-2 small prefill (~1 min)")
    parser.add_argument("--scaling", action="store_true", help="also cost against tiles, layers")
    parser.add_argument("--llama", type=int, default=0, metavar="CONTEXT",
                        help="also LLaMA-7B prefill of CONTEXT tokens on edge1 (2048: ~1 min)")
    parser.add_argument("--compare", type=Path, metavar="CHECKOUT")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if args.compare:
        flags = [f"--repeats={args.repeats}", *(["--gpt"] if args.gpt else []),
                 *(["--scaling"] if args.scaling else []), f"--llama={args.llama}"]  # fmt: skip
        compare(args.compare, args.rounds, flags)
        return
    found = figures(args.repeats, args.gpt, args.scaling, args.llama)
    if args.json:
        print(json.dumps(found))
        return
    for name, value in found.items():
        shown = f"{value:,.3f}" if isinstance(value, float) else f"{value}"
        print(f"{name:<28} {shown:>24}")


if __name__ == "__main__":
    main()
