"""How planning time grows with the model: layers vs seconds for long chains.

    python benchmarks/bench_planning.py                  # the README table (about a minute)
    python benchmarks/bench_planning.py --layers 3200 --op Conv --hw hardware/edge1.yaml

Builds chains of Relu (or 1x1 Conv) nodes with onnx.helper in a temporary folder, then times
import, lowering + planning + simulation + summary separately. Linear planning shows as a
constant time per layer across the rows.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parents[1]


def chain(op: str, layers: int, channels: int, side: int) -> onnx.ModelProto:
    """`layers` nodes of `op` one after another on a 1 x channels x side x side tensor."""
    nodes, weights = [], []
    previous = "x"
    for index in range(layers):
        out = f"t{index}"
        if op == "Conv":
            name = f"w{index}"
            value = np.ones((channels, channels, 1, 1), np.float32)
            weights.append(numpy_helper.from_array(value, name))
            nodes.append(helper.make_node("Conv", [previous, name], [out], name=f"n{index}"))
        else:
            nodes.append(helper.make_node(op, [previous], [out], name=f"n{index}"))
        previous = out
    shape = [1, channels, side, side]
    graph = helper.make_graph(
        nodes, "chain",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info(previous, TensorProto.FLOAT, shape)],
        weights,
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def time_chain(op: str, layers: int, hw_path: Path, channels: int, side: int) -> dict:
    from accelsim.api import simulate_graph
    from accelsim.hardware_file import load_hardware
    from accelsim.workload import import_onnx

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "chain.onnx"
        onnx.save(chain(op, layers, channels, side), str(path))
        hw = load_hardware(hw_path)
        start = time.perf_counter()
        graph = import_onnx(path)
        imported = time.perf_counter()
        result = simulate_graph(graph, hw, name="chain")
        done = time.perf_counter()
    return {
        "op": op, "layers": layers, "hw": hw_path.stem, "import_s": imported - start,
        "simulate_s": done - imported, "tasks": len(result.plan.tasks),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--layers", type=int, nargs="*")
    parser.add_argument("--op", default="Relu", choices=["Relu", "Conv"])
    parser.add_argument("--hw", type=Path, default=ROOT / "hardware" / "cloud1.yaml")
    parser.add_argument("--channels", type=int, default=16)
    parser.add_argument("--side", type=int, default=8)
    args = parser.parse_args()
    runs = [(args.op, n, args.hw) for n in args.layers or ()] or [
        *(("Relu", n, ROOT / "hardware" / "cloud1.yaml") for n in (100, 400, 1600, 3200, 10000)),
        *((op, 10000, ROOT / "hardware" / "edge1.yaml") for op in ("Relu", "Conv")),
    ]
    print(f"{'op':<5} {'hw':<7} {'layers':>7} {'import s':>9} {'plan+sim s':>11} {'µs/layer':>9}")
    for op, layers, hw_path in runs:
        row = time_chain(op, layers, hw_path, args.channels, args.side)
        per = (row["import_s"] + row["simulate_s"]) / layers * 1e6
        print(f"{row['op']:<5} {row['hw']:<7} {layers:>7} {row['import_s']:>9.2f}"
              f" {row['simulate_s']:>11.2f} {per:>9.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
