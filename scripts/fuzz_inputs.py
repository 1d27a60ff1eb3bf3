"""Fuzz campaign over the command line: mutate the bundled ONNX and YAML files, run accelsim on
each mutant in a subprocess, and report every outcome that is not a clean success (exit 0) or a
clean refusal (exit 2 with one stderr line and no traceback): crashes, tracebacks, multi-line
errors, timeouts and memory blow-ups.

    python scripts/fuzz_inputs.py --iterations 200 --seed 1 --keep fuzz-failures/
    nice python scripts/fuzz_inputs.py --mode attributes --iterations 2000 --seed 1 \
        --out fuzz/attributes.jsonl     # resumable; see scripts/fuzz_attributes.py

The CI battery (tests/hostile/) holds one hand-made case per known class; this script hunts for
new ones. Mutations are plain random bytes (flips, truncation, splices) and structured edits that
keep the file parseable (ONNX dims and integer attributes set to edge values; YAML values
replaced by 1e400, nan, -1, huge integers, aliases), which reach far deeper than byte noise.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = sorted((ROOT / "workloads").glob("*.onnx"))
HARDWARE = sorted((ROOT / "hardware").glob("*.yaml"))
EDGE_INTS = [0, -1, 1, 2**31, 2**40, 2**63 - 1, -(2**63)]
EDGE_VALUES = ["1e400", "nan", "-1", "0", "1e-320 GB/s", "1e999999 B", "9" * 5000, "*a", "[]", "{}"]
MEMORY_LIMIT_BYTES = 4 << 30


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    """One random byte-level change: flip bytes, truncate, splice a chunk, or insert noise."""
    data = bytearray(data)
    kind = rng.choice(["flip", "truncate", "splice", "insert"])
    if kind == "flip":
        for _ in range(rng.randint(1, 16)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif kind == "truncate":
        del data[rng.randrange(len(data)) :]
    elif kind == "splice":
        start = rng.randrange(len(data))
        chunk = data[start : start + rng.randint(1, 4096)]
        at = rng.randrange(len(data))
        data[at:at] = chunk
    else:
        at = rng.randrange(len(data))
        data[at:at] = rng.randbytes(rng.randint(1, 256))
    return bytes(data)


def mutate_onnx(data: bytes, rng: random.Random) -> bytes:
    """Set an input dimension or an integer attribute to an edge value (still a valid protobuf)."""
    import onnx

    model = onnx.ModelProto()
    model.ParseFromString(data)
    graph = model.graph
    if rng.random() < 0.3 and graph.input:
        dims = graph.input[0].type.tensor_type.shape.dim
        if dims:
            dims[rng.randrange(len(dims))].dim_value = rng.choice(EDGE_INTS)
    else:
        node = rng.choice(list(graph.node))
        ints = [a for a in node.attribute if a.type in (onnx.AttributeProto.INT,
                                                          onnx.AttributeProto.INTS)]  # fmt: skip
        if ints:
            attribute = rng.choice(ints)
            if attribute.type == onnx.AttributeProto.INT:
                attribute.i = rng.choice(EDGE_INTS)
            elif attribute.ints:
                attribute.ints[rng.randrange(len(attribute.ints))] = rng.choice(EDGE_INTS)
        else:
            node.op_type = rng.choice(["Conv", "Relu", "MatMul", "Range", "Pad", node.op_type])
    if rng.random() < 0.1:
        model.opset_import[0].version = rng.choice([0, 99, 10**6])
    return model.SerializeToString()


def mutate_yaml(text: str, rng: random.Random) -> str:
    """Replace one value with an edge value, or add an alias bomb."""
    lines = text.splitlines()
    if rng.random() < 0.1:
        bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"]
        bomb += [
            f"{c}: &{c} [{', '.join(['*' + p] * 9)}]"
            for p, c in zip("abcdefg", "bcdefgh", strict=True)
        ]
        return "\n".join(bomb + lines) + "\n"
    valued = [i for i, line in enumerate(lines) if re.match(r"^\s*[a-z_]+:\s*[^#\s]", line)]
    if valued:
        i = rng.choice(valued)
        key = lines[i].split(":", 1)[0]
        lines[i] = f"{key}: {rng.choice(EDGE_VALUES)}"
    return "\n".join(lines) + "\n"


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))


def run_case(args: list[str], timeout_s: float) -> str | None:
    """None when the outcome is clean, else a one-line description of what went wrong."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120"}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "accelsim", *args], capture_output=True, text=True,
            timeout=timeout_s, env=env, cwd=ROOT, preexec_fn=_limit_memory, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return f"timeout after {timeout_s:g} s"
    stderr = result.stderr
    if "Traceback" in stderr or "internal error" in stderr:
        return f"exit {result.returncode}: {stderr.strip().splitlines()[-1][:300]}"
    if result.returncode == 2 and len(stderr.splitlines()) != 1:
        return f"exit 2 with {len(stderr.splitlines())} stderr lines"
    if result.returncode not in (0, 2):
        return f"exit {result.returncode}: {stderr.strip()[-300:]}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per case")
    parser.add_argument("--keep", type=Path, help="copy every failing input into this folder")
    parser.add_argument(
        "--mode", choices=["inputs", "attributes"], default="inputs",
        help="inputs: mutate bundled files (bytes, dims, YAML values); attributes: mutate one "
        "node attribute at a time and compare accelsim's verdict with onnxruntime's",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=Path("fuzz-attributes.jsonl"),
                        help="attributes mode: verdicts as JSON lines (rerun to resume)")
    options = parser.parse_args()
    if options.mode == "attributes":
        from fuzz_attributes import run

        return run(options.seed, options.iterations, options.out, options.timeout)
    rng = random.Random(options.seed)
    failures = 0
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="accelsim-fuzz-") as scratch:
        for iteration in range(options.iterations):
            if rng.random() < 0.5:
                seed_file = rng.choice(MODELS)
                data = seed_file.read_bytes()
                mutant = mutate_onnx(data, rng) if rng.random() < 0.7 else mutate_bytes(data, rng)
                path = Path(scratch) / f"case{iteration}.onnx"
                path.write_bytes(mutant)
                args = ["inspect", str(path)] if rng.random() < 0.3 else [
                    "run", str(path), "--hw", str(ROOT / "hardware" / "edge1.yaml")]  # fmt: skip
            else:
                seed_file = rng.choice(HARDWARE)
                text = seed_file.read_text()
                path = Path(scratch) / f"case{iteration}.yaml"
                if rng.random() < 0.7:
                    path.write_text(mutate_yaml(text, rng))
                else:
                    path.write_bytes(mutate_bytes(text.encode(), rng))
                args = ["run", str(MODELS[0]), "--hw", str(path)]
            problem = run_case(args, options.timeout)
            status = "ok" if problem is None else f"FAIL {problem}"
            print(f"[{iteration}] {seed_file.name} -> {' '.join(args[:1])}: {status}", flush=True)
            if problem is not None:
                failures += 1
                if options.keep:
                    options.keep.mkdir(parents=True, exist_ok=True)
                    shutil.copy(path, options.keep / path.name)
    elapsed = time.monotonic() - started
    print(f"{options.iterations} cases in {elapsed:.0f} s, {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
