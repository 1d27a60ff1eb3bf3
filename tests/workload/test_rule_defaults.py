"""Defaults the cost rules fill in as the ONNX spec defines them, and one-input Einsums, on
one-node models (counts by hand)."""

from __future__ import annotations

from pathlib import Path

from onnx import TensorProto, helper

from accelsim.workload.onnx_import import import_onnx
from tests.onnx_builders import save
from tests.workload.test_invalid_models import node_model


def _op(tmp_path: Path, *args, output=None, **attrs):
    model = node_model(*args, **attrs)
    if output is not None:  # (type, shape) of an output shape inference could not type
        model.graph.output[0].CopyFrom(helper.make_tensor_value_info("y", *output))
    (op,) = import_onnx(save(model, tmp_path / "m.onnx")).ops
    return op


def test_a_reduction_without_axes_reduces_all_of_them_and_keeps_dims(tmp_path: Path) -> None:
    # ReduceSum of a 2 x 3 over every axis (none given), keepdims 1 by default: 6 - 1 adds
    op = _op(tmp_path, "ReduceSum", {"x": [2, 3]})
    assert (op.attributes["axes"], op.attributes["keepdims"], op.vector_ops) == ((0, 1), 1, 5)
    op = _op(tmp_path, "ReduceMax", {"x": [2, 3]}, axes=[-1], keepdims=0)
    assert (op.attributes["axes"], op.attributes["keepdims"], op.vector_ops) == ((1,), 0, 4)


def test_an_argmax_keeps_dims_by_default(tmp_path: Path) -> None:
    op = _op(tmp_path, "ArgMax", {"x": [2, 3]}, output=(TensorProto.INT64, [2, 1]), axis=-1)
    assert (op.attributes["axis"], op.attributes["keepdims"], op.vector_ops) == (1, 1, 4)


def test_a_one_input_einsum_costs_one_op_per_input_element(tmp_path: Path) -> None:
    # "ij->i" sums each row of a 2 x 3: 6 input elements, not the 2 it writes
    assert _op(tmp_path, "Einsum", {"x": [2, 3]}, equation="ij->i").vector_ops == 6
