"""The importer's limits at their bounds, in process: the largest tensor, op and model work
accepted, one more refused naming the node and the limit; numeric types; empty tensors; opsets."""

from __future__ import annotations

import onnx
import pytest
from onnx import TensorProto, helper

from accelsim.errors import WorkloadError
from accelsim.workload import import_onnx
from accelsim.workload._onnx_checks import (
    MAX_MODEL_WORK,
    MAX_OP_WORK,
    MAX_TENSOR_ELEMENTS,
    check_elements,
    check_nonempty,
    check_numeric,
    check_opset,
    check_work,
    element_types,
)


def test_a_tensor_of_exactly_2_to_the_31_elements_is_accepted() -> None:
    assert MAX_TENSOR_ELEMENTS == 2**31
    check_elements("t", (2**16, 2**15), "n")
    with pytest.raises(WorkloadError, match=r'^n: tensor "t" \(2x1073741825\) has 2\.15e\+09 '
                                            r"elements, over the limit of 2,147,483,648 per "
                                            r"tensor$"):  # fmt: skip
        check_elements("t", (2, 2**30 + 1), "n")
    check_elements("s", (), "n")  # a scalar: one element


def test_op_and_model_work_at_their_limits() -> None:
    assert (MAX_OP_WORK, MAX_MODEL_WORK) == (10**13, 10**15)
    check_work(10**13, "n")
    with pytest.raises(WorkloadError, match=r"^n: 1e\+13 MACs and vector operations, over the "
                                            r"limit of 1e\+13 per op$"):  # fmt: skip
        check_work(10**13 + 1, "n")
    check_work(10**15, "m.onnx", limit=MAX_MODEL_WORK, what="in the model")
    with pytest.raises(WorkloadError, match="over the limit of 1e\\+15 in the model$"):
        check_work(10**15 + 1, "m.onnx", limit=MAX_MODEL_WORK, what="in the model")


def test_a_tensor_with_a_zero_dimension_is_refused_and_a_scalar_is_not() -> None:
    shapes = {"a": (2, 3), "b": (4, 0, 2), "s": ()}
    check_nonempty(["a", "s", "unknown"], shapes, "n")
    with pytest.raises(WorkloadError, match=r'^n: tensor "b" \(4x0x2\) has no elements'):
        check_nonempty(["a", "b"], shapes, "n")


def _model(opset: int, element: int = TensorProto.FLOAT) -> onnx.ModelProto:
    x = helper.make_tensor_value_info("x", element, [2])
    y = helper.make_tensor_value_info("y", element, [2])
    w = helper.make_tensor("w", TensorProto.INT64, [2], [1, 2])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y], [w])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def test_opsets_from_1_to_the_newest_onnx_knows() -> None:
    newest = onnx.defs.onnx_opset_version()
    check_opset(_model(1), "m")
    check_opset(_model(newest), "m")
    for bad in (0, newest + 1):
        with pytest.raises(WorkloadError, match=f"^m: opset {bad} of the default ONNX domain is "
                                                f"not one onnx"):  # fmt: skip
            check_opset(_model(bad), "m")


def test_element_types_and_numeric_tensors() -> None:
    types = element_types(_model(17, TensorProto.BOOL))
    assert types == {"w": TensorProto.INT64, "x": TensorProto.BOOL, "y": TensorProto.BOOL}
    check_numeric(["x", "w", "not listed"], types, "n")  # BOOL masks are kept
    strings = element_types(_model(17, TensorProto.STRING))
    with pytest.raises(WorkloadError, match=r'^n: tensor "x" holds STRING elements'):
        check_numeric(["w", "x"], strings, "n")
    complex_types = element_types(_model(17, TensorProto.COMPLEX64))
    with pytest.raises(WorkloadError, match="COMPLEX64"):
        check_numeric(["y"], complex_types, "n")


def test_an_initializers_own_type_wins_over_a_value_info_naming_it() -> None:
    model = _model(17)
    model.graph.value_info.append(helper.make_tensor_value_info("w", TensorProto.STRING, [2]))
    assert element_types(model)["w"] == TensorProto.INT64


def test_an_ops_work_counts_its_vector_operations(tmp_path) -> None:
    # MaxPool of a 2,000 x 2,000 window over (1, 1, 4,000, 4,000): 2,001 x 2,001 outputs, each
    # 4e6 - 1 compares: 4,004,001 x 3,999,999 = 1.6e13 vector ops and no MACs, over 1e13
    value = helper.make_tensor_value_info
    node = helper.make_node("MaxPool", ["x"], ["y"], name="pool", kernel_shape=[2000, 2000])
    graph = helper.make_graph([node], "g", [value("x", TensorProto.FLOAT, [1, 1, 4000, 4000])],
                              [value("y", TensorProto.FLOAT, [1, 1, 2001, 2001])])  # fmt: skip
    path = tmp_path / "pool.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    expected = r'node "pool" \(MaxPool\): 1\.6e\+13 MACs and vector operations, over the limit'
    with pytest.raises(WorkloadError, match=expected + r" of 1e\+13 per op$"):
        import_onnx(path)
