"""Regenerate reports/llm: the LLM-serving questions, answered by simulation and checked by a
closed form.

    python scripts/llm_report.py                 # everything (tens of minutes on a busy machine)
    python scripts/llm_report.py --part decode   # one part: decode, prefill, serving

Models are built weightless by workloads/build_gpt.py and workloads/build_llama.py (shapes only),
so nothing is downloaded. Writes one CSV per part and README.md (tables made from the CSVs) in
reports/llm/. Every row records the wall time and peak memory of its simulation.

decode: GPT-2 small (12 layers, dim 768, vocab 50257), one decode step at batch B and KV length
N on edge1 and cloud1, against the closed form: bytes = the weights once + B x (the cache read,
2·L·N·D, + one new K and V row per layer, 2·L·D, + the logits V + its token's embedding row D
+ the token id) over the link; FLOPs = 2 x B x (12·L·D² + 2·L·(N + 1)·D + D·V) over the matrix
peak; the closed form is the larger. The bus-bound crossover is the batch where the two meet.
A step whose caches do not fit the machine's DDR runs with 16 GiB of it (`ddr_gib`).
prefill: GPT-2 small prefill against the context on cloud1 and edge1, with and without
`lowering.attention: fused` (plus the element-wise epilogue), as edge1-fused declares.
serving: LLaMA-7B time to first token (prefill of the prompt) and tokens/s (one decode step at
the prompt's length, at batch 1 and 16) on cloud1 and on orin-nano (a Jetson Orin Nano
Super-like module), with int8 and int4 weights. The prompt is one sequence: a batch of 16
prompts of 512 tokens makes the gathered embedding rows a 33.5 MB weight slice that the tiler
cannot split by rows. Not on edge1 here (its 1 GiB of DDR holds no 6.7 GB of weights; with more,
the README's LLM serving section gives a decode step's time, tasks and memory).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import onnx

from accelsim.api import simulate_graph
from accelsim.errors import PlanError
from accelsim.hardware import Hardware
from accelsim.hardware_file import load_hardware, with_overrides
from accelsim.workload import import_onnx

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "reports" / "llm"
DDR_RAISED = 16 * 2**30
"""DDR a decode step runs with when its caches do not fit the machine's (edge1's 1 GiB holds no
64 caches of 1,024 positions: 1.2 GB); the `ddr_gib` column says which."""
GPT2 = {"layers": 12, "dim": 768, "heads": 12, "vocab": 50257}
FUSED = {"lowering.epilogue": ["Add", "Sub", "Mul", "Div", "Gelu", "Erf", "Tanh", "Pow", "Sigmoid"],
         "lowering.attention": "fused", "lowering.keep_outputs": True}  # fmt: skip


def _module(name: str):  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT / "workloads"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "workloads" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _machine(name: str, overrides: dict[str, object] | None = None) -> Hardware:
    hw = load_hardware(ROOT / "hardware" / f"{name}.yaml")
    return with_overrides(hw, overrides) if overrides else hw


def _simulate(model: onnx.ModelProto, hw: Hardware, batch: int | None = None) -> dict[str, float]:
    """Latency and busy times of one run, with its wall time and the process's peak memory."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.onnx"
        onnx.save(model, str(path))
        start = time.perf_counter()
        result = simulate_graph(import_onnx(path, batch=batch), hw, name=path.name)
    return {
        "latency_s": result.latency_s,
        "floor_s": result.floor.cycles / hw.clock,
        "bus_bytes": result.bus_read_bytes + result.bus_write_bytes,
        "bus_busy": result.kind_utilisation("dma"),
        "wall_s": round(time.perf_counter() - start, 1),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def _write(name: str, rows: list[dict[str, object]]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / f"{name}.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _say(row: dict[str, object]) -> None:
    print(", ".join(f"{k}={v}" for k, v in row.items()), flush=True)


def decode_closed_form(hw: Hardware, *, layers: int, dim: int, vocab: int, batch: int,
                       past: int) -> tuple[float, float, float]:  # fmt: skip
    """(bus seconds, compute seconds, crossover batch) of one GPT-2 decode step, int8."""
    weights = layers * (12 * dim * dim + 13 * dim + 1) + 2 * dim + vocab * dim + dim
    per_sequence = 2 * layers * past * dim + 2 * layers * dim + vocab + dim + 1
    macs = 12 * layers * dim * dim + 2 * layers * (past + 1) * dim + dim * vocab
    link = min(hw.dma.bandwidth, hw.ddr.bandwidth)
    peak = hw.matrix.peak
    assert peak is not None
    bus = (weights + batch * per_sequence) / link
    compute = 2 * batch * macs / peak
    denominator = 2 * macs / peak - per_sequence / link
    crossover = weights / link / denominator if denominator > 0 else float("inf")
    return bus, compute, crossover


def decode_rows(batches: Iterable[int], contexts: Iterable[int]) -> list[dict[str, object]]:
    build = _module("build_gpt")
    rows = []
    for past in contexts:
        config = build.Config(**GPT2, context=past + 1, past=past, batch="batch")
        model = build.build(config, decode=True, weightless=True)
        for machine in ("edge1", "cloud1"):
            hw = _machine(machine)
            for batch in batches:
                bus, compute, crossover = decode_closed_form(
                    hw, layers=12, dim=768, vocab=50257, batch=batch, past=past
                )
                closed = max(bus, compute)
                row = {
                    "machine": machine, "context": past, "batch": batch,
                    "closed_form_ms": round(closed * 1e3, 4),
                    "closed_bound": "bus" if bus >= compute else "compute",
                    "crossover_batch": round(crossover, 1),
                }  # fmt: skip
                got, ddr, error = _decode_run(model, hw, batch)
                row["ddr_gib"] = round(ddr / 2**30, 3)
                if got is None:  # recorded, not skipped
                    row |= {"latency_ms": "", "diff_pct": "", "tokens_per_s": "",
                            "wall_s": "", "peak_rss_mb": "", "error": error}  # fmt: skip
                else:
                    row |= {
                        "latency_ms": round(got["latency_s"] * 1e3, 4),
                        "diff_pct": round(100 * (got["latency_s"] / closed - 1), 2),
                        "tokens_per_s": round(batch / got["latency_s"], 1),
                        "wall_s": got["wall_s"], "peak_rss_mb": got["peak_rss_mb"], "error": "",
                    }  # fmt: skip
                _say(row)
                rows.append(row)
    return rows


def _decode_run(
    model: onnx.ModelProto, hw: Hardware, batch: int
) -> tuple[dict[str, float] | None, int, str]:
    """(the run, or None; the DDR capacity it ran with; the error): a step whose caches do
    not fit the machine's DDR runs again with `DDR_RAISED` (the time of a step does not depend
    on how much DDR is left over)."""
    try:
        return _simulate(model, hw, batch), hw.ddr.capacity, ""
    except PlanError as error:
        if not str(error).startswith("ddr.capacity") or hw.ddr.capacity >= DDR_RAISED:
            return None, hw.ddr.capacity, str(error)
    return _decode_run(model, with_overrides(hw, {"ddr.capacity": DDR_RAISED}), batch)


def prefill_rows(contexts: dict[str, Iterable[int]]) -> list[dict[str, object]]:
    build = _module("build_gpt")
    rows = []
    for machine, lengths in contexts.items():
        for context in lengths:
            model = build.build(build.Config(**GPT2, context=context), decode=False,
                                weightless=True)  # fmt: skip
            for fused in (False, True):
                got = _simulate(model, _machine(machine, FUSED if fused else None))
                row = {
                    "machine": machine, "context": context, "fused": fused,
                    "latency_ms": round(got["latency_s"] * 1e3, 3),
                    "floor_ms": round(got["floor_s"] * 1e3, 3),
                    "x_floor": round(got["latency_s"] / got["floor_s"], 2),
                    "bus_mb": round(got["bus_bytes"] / 1e6, 1),
                    "wall_s": got["wall_s"], "peak_rss_mb": got["peak_rss_mb"],
                }  # fmt: skip
                _say(row)
                rows.append(row)
    return rows


def serving_rows(machines: Iterable[str], prompt: int) -> list[dict[str, object]]:
    build = _module("build_llama")
    config = build.Config(**build.PRESETS["7b"], context=prompt, past=prompt, batch="batch")
    graphs = {phase: build.build(config, decode=phase == "decode", weightless=True)
              for phase in ("prefill", "decode")}  # fmt: skip
    rows = []
    for machine in machines:
        for weights in ("int8", "int4"):
            hw = _machine(machine, {"dtypes.weights": weights})
            first = _simulate(graphs["prefill"], hw, 1)
            row: dict[str, object] = {"machine": machine, "weights": weights, "prompt": prompt,
                                      "ttft_ms": round(first["latency_s"] * 1e3, 2)}  # fmt: skip
            wall, peak, errors = first["wall_s"], first["peak_rss_mb"], []
            for batch in (1, 16):
                names = [f"{field}_b{batch}" for field in ("decode_ms", "tokens_per_s",
                                                           "decode_x_floor")]  # fmt: skip
                try:
                    step = _simulate(graphs["decode"], hw, batch)
                except PlanError as error:  # recorded, not skipped
                    row |= dict.fromkeys(names, "")
                    errors.append(f"batch {batch}: {error}")
                    continue
                row |= dict(zip(names, (
                    round(step["latency_s"] * 1e3, 3), round(batch / step["latency_s"], 1),
                    round(step["latency_s"] / step["floor_s"], 3),
                ), strict=True))  # fmt: skip
                wall, peak = wall + step["wall_s"], step["peak_rss_mb"]
            row |= {"wall_s": round(wall, 1), "peak_rss_mb": peak, "error": "; ".join(errors)}
            _say(row)
            rows.append(row)
    return rows


PARTS: dict[str, Callable[[], list[dict[str, object]]]] = {
    "decode": lambda: decode_rows((1, 8, 64), (128, 1024, 8192)),
    "prefill": lambda: prefill_rows({"cloud1": (256, 1024, 2048), "edge1": (1024,)}),
    "serving": lambda: serving_rows(("cloud1", "orin-nano"), 512),
}


def _render() -> None:
    """reports/llm/README.md: this script's docstring and a table per CSV written so far."""
    text = ["# LLM serving on accelsim (generated by `python scripts/llm_report.py`)", "",
            (__doc__ or "").strip(), ""]  # fmt: skip
    for part in PARTS:
        path = OUT / f"{part}.csv"
        if not path.exists():
            continue
        with path.open(newline="") as handle:
            rows = list(csv.reader(handle))
        text += [f"## {part}", "", "| " + " | ".join(rows[0]) + " |",
                 "|" + "---|" * len(rows[0])]  # fmt: skip
        text += ["| " + " | ".join(row) + " |" for row in rows[1:]]
        text.append("")
    (OUT / "README.md").write_text("\n".join(text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=sorted(PARTS), action="append",
                        help="only these parts (default: all)")  # fmt: skip
    args = parser.parse_args()
    for part in args.part or PARTS:
        _write(part, PARTS[part]())
    _render()


if __name__ == "__main__":
    main()
