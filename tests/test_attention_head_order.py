"""A projection's output split into heads, (1, S, H, d) -> (1, H, S, d), is stored in head order by
the matrix layer itself (a strided store, no Transpose copy) with fused attention only, for one
sequence only (batch 1), and for that permutation only; every other case keeps the copy.

Toy machine (tests/sim/toy.py), 10,000 B of SRAM: everything fits, int8.
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
