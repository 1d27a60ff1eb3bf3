"""Exporter idioms around the newer ops, each against a count worked out by hand.

The registry table (`test_rules.py`) has one case per op; these are the second spellings that
real exports use (scalar-index Gather, Split by sizes, x ** 0.5, tanh GELU, ellipsis Einsum) and
what the pipeline does with them (an embedding reads only its rows, an LSTM runs step by step).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto

from accelsim.api import simulate_graph
from accelsim.hardware_file import load_hardware
from accelsim.workload import import_onnx
from tests.onnx_builders import save, single_op, weights

ROOT = Path(__file__).resolve().parents[2]
X234 = {"x": [2, 3, 4]}


def _import(model, tmp_path: Path):
    return import_onnx(save(model, tmp_path / "m.onnx"))


def test_embedding_gather_reads_only_the_rows_it_looks_up(tmp_path: Path) -> None:
    # ids (2, 3) into a (1000, 4) table: 6 rows of 4 = 24 weight bytes at int8, not 4,000
    model = single_op("Gather", ["table", "ids"], activations={"ids": [2, 3]},
                      initializers={"table": weights((1000, 4))},
                      types={"ids": TensorProto.INT64})  # fmt: skip
    graph = _import(model, tmp_path)
    (op,) = graph.ops
    assert op.inputs == ("table[op]", "ids")
    assert (graph.tensor("table[op]").shape, graph.tensor("table[op]").kind) == (
        (2, 3, 4),
        "weight",
    )
    result = simulate_graph(graph, load_hardware(ROOT / "hardware/edge1.yaml"), name="m")
    # ids 6 B + rows 24 B in, output 24 B out
    assert (result.bus_read_bytes, result.bus_write_bytes) == (30, 24)


def test_scalar_index_gather_on_an_activation_is_a_copy_of_the_selection(tmp_path: Path) -> None:
    # x[:, 0] on (2, 3, 4): the index is a constant parameter, output (2, 4) = 8 copies
    index = {"i": np.array(0, np.int64)}
    model = single_op(
        "Gather", ["x", "i"], activations=X234, initializers=index, attributes={"axis": 1}
    )
    (op,) = _import(model, tmp_path).ops
    assert (op.inputs, op.vector_ops) == (("x",), 8)


def test_split_by_sizes_copies_each_used_output_apart(tmp_path: Path) -> None:
    # opset 13 sizes [1, 3] on axis 2 of (2, 3, 4): (2, 3, 1) + (2, 3, 3) = 6 + 18 copies
    model = single_op("Split", ["x", "s"], activations=X234, outputs=("y", "z"),
                      initializers={"s": np.array([1, 3], np.int64)}, attributes={"axis": 2},
                      graph_outputs=2)  # fmt: skip
    # Each part is its own copy, so each can be planned and tiled alone.
    ops = _import(model, tmp_path).ops
    assert [(op.name, op.outputs, op.vector_ops) for op in ops] == [
        ("op:0", ("y",), 6), ("op:1", ("z",), 18)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("op_type", "inputs", "initializers", "attributes", "opset", "vector_ops"),
    [
        # x ** 0.5 is no whole power: log, multiply, exp = 3 * 24
        ("Pow", ["x", "p"], {"p": np.array(0.5, np.float32)}, {}, 17, 72),
        # x ** 3: two multiplies * 24
        ("Pow", ["x", "p"], {"p": np.array(3, np.float32)}, {}, 17, 48),
        # tanh GELU: x³ 2, ·c 1, +x 1, ·√(2/π) 1, tanh 5, +1 1, ·x 1, ·0.5 1 = 13 * 24
        ("Gelu", ["x"], {}, {"approximate": "tanh"}, 20, 312),
        # nearest resize of (2, 3, 4) to (2, 3, 8): 48 copies
        ("Resize", ["x", "", "s"], {"s": np.array([1, 1, 2], np.float32)}, {}, 17, 48),
    ],
)
def test_second_spellings(tmp_path, op_type, inputs, initializers, attributes, opset, vector_ops):
    model = single_op(op_type, inputs, activations=X234, initializers=initializers,
                      attributes=attributes, opset=opset)  # fmt: skip
    (op,) = _import(model, tmp_path).ops
    assert op.vector_ops == vector_ops


def test_einsum_with_an_ellipsis_counts_the_broadcast_dims(tmp_path: Path) -> None:
    # "...ij,jk->...ik" with ... = (2,), i=3, j=4, k=5: 2·3·4·5 = 120 MACs
    model = single_op("Einsum", ["x", "w"], activations=X234, initializers={"w": weights((4, 5))},
                      attributes={"equation": "...ij,jk->...ik"})  # fmt: skip
    (op,) = _import(model, tmp_path).ops
    assert op.macs == 120


def test_lstm_runs_a_gemm_then_its_gates_at_every_step(tmp_path: Path) -> None:
    # T=3, B=1, I=4, H=2: per step 48 MACs on the matrix engine, then 46 gate ops on the vector
    # unit. edge1 (1 GHz) does 1,000 FLOP and 10 vector ops a cycle: a step's GEMM takes
    # ceil(2·48 / 1000) = 1 cycle and its gates ceil(46 / 10) = 5 cycles; 3 steps of each.
    w = np.full((1, 8, 4), 0.1, np.float32)
    r = np.full((1, 8, 2), 0.1, np.float32)
    model = single_op("LSTM", ["x", "w", "r"], activations={"x": [3, 1, 4]},
                      initializers={"w": w, "r": r}, attributes={"hidden_size": 2})  # fmt: skip
    graph = _import(model, tmp_path)
    assert [op.op_type for op in graph.ops] == ["MatMul", "LSTM"] * 3
    assert [op.name for op in graph.ops] == [f"op:{k}" for k in range(6)]
    assert graph.ops[2].inputs == ("x", "op:1", "w", "r")  # x_t, h_t-1 and the weights
    result = simulate_graph(graph, load_hardware(ROOT / "hardware/edge1.yaml"), name="m")
    units = [layer.unit for layer in result.program.layers]
    assert units == ["matrix", "vector"] * 3
    assert (result.busy_cycles("matrix"), result.busy_cycles("vector")) == (3, 15)
