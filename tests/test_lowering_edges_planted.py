"""Lowering at rarely taken branches: a fused attention's output read by two ops, a Transpose
that nothing reads. Each expected layer list is worked out by hand from the graph."""

from __future__ import annotations

from pathlib import Path

import onnx
from onnx import TensorProto, helper

from accelsim.hardware_file import with_overrides
from accelsim.lowering import lower
from accelsim.workload import import_onnx
from tests.sim.toy import toy_machine

H, S, D = 2, 8, 4


def _save(tmp_path: Path, nodes, inputs, outputs) -> Path:  # type: ignore[no-untyped-def]
    graph = helper.make_graph(nodes, "g", inputs, outputs)
    path = tmp_path / "g.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)]), str(path))
    return path


def _value(name: str, shape: list[int]):  # type: ignore[no-untyped-def]
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def test_a_fused_attention_output_read_twice_keeps_its_transpose_a_copy(tmp_path: Path) -> None:
    # o_heads = softmax(q·kᵀ)·v is read by a Transpose into (1, S, H, D) and by a Relu: the
    # Transpose cannot become the kernel's strided store (the heads order is read too), so it
    # is a layer of its own, after the fused attention; the Relu is the third layer.
    nodes = [
        helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 1, 3, 2]),
        helper.make_node("MatMul", ["q", "kt"], ["s"], name="qk"),
        helper.make_node("Softmax", ["s"], ["p"], axis=-1),
        helper.make_node("MatMul", ["p", "v"], ["o_heads"], name="pv"),
        helper.make_node("Transpose", ["o_heads"], ["o"], perm=[0, 2, 1, 3], name="heads"),
        helper.make_node("Relu", ["o_heads"], ["r"], name="relu"),
    ]
    inputs = [_value(n, [1, H, S, D]) for n in ("q", "k", "v")]
    outputs = [_value("o", [1, S, H, D]), _value("r", [1, H, S, D])]
    graph = import_onnx(_save(tmp_path, nodes, inputs, outputs))
    hw = with_overrides(toy_machine(), {"lowering.attention": "fused"})
    program = lower(graph, hw)
    assert [layer.op_types for layer in program.layers] == [
        ("MatMul", "Softmax", "MatMul"),
        ("Transpose",),
        ("Relu",),
    ]
    assert program.layers[1].reads == ("o_heads",)
    assert set(program.outputs) == {"o", "r"}


def test_a_transpose_nothing_reads_is_still_a_copy(tmp_path: Path) -> None:
    # t = Transpose(x) of the last two axes is read by no op and is no graph output: it is not
    # a MatMul's transposed operand, so it runs (a copy of 32 elements) like any Transpose
    nodes = [
        helper.make_node("Transpose", ["x"], ["t"], perm=[0, 2, 1], name="dead"),
        helper.make_node("Relu", ["x"], ["y"], name="relu"),
    ]
    path = _save(tmp_path, nodes, [_value("x", [1, 4, 8])], [_value("y", [1, 4, 8])])
    program = lower(import_onnx(path), toy_machine())
    assert [(layer.name, layer.vector_ops) for layer in program.layers] == [
        ("dead", 32),
        ("relu", 32),
    ]


def test_an_epilogue_op_with_two_outputs_is_a_layer_of_its_own(tmp_path: Path) -> None:
    # TopK over the whole row writes values and indices (both graph outputs): an output stage
    # writes one tensor, so it does not join the MatMul's layer even when listed as an epilogue
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["m"], name="mm"),
        helper.make_node("TopK", ["m", "k"], ["values", "indices"], name="top", axis=-1),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [_value("x", [1, 4])],
        [
            _value("values", [1, 8]),
            helper.make_tensor_value_info("indices", TensorProto.INT64, [1, 8]),
        ],
        [
            helper.make_tensor("w", TensorProto.FLOAT, [4, 8], [0.5] * 32),
            helper.make_tensor("k", TensorProto.INT64, [1], [8]),
        ],
    )
    path = tmp_path / "g.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)]), str(path))
    hw = with_overrides(toy_machine(), {"lowering.epilogue": ["TopK"]})
    program = lower(import_onnx(path), hw)
    assert [(layer.name, layer.op_types) for layer in program.layers] == [
        ("mm", ("MatMul",)),
        ("top", ("TopK",)),
    ]
