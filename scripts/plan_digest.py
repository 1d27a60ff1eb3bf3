"""Digests of the plans of ~145 machine x model cases, to show a planner change leaves every plan
as it was (every task's fields, dependencies and reasons, every SRAM range, tiles, DDR homes).

    PYTHONHASHSEED=0 python scripts/plan_digest.py --out /tmp/after.json
    PYTHONHASHSEED=0 PYTHONPATH=/tmp/base python /path/to/plan_digest.py --out /tmp/before.json
    python scripts/plan_digest.py --diff /tmp/before.json /tmp/after.json

Cases: MobileNet on edge1 at 10 SRAM sizes x 4 buses x 2 engines, on every other bundled machine
at 3 SRAM sizes, with and without overlap; ResNet-50 on edge1 and edge1-fused; a small GPT and
a small LLaMA (prefill and decode) on 3 machines x 3 SRAM sizes; GPT-2 small prefill on edge1
and edge1-fused (2 GiB of DDR). Reads the plan through its records (`Task`, `Allocation`), so
it works on any commit whose plan reads as records.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HW = ROOT / "hardware"


def digest(plan: object) -> str:
    """sha256 of every task, allocation, tile count and DDR home of `plan`, in order."""
    h = hashlib.sha256()
    for task in plan.tasks:  # type: ignore[attr-defined]
        h.update(repr(tuple(task)).encode())
    for allocation in plan.allocations:  # type: ignore[attr-defined]
        h.update(repr(tuple(allocation)).encode())
    h.update(repr(plan.tiles).encode())  # type: ignore[attr-defined]
    h.update(repr(plan.ddr).encode())  # type: ignore[attr-defined]
    return h.hexdigest()


def cases(folder: Path) -> list[tuple[str, Path, str, dict[str, str], bool]]:
    """(name, model, machine file, overrides, overlap) of every case."""
    builders = [
        (["build_gpt.py", "--layers", "2", "--dim", "64", "--heads", "4", "--vocab", "500",
          "--context", "64"], folder / "gpt"),
        (["build_llama.py", "--layers", "2", "--dim", "128", "--heads", "4", "--kv-heads", "2",
          "--ffn", "256", "--vocab", "700", "--context", "96"], folder / "llama"),
        (["build_gpt.py", "--layers", "12", "--dim", "768", "--heads", "12", "--vocab", "50257",
          "--context", "1024", "--weightless"], folder / "gpt2"),
        (["build_resnet.py"], folder / "resnet"),
    ]  # fmt: skip
    for arguments, out in builders:
        out.mkdir()
        command = [sys.executable, str(ROOT / "workloads" / arguments[0]), *arguments[1:]]
        subprocess.run([*command, "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
    mobilenet = ROOT / "workloads" / "mobilenet.onnx"
    found: list[tuple[str, Path, str, dict[str, str], bool]] = []
    for sram in (4, 8, 12, 16, 24, 32, 48, 64, 128, 256):
        for bus in ("0.5 GB/s", "1 GB/s", "4 GB/s", "16 GB/s"):
            for peak in ("1 TFLOPS", "4 TFLOPS"):
                overrides = {"sram.capacity": f"{sram} KiB", "bus.bandwidth": bus,
                             "matrix_engine.peak": peak}  # fmt: skip
                found.append((f"mobilenet edge1 {overrides}", mobilenet, "edge1", overrides, True))
    others = sorted(p.stem for p in HW.glob("*.yaml") if p.stem != "edge1")
    for machine in others:
        for sram in ("8 KiB", "32 KiB", "256 KiB"):
            found.append((f"mobilenet {machine} {sram}", mobilenet, machine,
                          {"sram.capacity": sram}, True))  # fmt: skip
    for sram in ("4 KiB", "16 KiB", "64 KiB"):
        found.append((f"mobilenet edge1 {sram} serial", mobilenet, "edge1",
                      {"sram.capacity": sram}, False))  # fmt: skip
    found.append(("mobilenet edge1", mobilenet, "edge1", {}, True))
    resnet = folder / "resnet" / "resnet50.onnx"
    for machine in ("edge1", "edge1-fused", "edge1-systolic"):
        found.append((f"resnet50 {machine}", resnet, machine, {}, True))
    for model in ("gpt/gpt_prefill", "gpt/gpt_decode", "llama/llama_prefill",
                  "llama/llama_decode"):  # fmt: skip
        for machine in ("edge1", "edge1-fused", "edge1-2dma"):
            for sram in ("16 KiB", "64 KiB", "512 KiB"):
                found.append((f"{model} {machine} {sram}", folder / f"{model}.onnx", machine,
                              {"sram.capacity": sram}, True))  # fmt: skip
    for machine in ("edge1", "edge1-fused"):
        found.append((f"gpt2 small {machine}", folder / "gpt2" / "gpt_prefill.onnx", machine,
                      {"ddr.capacity": "2 GiB"}, True))  # fmt: skip
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path)
    parser.add_argument("--only", default="", help="only cases whose name contains this")
    parser.add_argument("--diff", nargs=2, type=Path)
    args = parser.parse_args()
    if args.diff:
        before, after = (json.loads(p.read_text()) for p in args.diff)
        differ = [name for name in before if before[name] != after.get(name)]
        print(f"{len(before)} cases, {len(differ)} differ", *differ, sep="\n")
        sys.exit(1 if differ or set(before) != set(after) else 0)
    from accelsim.hardware_file import load_hardware, with_overrides
    from accelsim.lowering import lower
    from accelsim.memory.policies import make_plan
    from accelsim.workload import import_onnx

    out: dict[str, str] = {}
    seconds = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for name, model, machine, overrides, overlap in cases(Path(folder)):
            if args.only not in name:
                continue
            hw = with_overrides(load_hardware(HW / f"{machine}.yaml"), overrides)
            program = lower(import_onnx(model), hw)
            start = time.process_time()
            plan = make_plan(program, hw, policy="liveness", overlap=overlap)
            seconds += time.process_time() - start
            out[name] = digest(plan)
    print(f"{len(out)} cases, planning {seconds:.2f} s CPU", file=sys.stderr)
    text = json.dumps(out, indent=1)
    if args.out:
        args.out.write_text(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
