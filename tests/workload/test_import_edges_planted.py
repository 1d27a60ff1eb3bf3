"""Import checks at rarely taken branches, each guarding a single-line bug that survived the rest
of the suite: the default domain spelt "ai.onnx", ..."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest
from onnx import TensorProto, helper

from accelsim.errors import WorkloadError
from accelsim.workload import import_onnx
from accelsim.workload._onnx_checks import check_opset


def _identity(domain: str, opset: int) -> onnx.ModelProto:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid(domain, opset)])


def test_the_default_domain_spelt_ai_onnx_is_checked_too() -> None:
    newest = onnx.defs.onnx_opset_version()
    check_opset(_identity("ai.onnx", newest), "m")
    with pytest.raises(WorkloadError, match=f"^m: opset {newest + 1} of the default ONNX domain"):
        check_opset(_identity("ai.onnx", newest + 1), "m")
    check_opset(_identity("com.example", newest + 1), "m")  # another domain is not onnx's


def test_a_scalar_input_has_no_batch_dimension_to_resolve(tmp_path: Path) -> None:
    # x is a rank-0 input: no first dimension to set, with or without --batch
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [])
    v = helper.make_tensor_value_info("v", TensorProto.FLOAT, [3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])
    nodes = [helper.make_node("Add", ["x", "v"], ["y"], name="add")]
    graph = helper.make_graph(nodes, "g", [x, v], [y])
    path = tmp_path / "scalar.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    for batch in (None, 3):  # 3 agrees with v's fixed first dimension
        imported = import_onnx(path, batch=batch)
        assert imported.tensor("x").shape == ()
        assert [(op.name, op.vector_ops) for op in imported.ops] == [("add", 3)]


def test_an_unnamed_batch_dimension_sets_no_fixed_dimension(tmp_path: Path) -> None:
    # x is (?, 4) with the first dimension neither a number nor a name; --batch 2 sets it, and
    # only it: y = Relu(x) stays (2, 4), its fixed 4 untouched
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 4])
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="relu")], "g", [x], [y])
    path = tmp_path / "unnamed.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    imported = import_onnx(path, batch=2)
    assert (imported.tensor("x").shape, imported.tensor("y").shape) == ((2, 4), (2, 4))
    assert [(op.name, op.vector_ops) for op in imported.ops] == [("relu", 8)]


def test_a_weight_also_listed_as_an_input_is_a_weight_not_an_input(tmp_path: Path) -> None:
    # old exporters (IR 3) list initializers among the graph inputs: W is still a weight, and
    # --batch 2 applies to x alone (W's first dimension, 3, is not a batch)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3])
    w_input = helper.make_tensor_value_info("W", TensorProto.FLOAT, [3, 5])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 5])
    w = helper.make_tensor("W", TensorProto.FLOAT, [3, 5], [0.5] * 15)
    nodes = [helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")]
    graph = helper.make_graph(nodes, "g", [x, w_input], [y], [w])
    path = tmp_path / "old.onnx"
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 9)])
    model.ir_version = 3
    onnx.save(model, str(path))
    imported = import_onnx(path, batch=2)
    assert imported.inputs == ("x",)
    assert imported.tensor("W").kind == "weight"
    assert [(op.name, op.macs) for op in imported.ops] == [("mm", 2 * 3 * 5)]


def test_a_split_into_one_part_is_one_op_under_its_own_name(tmp_path: Path) -> None:
    # one output: nothing to write apart, so the op keeps the node's name (no ":0" part)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])
    z = helper.make_tensor_value_info("z", TensorProto.FLOAT, [2, 4])
    nodes = [
        helper.make_node("Split", ["x"], ["y"], name="split", axis=1, num_outputs=1),
        helper.make_node("Relu", ["y"], ["z"], name="relu"),
    ]
    graph = helper.make_graph(nodes, "g", [x], [z])
    path = tmp_path / "split1.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]), str(path))
    imported = import_onnx(path)
    assert [(op.name, op.outputs, op.vector_ops) for op in imported.ops] == [
        ("split", ("y",), 8),
        ("relu", ("z",), 8),
    ]


def test_op_names_keep_the_models_names_first_then_number_the_rest(tmp_path: Path) -> None:
    # nodes 0 and 1 are both "a"; node 2 has no name (Relu_2 by its index); node 3 is named
    # "Relu_2": names the model gives win, so node 3 keeps it and node 2 becomes Relu_2_1
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])
    names = ["a", "a", "", "Relu_2"]
    tensors = ["x", "t1", "t2", "t3", "y"]
    nodes = [
        helper.make_node("Relu", [tensors[i]], [tensors[i + 1]], name=name)
        for i, name in enumerate(names)
    ]
    graph = helper.make_graph(nodes, "g", [x], [y])
    path = tmp_path / "names.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    assert [op.name for op in import_onnx(path).ops] == ["a", "a_1", "Relu_2_1", "Relu_2"]


def test_a_model_without_a_producer_says_so_in_its_metadata(tmp_path: Path) -> None:
    # no producer name or version: the metadata's producer is empty, not made up
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.producer_name, model.producer_version = "", ""
    path = tmp_path / "tiny_net.onnx"
    onnx.save(model, str(path))
    imported = import_onnx(path)
    assert (imported.name, imported.metadata["producer"], imported.metadata["opset"]) == (
        "g",
        "",
        "17",
    )
    assert "batch" not in imported.metadata


def test_a_recurrence_gate_step_reads_the_gemm_step_before_it(tmp_path: Path) -> None:
    # RNN over 2 steps: MatMul (x, the previous gates, W, R) then the gates reading that GEMM
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 1, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 1, 1, 4])
    weights = [
        helper.make_tensor("W", TensorProto.FLOAT, [1, 4, 3], [0.1] * 12),
        helper.make_tensor("R", TensorProto.FLOAT, [1, 4, 4], [0.1] * 16),
    ]
    node = helper.make_node("RNN", ["x", "W", "R"], ["y"], name="rnn", hidden_size=4)
    graph = helper.make_graph([node], "g", [x], [y], weights)
    path = tmp_path / "rnn.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    ops = import_onnx(path).ops
    assert [(op.name, op.inputs, op.outputs) for op in ops] == [
        ("rnn:0", ("x", "W", "R"), ("rnn:0",)),
        ("rnn:1", ("rnn:0",), ("rnn:1",)),
        ("rnn:2", ("x", "rnn:1", "W", "R"), ("rnn:2",)),
        ("rnn:3", ("rnn:2",), ("y",)),
    ]


def test_a_first_output_nothing_reads_is_still_written(tmp_path: Path) -> None:
    # only TopK's indices leave the graph; its values (output 0) are written all the same
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])
    indices = helper.make_tensor_value_info("indices", TensorProto.INT64, [1, 3])
    k = helper.make_tensor("k", TensorProto.INT64, [1], [3])
    node = helper.make_node("TopK", ["x", "k"], ["values", "indices"], name="top", axis=-1)
    graph = helper.make_graph([node], "g", [x], [indices], [k])
    path = tmp_path / "topk.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    (op,) = import_onnx(path).ops
    assert (op.inputs, op.outputs) == (("x",), ("values", "indices"))
