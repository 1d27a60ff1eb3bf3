"""The cost rules of issue 16's new ops, through the importer, against counts worked out by hand,
and their output shapes against onnxruntime (fed inputs that reach a data-dependent op's worst
case: every element non-zero, no box suppressed). `test_rules` checks the union of both tables
covers every registered rule."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from accelsim.workload import import_onnx
from accelsim.workload.graph import WORST_CASE
from tests.cli.test_run import accelsim
from tests.onnx_builders import save, single_op
from tests.workload.test_rules import Case

BOOL, I64, U32 = TensorProto.BOOL, TensorProto.INT64, TensorProto.UINT32
X234 = [2, 3, 4]  # 24 elements
X2345 = [2, 3, 4, 5]  # 120 elements


def _op(op_type: str, inputs: dict, *, initializers: dict | None = None, types: dict | None = None,
        opset: int = 18, outputs: tuple[str, ...] = ("y",), **attributes: object):  # fmt: skip
    """One `op_type` node reading the graph inputs `inputs` (name -> dims), then the constant
    `initializers` (parameter inputs such as axes or k), in that order."""
    initializers = initializers or {}
    return partial(single_op, op_type, [*inputs, *initializers], activations=inputs,
                   initializers=initializers, attributes=attributes, opset=opset, types=types,
                   outputs=outputs)  # fmt: skip


def _i64(*values: int) -> np.ndarray:
    return np.array(values, np.int64)


MORE_CASES: dict[str, Case] = {
    # x (2, 3, 4) with w (4,), broadcast: one logical op per output element = 24
    **{op: Case(_op(op, {"x": X234, "w": [4]}, types={"x": BOOL, "w": BOOL}), 0, 24)
       for op in ("And", "Or", "Xor")},
    "Not": Case(_op("Not", {"x": X234}, types={"x": BOOL}), 0, 24),
    "IsNaN": Case(_op("IsNaN", {"x": X234}), 0, 24),  # x != x: 24 compares
    "IsInf": Case(_op("IsInf", {"x": X234}), 0, 48),  # == +inf and == -inf: 2 * 24
    **{op: Case(_op(op, {"x": X234}), 0, 24) for op in ("Floor", "Ceil", "Round", "Sign")},
    # uint32 (2, 3, 4) << (4,): 24 shifts
    "BitShift": Case(_op("BitShift", {"x": X234, "w": [4]}, types={"x": U32, "w": U32},
                         direction="LEFT"), 0, 24),
    # int64 a mod b, b broadcast: divide, floor, multiply, subtract = 4 * 24
    "Mod": Case(_op("Mod", {"x": X234, "w": [4]}, types={"x": I64, "w": I64}), 0, 96),
    "Softplus": Case(_op("Softplus", {"x": X234}), 0, 72),  # exp, +1, log: 3 * 24
    "Softsign": Case(_op("Softsign", {"x": X234}), 0, 72),  # |x|, +1, divide: 3 * 24
    "Mish": Case(_op("Mish", {"x": X234}), 0, 216),  # softplus 3 + tanh 5 + multiply: 9 * 24
    # data (2, 3, 4) at indices (2, 1): two (3, 4) slices -> (2, 3, 4): 24 copies
    "GatherND": Case(_op("GatherND", {"x": X234, "i": [2, 1]}, types={"i": I64}), 0, 24),
    # indices (2, 3, 2) along axis 2 -> (2, 3, 2): 12 copies
    "GatherElements": Case(_op("GatherElements", {"x": X234, "i": [2, 3, 2]}, types={"i": I64},
                               axis=2), 0, 12),
    # copy the 24 data elements, then write 2 (3, 4) slices of updates: 24 + 24
    "ScatterND": Case(_op("ScatterND", {"x": X234, "i": [2, 1], "u": X234}, types={"i": I64}),
                      0, 48),
    # copy 24, then 12 updates each added to the old value: 24 + 2 * 12
    "ScatterElements": Case(_op("ScatterElements", {"x": X234, "i": [2, 3, 2], "u": [2, 3, 2]},
                                types={"i": I64}, axis=2, reduction="add"), 0, 48),
    # (2, 3, 4, 5) over axes 2, 3 (as an input, opset 18): n = 120, m = 6
    "ReduceL1": Case(_op("ReduceL1", {"x": X2345}, initializers={"a": _i64(2, 3)}), 0, 234),
    "ReduceL2": Case(_op("ReduceL2", {"x": X2345}, initializers={"a": _i64(2, 3)}), 0, 240),
    "ReduceLogSumExp": Case(_op("ReduceLogSumExp", {"x": X2345},
                                initializers={"a": _i64(2, 3)}), 0, 240),  # fmt: skip
    "ReduceProd": Case(_op("ReduceProd", {"x": X2345}, initializers={"a": _i64(2, 3)}), 0, 114),
    # (2, 3, 4) on axis 1, kept: 8 results of 3, 16 compares; ArgMin on axis 2: 6 of 4, 18
    "ArgMax": Case(_op("ArgMax", {"x": X234}, axis=1), 0, 16),
    "ArgMin": Case(_op("ArgMin", {"x": X234}, axis=2, keepdims=0), 0, 18),
    # running sum along axis 1 (length 3): 24 - 24 / 3 = 16 adds
    "CumSum": Case(_op("CumSum", {"x": X234}, initializers={"a": np.array(1, np.int64)}), 0, 16),
    # (2, 3, 8), k = 3 on the last axis: 6 rows * (8 * (1 + ceil(log2 3)) + 3 * 2) = 6 * 30
    "TopK": Case(_op("TopK", {"x": [2, 3, 8]}, initializers={"k": _i64(3)}, outputs=("y", "i")),
                 0, 180),
    # (2, 3) worst case all 6 non-zero -> (2, 6): 6 compares + 12 coordinates written
    "NonZero": Case(_op("NonZero", {"x": [2, 3]}), 0, 18),
    # 1 batch, 2 classes, N = 4 boxes, at most m = 2 kept per class: areas 3 * 4 = 12; per class
    # 4 threshold compares + 4 * 2 sort compares + 13 * (2 * (8 - 2 - 1) / 2 = 5 IoU tests) +
    # 3 * 2 writes = 4 + 8 + 65 + 6 = 83; 12 + 2 * 83 = 178
    "NonMaxSuppression": Case(
        _op("NonMaxSuppression", {"b": [1, 4, 4], "s": [1, 2, 4]}, initializers={
            "m": _i64(2), "iou": np.array([0.5], np.float32),
            "low": np.array([0.0], np.float32)}), 0, 178),  # fmt: skip
}  # fmt: skip
"""Keyed by op_type; every model has its op's data inputs as graph inputs."""

WORST_CASE_OPS = {"NonZero", "NonMaxSuppression"}


def _model(op_type: str) -> onnx.ModelProto:
    return MORE_CASES[op_type].build()


@pytest.mark.parametrize("op_type", sorted(MORE_CASES))
def test_rule_counts_match_hand_derivation(op_type: str, tmp_path: Path) -> None:
    graph = import_onnx(save(_model(op_type), tmp_path / "m.onnx"))
    (op,) = graph.ops
    assert (op.op_type, op.macs, op.vector_ops) == (op_type, 0, MORE_CASES[op_type].vector_ops)
    assert bool(op.attributes.get(WORST_CASE)) == (op_type in WORST_CASE_OPS)


def _feed(name: str, kind: str, shape: tuple[int, ...], op_type: str) -> np.ndarray:
    """Inputs onnxruntime accepts: indices within range, divisors non-zero, boxes apart."""
    rng = np.random.default_rng(0)
    if op_type == "NonMaxSuppression" and name == "b":  # box i: [10 i, 0, 10 i + 1, 1]
        corners = [[10 * i, 0, 10 * i + 1, 1] for i in range(shape[1])]
        return np.array([corners] * shape[0], np.float32)
    if op_type == "NonMaxSuppression":
        return rng.uniform(0.1, 1.0, shape).astype(np.float32)
    if kind == "tensor(int64)":
        return rng.integers(1 if op_type == "Mod" else 0, 2, shape)
    if kind == "tensor(uint32)":
        return rng.integers(0, 4, shape).astype(np.uint32)
    if kind == "tensor(bool)":
        return rng.integers(0, 2, shape).astype(bool)
    return rng.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("op_type", sorted(MORE_CASES))
def test_output_shape_matches_onnxruntime(op_type: str, tmp_path: Path) -> None:
    ort = pytest.importorskip("onnxruntime")
    path = save(_model(op_type), tmp_path / "m.onnx")
    graph = import_onnx(path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {i.name: _feed(i.name, i.type, tuple(i.shape), op_type)
             for i in session.get_inputs()}  # fmt: skip
    result = session.run(None, feeds)[0]
    assert graph.tensor(graph.outputs[0]).shape == result.shape


METADATA_OPS = ("Shape", "Size")
"""Folded away when their input is shaped; tested below on a tensor whose shape is unknown."""


def _unknown_shape_model() -> onnx.ModelProto:
    """x -> Unique (no cost rule; ONNX gives its output no static size) -> u; Shape(u), Size(u),
    and Relu(u) that needs u's size."""
    nodes = [helper.make_node("Unique", ["x"], ["u"], name="uniq"),
             helper.make_node("Shape", ["u"], ["s"], name="shape"),
             helper.make_node("Size", ["u"], ["n"], name="size"),
             helper.make_node("Relu", ["u"], ["r"], name="relu")]  # fmt: skip
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("s", I64, [1]), helper.make_tensor_value_info("n", I64, []),
         helper.make_tensor_value_info("r", TensorProto.FLOAT, ["k"])],
    )  # fmt: skip
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])


def test_inspect_lists_ops_after_an_unshaped_one_as_partial(tmp_path: Path) -> None:
    path = save(_unknown_shape_model(), tmp_path / "m.onnx")
    proc = accelsim("inspect", path, "--json")
    assert proc.returncode == 0, proc.stderr
    rows = {row["name"]: row for row in json.loads(proc.stdout)["ops"]}
    # Shape and Size of u: zero-cost metadata, modelled; Unique and the Relu on u: not modelled
    assert {n: (r["modelled"], r["vector_ops"]) for n, r in rows.items()} == {
        "uniq": (False, 0), "shape": (True, 0), "size": (True, 0), "relu": (False, 0)}
    assert rows["relu"]["inputs"][0]["shape"] is None  # unknown
    table = accelsim("inspect", path).stdout
    assert "PARTIAL totals, leaving out 2 unmodelled op(s) [uniq (Unique), relu (Relu)]" in table
    assert "relu   Relu    ?             ?" in table  # unknown shapes shown as such


def test_run_names_the_worst_case_it_assumed(tmp_path: Path) -> None:
    model = MORE_CASES["NonZero"].build()
    proc = accelsim("run", save(model, tmp_path / "m.onnx"), "--hw", "edge1")
    assert proc.returncode == 0, proc.stderr
    assert "note: op: NonZero's output size depends on the data; its worst case is assumed (2x6)" \
        in proc.stdout  # fmt: skip


def test_ops_after_a_worst_case_are_shaped_by_it(tmp_path: Path) -> None:
    model = MORE_CASES["NonZero"].build()  # x (2, 3) -> NonZero -> y (2, 6) at worst
    model.graph.node.append(helper.make_node("Transpose", ["y"], ["t"], name="transpose"))
    del model.graph.output[:]
    model.graph.output.append(helper.make_tensor_value_info("t", I64, ["a", "b"]))
    path = save(model, tmp_path / "m.onnx")
    graph = import_onnx(path)
    assert graph.tensor("t").shape == (6, 2)  # what onnxruntime gives when all 6 are non-zero
    assert [op.vector_ops for op in graph.ops] == [18, 12]  # the Transpose copies 12
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert session.run(None, {"x": np.ones((2, 3), np.float32)})[0].shape == (6, 2)


def test_a_computed_k_takes_the_whole_axis(tmp_path: Path) -> None:
    # k is a graph input, unknown at import: at worst the whole axis of 8, flagged
    model = _op("TopK", {"x": [2, 3, 8], "k": [1]}, types={"k": I64}, outputs=("y", "i"))()
    graph = import_onnx(save(model, tmp_path / "m.onnx"))
    (op,) = graph.ops
    assert graph.tensor("y").shape == (2, 3, 8) and op.attributes[WORST_CASE]
    assert op.vector_ops == 6 * (8 * (1 + 3) + 8 * 3)  # 6 rows, ceil(log2 8) = 3
