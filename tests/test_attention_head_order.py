"""Heads rearranged without a copy, and only where that holds. A projection's output split into
heads, (1, S, H, d) -> (1, H, S, d), is stored in head order by the matrix layer itself (a
strided store) with fused attention only, for one sequence only (batch 1), and for that
permutation only; fused attention reads Q and writes its output through strides, unless the
transposed tensor is a graph output. Every other case keeps the Transpose copy.

Toy machine (tests/sim/toy.py), int8, SRAM large enough that everything fits.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from accelsim.hardware_file import with_overrides
from accelsim.workload import import_onnx
from tests.sim.toy import toy_machine

HEADS = (0, 2, 1, 3)


def _projection(tmp_path: Path, *, batch: int, perm: tuple[int, ...]) -> Path:
    """x (B, 8, 12) . W (12, 8), reshaped to (B, 8, 2, 4) (2 heads of 4), transposed by `perm`."""
    value = helper.make_tensor_value_info
    inits = [
        numpy_helper.from_array(np.ones((12, 8), np.float32), "W"),
        numpy_helper.from_array(np.array([batch, 8, 2, 4], np.int64), "heads"),
    ]
    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["xw"], name="proj"),
        helper.make_node("Reshape", ["xw", "heads"], ["xh"]),
        helper.make_node("Transpose", ["xh"], ["k"], perm=list(perm), name="t"),
    ]
    shape = [[batch, 8, 2, 4][axis] for axis in perm]
    graph = helper.make_graph(
        nodes, "k", [value("x", TensorProto.FLOAT, [batch, 8, 12])],
        [value("k", TensorProto.FLOAT, shape)], inits,
    )  # fmt: skip
    path = tmp_path / "k.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)]), str(path))
    return path


STORED = [(("MatMul",), ("k",))]  # the product writes k in head order
COPIED = [(("MatMul",), ("xw",)), (("Transpose",), ("k",))]  # then a Transpose copies it


@pytest.mark.parametrize(
    ("attention", "batch", "perm", "layers"),
    [
        ("fused", 1, HEADS, STORED),
        ("fused", 2, HEADS, COPIED),  # two sequences: the store is modelled for one
        ("plain", 1, HEADS, COPIED),  # part of the fused-attention option only
        ("fused", 1, (0, 2, 3, 1), COPIED),  # not a split into heads
    ],
    ids=["stored", "batch-2", "unfused", "other-perm"],
)
def test_a_head_split_is_stored_in_head_order_only_for_one_sequence_with_fused_attention(
    tmp_path, attention, batch, perm, layers
):
    hw = toy_machine()
    if attention == "fused":
        hw = with_overrides(hw, {"lowering.attention": "fused"})
    result = simulate_graph(import_onnx(_projection(tmp_path, batch=batch, perm=perm)), hw,
                            name="k")  # fmt: skip
    assert [(layer.op_types, layer.writes) for layer in result.program.layers] == layers
    # Either way x (96 B a sequence) and W (12 x 8 = 96 B) are read once and k (8 x 8 = 64 B a
    # sequence) written once: a copy stays in SRAM.
    assert (result.bus_read_bytes, result.bus_write_bytes) == (96 * batch + 96, 64 * batch)
    assert plan_violations(result.program, result.plan, result.trace, hw) == []


def _heads_last_attention(tmp_path: Path, *, also_output: str | None) -> Path:
    """softmax(Q·Kᵀ · scale) · V, 2 heads of 64 x 16: Q comes in as x (1, 64, 2, 16) through a
    Transpose to (1, 2, 64, 16) and the output leaves through one back; `also_output` (the
    transposed `q` or the heads-first `o_heads`) is a graph output too."""
    value = helper.make_tensor_value_info
    heads_first = [1, 2, 64, 16]
    inputs = [value("x", TensorProto.FLOAT, [1, 64, 2, 16])]
    inputs += [value(n, TensorProto.FLOAT, heads_first) for n in ("k", "v")]
    nodes = [
        helper.make_node("Transpose", ["x"], ["q"], perm=list(HEADS)),
        helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 1, 3, 2]),
        helper.make_node("MatMul", ["q", "kt"], ["s"], name="qk"),
        helper.make_node("Mul", ["s", "scale"], ["scaled"]),
        helper.make_node("Softmax", ["scaled"], ["p"], axis=-1),
        helper.make_node("MatMul", ["p", "v"], ["o_heads"]),
        helper.make_node("Transpose", ["o_heads"], ["o"], perm=list(HEADS)),
    ]
    outputs = [value("o", TensorProto.FLOAT, [1, 64, 2, 16])]
    if also_output is not None:
        outputs.append(value(also_output, TensorProto.FLOAT, heads_first))
    scale = numpy_helper.from_array(np.array(0.25, np.float32), "scale")
    graph = helper.make_graph(nodes, "attention", inputs, outputs, [scale])
    path = tmp_path / "attention.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)]), str(path))
    return path


ATTENTION = ("MatMul", "Mul", "Softmax", "MatMul")


@pytest.mark.parametrize(
    ("also_output", "layers"),
    [
        (None, [(ATTENTION, ("x", "k", "v"), ("o_heads",))]),  # reads x, writes o: strides
        ("q", [(("Transpose",), ("x",), ("q",)), (ATTENTION, ("q", "k", "v"), ("o_heads",))]),
        (
            "o_heads",
            [(ATTENTION, ("x", "k", "v"), ("o_heads",)), (("Transpose",), ("o_heads",), ("o",))],
        ),
    ],
    ids=["neither", "query-heads-an-output", "output-heads-an-output"],
)
def test_a_head_transpose_whose_result_is_a_graph_output_is_a_copy(tmp_path, also_output, layers):
    # Fused attention reads Q and writes its output through strides, so the heads' Transposes
    # make no copy, unless the transposed tensor is itself a graph output: then it must exist
    # whole in DDR and the Transpose stays. Q, K, V and O are 2 x 64 x 16 = 2,048 B (int8):
    # read x, K, V and the 1 B scale once (6,145 B; a copied q stays in the 100,000 B of SRAM
    # for the attention), write O and the extra output (2,048 B each).
    hw = with_overrides(toy_machine(sram=100_000), {"lowering.attention": "fused"})
    result = simulate_graph(import_onnx(_heads_last_attention(tmp_path, also_output=also_output)),
                            hw, name="attention")  # fmt: skip
    got = [(layer.op_types, layer.reads, layer.writes) for layer in result.program.layers]
    assert got == layers
    extra = 0 if also_output is None else 2_048
    assert (result.bus_read_bytes, result.bus_write_bytes) == (3 * 2_048 + 1, 2_048 + extra)
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
