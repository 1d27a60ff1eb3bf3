"""Peak memory of `accelsim inspect` and `accelsim run` on a large generated model.

    python benchmarks/bench_memory.py [--mb 120]

Writes a chain of MatMuls with about `--mb` MB of float32 weights (onnx.helper, a temporary
folder, nothing kept), then runs `accelsim inspect --json` and `accelsim run --json` on edge1 in
child processes and reports each one's peak RSS beside the file size and the interpreter with
accelsim's imports alone.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parents[1]


def big_model(megabytes: int, dim: int = 1024) -> onnx.ModelProto:
    """x (1, 16, dim) through MatMuls with (dim, dim) float32 weights, ReLU between them."""
    layers = max(1, megabytes * 10**6 // (dim * dim * 4))
    nodes, weights, previous = [], [], "x"
    rng = np.random.default_rng(0)
    for index in range(layers):
        name = f"w{index}"
        weights.append(numpy_helper.from_array(rng.standard_normal((dim, dim), np.float32), name))
        nodes.append(helper.make_node("MatMul", [previous, name], [f"m{index}"], name=f"mm{index}"))
        nodes.append(helper.make_node("Relu", [f"m{index}"], [f"r{index}"], name=f"relu{index}"))
        previous = f"r{index}"
    graph = helper.make_graph(
        nodes, "big", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16, dim])],
        [helper.make_tensor_value_info(previous, TensorProto.FLOAT, [1, 16, dim])], weights,
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


_MEASURE = (
    "import resource, subprocess, sys; "
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def peak_mb(command: list[str]) -> float:
    """Peak RSS of `command` in MB, measured by a fresh parent that runs only it (a process's
    ru_maxrss of children is the largest child it ever waited for)."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command], check=True, capture_output=True, text=True
    )
    return int(done.stdout) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mb", type=int, default=120, help="weights in MB (default 120)")
    parser.add_argument("--write", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:  # in a child, so the measured children never inherit the builder's pages
        onnx.save(big_model(args.mb), str(args.write))
        return
    accelsim = [sys.executable, "-m", "accelsim"]
    imports = "import accelsim.workload, accelsim.api, onnx, onnxruntime, simpy, rich"
    baseline = peak_mb([sys.executable, "-c", imports])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.onnx"
        build = [sys.executable, __file__, "--mb", str(args.mb), "--write", str(path)]
        subprocess.run(build, check=True)
        size = path.stat().st_size / 1e6
        rows = [
            ("inspect", peak_mb([*accelsim, "inspect", str(path), "--json"])),
            ("run edge1", peak_mb([*accelsim, "run", str(path), "--hw",
                                   str(ROOT / "hardware/edge1.yaml"), "--json"])),
        ]  # fmt: skip
    print(f"model file {size:.0f} MB; interpreter + imports {baseline:.0f} MB peak RSS")
    for name, peak in rows:
        print(
            f"{name:<10} peak RSS {peak:6.0f} MB "
            f"({(peak - baseline) / size:.2f} x the file above the imports)"
        )


if __name__ == "__main__":
    main()
