"""import_onnx: graph structure, batch resolution, folding and external data (good inputs)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from onnx import helper, numpy_helper

from accelsim.workload import Graph, Op, Tensor, import_onnx
from accelsim.workload.onnx_import import UNSUPPORTED, unique_op_names
from tests.onnx_builders import (
    conv_chain,
    make_model,
    save,
    shape_arithmetic_flatten,
    single_conv,
    single_op,
    symbolic_batch,
    unsupported_op,
    weights,
    with_external_data,
)


def test_conv_chain_graph_structure(tmp_path: Path) -> None:
    graph = import_onnx(save(conv_chain((3, 8, 16), size=(8, 8)), tmp_path / "chain.onnx"))
    assert isinstance(graph, Graph)
    assert [(op.name, op.op_type) for op in graph.ops] == [
        ("conv1", "Conv"),
        ("relu1", "Relu"),
        ("conv2", "Conv"),
        ("relu2", "Relu"),
    ]
    assert graph.inputs == ("x",)
    assert graph.outputs == ("relu2_out",)
    assert graph.ops[0] == Op(
        name="conv1",
        op_type="Conv",
        inputs=("x", "conv1.weight"),
        outputs=("conv1_out",),
        macs=8 * 8 * 8 * 27,  # out 1x8x8x8 = 512 elements * 3*3*3 = 13,824
        vector_ops=0,
    )
    assert graph.ops[0].attributes["pads"] == (1, 1, 1, 1)
    assert graph.tensors["x"] == Tensor("x", (1, 3, 8, 8), "input")
    assert graph.tensors["conv1.weight"] == Tensor("conv1.weight", (8, 3, 3, 3), "weight")
    assert graph.tensors["conv1_out"] == Tensor("conv1_out", (1, 8, 8, 8), "activation")
    assert graph.tensors["relu2_out"] == Tensor("relu2_out", (1, 16, 8, 8), "output")
    # conv2: 1*16*8*8 = 1024 outputs * 8*3*3 = 72 -> 73,728; total 13,824 + 73,728
    assert graph.total_macs == 87_552
    # weights: 8*3*3*3 = 216 + 16*8*3*3 = 1,152 -> 1,368
    assert graph.parameter_count == 1_368
    assert graph.metadata["opset"] == "17"


def test_strided_dilated_conv_output_and_macs(tmp_path: Path) -> None:
    # 3x3 dilation 2 (effective 5x5), stride 2, pad 2 on 9x9: out floor((9+4-5)/2)+1 = 5
    model = single_conv(size=(9, 9), stride=2, pad=2, dilation=2, bias=True)
    graph = import_onnx(save(model, tmp_path / "c.onnx"))
    (op,) = graph.ops
    assert graph.tensors["y"].shape == (1, 8, 5, 5)
    assert op.macs == 8 * 5 * 5 * 27  # 200 outputs * 27 = 5,400; bias inside
    assert op.inputs == ("x", "w", "b")
    assert op.attributes["dilations"] == (2, 2)


def test_unnamed_nodes_get_type_and_index_names_unique(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Relu", ["x"], ["a"]),
        helper.make_node("Relu", ["a"], ["b"], name="Relu_0"),  # clashes with the generated name
        helper.make_node("Relu", ["b"], ["c"], name="dup"),
        helper.make_node("Relu", ["c"], ["y"], name="dup"),
    ]
    graph = import_onnx(save(make_model(nodes, {"x": [4]}, {}, ["y"]), tmp_path / "n.onnx"))
    # explicit names win; the unnamed node 0 becomes Relu_0, taken, so Relu_0_1
    assert [op.name for op in graph.ops] == ["Relu_0_1", "Relu_0", "dup", "dup_1"]


def test_a_name_given_three_times_counts_its_suffixes_up() -> None:
    # "dup" three times: the first keeps it, then dup_1 and dup_2 (each suffix one more than
    # the last taken); the unnamed node at index 3 is Relu_3
    nodes = [(i, helper.make_node("Relu", ["x"], ["y"], name="dup")) for i in range(3)]
    nodes.append((3, helper.make_node("Relu", ["x"], ["y"])))
    assert unique_op_names(nodes) == {0: "dup", 1: "dup_1", 2: "dup_2", 3: "Relu_3"}


def test_symbolic_batch_resolved_by_batch(tmp_path: Path) -> None:
    graph = import_onnx(save(symbolic_batch("N"), tmp_path / "s.onnx"), batch=4)
    assert graph.tensors["x"].shape == (4, 3, 8, 8)
    assert graph.tensors["y"].shape == (4, 8, 8, 8)
    # 4*8*8*8 = 2,048 outputs * 27 = 55,296
    assert graph.ops[0].macs == 55_296
    assert graph.metadata["batch"] == "4"


def test_fixed_batch_accepts_an_equal_batch(tmp_path: Path) -> None:
    graph = import_onnx(save(single_conv(batch=2), tmp_path / "c.onnx"), batch=2)
    assert graph.tensors["x"].shape == (2, 3, 8, 8)


def test_shape_arithmetic_folds_to_a_view(tmp_path: Path) -> None:
    graph = import_onnx(save(shape_arithmetic_flatten(), tmp_path / "f.onnx"))
    assert [op.name for op in graph.ops] == ["conv", "reshape", "relu"]
    reshape = graph.ops[1]
    assert reshape.inputs == ("c",)  # the shape input folded into an attribute
    assert reshape.attributes["shape"] == (2, -1)  # Concat(Gather(Shape(c), 0) = 2, -1)
    assert reshape.is_view
    assert graph.tensors["flat"].shape == (2, 64)  # 4 * 4 * 4 = 64 per sample
    assert set(graph.tensors) == {"x", "w", "c", "flat", "y"}


def test_shape_computed_by_ops_outside_data_propagation_gets_a_second_pass(
    tmp_path: Path,
) -> None:
    # target = Div([12, 32], [2, 2]) = [6, 16]; ONNX data propagation does not cover Div
    nodes = [
        helper.make_node("Div", ["num", "den"], ["target"], name="div"),
        helper.make_node("Reshape", ["x", "target"], ["r"], name="reshape"),
        helper.make_node("Relu", ["r"], ["y"], name="relu"),
    ]
    init = {"num": np.array([12, 32], np.int64), "den": np.array([2, 2], np.int64)}
    model = make_model(nodes, {"x": [2, 3, 4, 4]}, init, ["r"])
    model.graph.output[0].CopyFrom(helper.make_tensor_value_info("y", 1, ["a", "b"]))
    graph = import_onnx(save(model, tmp_path / "d.onnx"))
    assert [op.name for op in graph.ops] == ["reshape", "relu"]
    assert graph.tensors["y"].shape == (6, 16)  # x's 2*3*4*4 = 96 elements as 6 rows of 16
    assert graph.ops[1].vector_ops == 96


def test_constant_read_as_data_becomes_a_weight(tmp_path: Path) -> None:
    three = numpy_helper.from_array(np.array(3.0, np.float32))
    nodes = [
        helper.make_node("Constant", [], ["k"], name="k", value=three),
        helper.make_node("Add", ["x", "k"], ["y"], name="add"),
    ]
    graph = import_onnx(save(make_model(nodes, {"x": [2, 5]}, {}, ["y"]), tmp_path / "k.onnx"))
    assert [op.name for op in graph.ops] == ["add"]
    assert graph.tensors["k"] == Tensor("k", (), "weight")
    assert graph.ops[0].vector_ops == 10  # 2*5 adds


@pytest.fixture
def weight_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of tensors whose data onnx's Python helpers decode (the only way data gets read)."""
    import onnx.external_data_helper
    import onnx.numpy_helper

    decoded: list[str] = []
    real_to_array = onnx.numpy_helper.to_array

    def to_array(tensor, *args, **kwargs):
        decoded.append(tensor.name)
        return real_to_array(tensor, *args, **kwargs)

    def load_external(*args, **kwargs):
        raise AssertionError("external data was loaded")

    monkeypatch.setattr(onnx.numpy_helper, "to_array", to_array)
    monkeypatch.setattr(onnx.external_data_helper, "load_external_data_for_model", load_external)
    monkeypatch.setattr(onnx.external_data_helper, "load_external_data_for_tensor", load_external)
    return decoded


def test_weight_preprocessing_folds_by_shape_without_reading_data(
    tmp_path: Path, weight_reads: list[str]
) -> None:
    # w is 65*64 = 4,160 elements, above the 4,096 that folding may read: Transpose(w) becomes a
    # weight of the transposed shape, computed from shapes alone
    nodes = [
        helper.make_node("Transpose", ["w"], ["wt"], name="t", perm=[1, 0]),
        helper.make_node("MatMul", ["x", "wt"], ["y"], name="mm"),
    ]
    model = make_model(nodes, {"x": [1, 64]}, {"w": weights((65, 64))}, ["y"])
    graph = import_onnx(save(model, tmp_path / "t.onnx"))
    assert [op.name for op in graph.ops] == ["mm"]
    assert graph.tensors["wt"] == Tensor("wt", (64, 65), "weight")
    assert "w" not in graph.tensors  # only what an op reads is listed
    assert graph.ops[0].macs == 65 * 64  # out (1, 65) * K 64 = 4,160
    assert weight_reads == []


def test_identity_and_dropout_are_views(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Identity", ["x"], ["a"], name="id"),
        helper.make_node("Dropout", ["a"], ["b", "mask"], name="drop"),
        helper.make_node("Relu", ["b"], ["y"], name="relu"),
    ]
    graph = import_onnx(save(make_model(nodes, {"x": [3]}, {}, ["y"]), tmp_path / "v.onnx"))
    assert [(op.name, op.is_view, op.outputs) for op in graph.ops] == [
        ("id", True, ("a",)),
        ("drop", True, ("b",)),  # the unused mask output is not listed
        ("relu", False, ("y",)),
    ]


def test_clip_with_constant_bounds_lists_only_its_data(tmp_path: Path) -> None:
    nodes = [helper.make_node("Clip", ["x", "lo", "hi"], ["y"], name="relu6")]
    init = {"lo": np.array(0, np.float32), "hi": np.array(6, np.float32)}
    graph = import_onnx(save(make_model(nodes, {"x": [4]}, init, ["y"]), tmp_path / "c.onnx"))
    (op,) = graph.ops
    assert op.inputs == ("x",)
    assert (op.attributes["min"], op.attributes["max"]) == (0.0, 6.0)
    assert set(graph.tensors) == {"x", "y"}


def test_external_data_is_not_read(tmp_path: Path, weight_reads: list[str]) -> None:
    path = with_external_data(single_conv(), tmp_path)
    assert (tmp_path / "model.bin").stat().st_size == 8 * 3 * 3 * 3 * 4  # 216 float32 weights
    graph = import_onnx(path)
    assert graph.tensors["w"] == Tensor("w", (8, 3, 3, 3), "weight")
    assert graph.ops[0].macs == 8 * 8 * 8 * 27  # 512 outputs * 27 = 13,824
    assert weight_reads == []


def test_keep_unsupported_lists_the_op_with_zero_cost(tmp_path: Path) -> None:
    graph = import_onnx(save(unsupported_op(), tmp_path / "u.onnx"), keep_unsupported=True)
    op = graph.ops[1]
    assert (op.name, op.op_type, op.macs, op.vector_ops) == ("conv_7", "SpaceToDepth", 0, 0)
    assert op.attributes[UNSUPPORTED] is True
    assert UNSUPPORTED not in graph.ops[0].attributes
    # SpaceToDepth with blocksize 2 moves 2x2 blocks of the 8x8 map into channels
    assert graph.tensors["y"].shape == (1, 16, 4, 4)


def test_importing_the_package_does_not_import_onnx() -> None:
    import subprocess

    code = "import accelsim.workload, sys; print('onnx' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_reduce_mean_axes_as_an_input_fold_like_the_attribute(tmp_path: Path) -> None:
    # opset 18 moved ReduceMean's axes to an input; x (2, 3, 4, 5) mean over [-2, -1] = [2, 3]
    model = single_op(
        "ReduceMean",
        ["x", "axes"],
        activations={"x": [2, 3, 4, 5]},
        initializers={"axes": np.array([-2, -1], np.int64)},
        opset=18,
    )
    graph = import_onnx(save(model, tmp_path / "r.onnx"))
    (op,) = graph.ops
    assert op.inputs == ("x",)
    assert op.attributes["axes"] == (2, 3)  # -2 % 4, -1 % 4
    assert graph.tensors["y"].shape == (2, 3, 1, 1)
    assert op.vector_ops == 120  # 6 outputs * (19 adds + 1 multiply)


def test_squeeze_axes_as_an_attribute_in_opset_11(tmp_path: Path) -> None:
    model = single_op(
        "Squeeze", ["x"], activations={"x": [1, 3, 1, 4]}, attributes={"axes": [0, 2]}, opset=11
    )
    graph = import_onnx(save(model, tmp_path / "s.onnx"))
    (op,) = graph.ops
    assert (op.is_view, op.attributes["axes"]) == (True, (0, 2))
    assert graph.tensors["y"].shape == (3, 4)


def test_an_assumed_op_costs_one_vector_op_per_element_of_every_output(tmp_path: Path) -> None:
    # DynamicQuantizeLinear (no cost rule) of x (2, 3): y (2, 3) and the scalar scale and zero
    # point, all three read as graph outputs: 6 + 1 + 1 = 8 assumed vector ops, not y's 6
    node = helper.make_node("DynamicQuantizeLinear", ["x"], ["y", "s", "z"], name="dq")
    path = save(make_model([node], {"x": [2, 3]}, {}, ["y", "s", "z"]), tmp_path / "q.onnx")
    (op,) = import_onnx(path, assume_vector=True).ops
    assert (op.outputs, op.macs, op.vector_ops) == (("y", "s", "z"), 0, 8)
