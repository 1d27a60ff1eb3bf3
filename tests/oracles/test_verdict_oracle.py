"""Accept or refuse as onnxruntime does: each attribute an op reads, swept across the edge of its
valid range (an axis of -rank - 1, -rank, rank - 1, rank; an index of -n - 1 .. n; a split that
sums to the dimension or one off; an output_padding at the stride, ...). onnxruntime runs or
refuses each model; accelsim's importer must accept exactly the models onnxruntime runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest

from accelsim.errors import WorkloadError
from tests.oracles.ort_batch import Case, Data, build, feeds, import_cases, run_ort


def _i64(values: object) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def _w(*shape: int) -> np.ndarray:
    return np.random.default_rng(0).standard_normal(shape).astype(np.float32)


X = (2, 3, 4)
"""The data of most cases: rank 3, so valid axes are -3..2."""
EDGES = (-4, -3, 2, 3)


def _cases() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for axis in EDGES:
        for op in ("Softmax", "LogSoftmax", "ArgMax", "ArgMin", "Concat", "LayerNormalization"):
            inputs: list = [Data(X)]
            if op == "LayerNormalization":
                inputs.append(_w(*X[axis % 3 :]) if -3 <= axis < 3 else _w(4))
            if op == "Concat":
                inputs.append(Data(X))
            cases[f"{op} axis {axis}"] = Case(op, inputs, {"axis": axis})
        cases[f"ReduceSum axes [{axis}]"] = Case("ReduceSum", [Data(X), _i64([axis])])
        cases[f"ReduceMean axes [{axis}] (opset 18 input)"] = Case(
            "ReduceMean", [Data(X), _i64([axis])]
        )
        cases[f"Gather axis {axis}"] = Case("Gather", [Data(X), _i64([0])], {"axis": axis})
        cases[f"Split axis {axis}"] = Case("Split", [Data(X)], {"axis": axis, "num_outputs": 2}, 2)
        cases[f"CumSum axis {axis}"] = Case("CumSum", [Data(X), np.array(axis, np.int64)])
        cases[f"TopK axis {axis}"] = Case("TopK", [Data(X), _i64([1])], {"axis": axis}, 2)
        cases[f"Slice axes [{axis}]"] = Case("Slice", [Data(X), _i64([0]), _i64([1]), _i64([axis])])
        cases[f"Unsqueeze axes [{axis - 1}]"] = Case("Unsqueeze", [Data(X), _i64([axis - 1])])
        cases[f"Flatten axis {axis}"] = Case("Flatten", [Data(X)], {"axis": axis})
        cases[f"Flatten axis {axis + 1}"] = Case("Flatten", [Data(X)], {"axis": axis + 1})
    # a scalar has no axis to run along: onnxruntime cannot apply CumSum to it
    cases["CumSum of a scalar"] = Case("CumSum", [Data(()), np.array(0, np.int64)])
    for index in (-5, -4, 3, 4):  # axis 2 of X has 4 entries: -4..3 are valid
        cases[f"Gather index {index}"] = Case("Gather", [Data(X), _i64([index])], {"axis": 2})
        cases[f"Gather index {index} of a table"] = Case(
            "Gather", [_w(4, 3), Data((2,), np.int64, _i64([0, 1]) if index == 0 else None)]
        )
    for sizes in ([1, 1], [2, 1], [1, 2], [3, 1], [2, 2], [0, 3]):
        cases[f"Split {sizes}"] = Case("Split", [Data(X), _i64(sizes)], {"axis": 1}, len(sizes))
    for parts in (1, 2, 3, 4):
        cases[f"Split num_outputs {parts} of 3"] = Case(
            "Split", [Data(X)], {"axis": 1, "num_outputs": parts}, parts
        )
    for axes in ([0, 0], [0, -3], [0, 2]):
        cases[f"ReduceMax axes {axes}"] = Case("ReduceMax", [Data(X), _i64(axes)])
        cases[f"Slice axes {axes}"] = Case(
            "Slice", [Data(X), _i64([0, 0]), _i64([1, 1]), _i64(axes)]
        )
    for step in (-1, 0, 1):
        cases[f"Slice step {step}"] = Case(
            "Slice", [Data(X), _i64([1]), _i64([0 if step < 0 else 2]), _i64([0]), _i64([step])]
        )
    for stride, dilation, padding in ((2, 1, 1), (2, 1, 2), (1, 2, 1), (2, 3, 1), (2, 3, 2)):
        cases[f"ConvTranspose stride {stride} dilation {dilation} output_padding {padding}"] = Case(
            "ConvTranspose",
            [Data((1, 2, 4)), _w(2, 1, 3)],
            {"strides": [stride], "dilations": [dilation], "output_padding": [padding]},
        )
    for group in (1, 2, 3, 4):
        cases[f"Conv group {group} of 4 channels"] = Case(
            "Conv",
            [Data((1, 4, 5)), _w(4, 4 // group if 4 % group == 0 else 1, 3)],
            {"group": group},
        )
    for outputs in (2, 3, 4):
        cases[f"Conv {outputs} output channels in 2 groups"] = Case(
            "Conv", [Data((1, 4, 5)), _w(outputs, 2, 3)], {"group": 2}
        )
    for k in (1, 4, 5):
        cases[f"TopK k {k} of 4"] = Case("TopK", [Data(X), _i64([k])], {}, 2)
    for hidden in (2, 3):
        cases[f"LSTM hidden_size {hidden} of weights for 2"] = Case(
            "LSTM", [Data((3, 1, 4)), _w(1, 8, 4), _w(1, 8, 2)], {"hidden_size": hidden}
        )
    for scale in (0.0, 0.5, 2.0):
        cases[f"Resize scale {scale}"] = Case(
            "Resize", [Data((1, 1, 4, 4)), None, np.array([1, 1, scale, 2], np.float32)]
        )
    return cases


CASES = _cases()
STRICTER = {
    "Split [0, 3]": "has no elements",
    "Split num_outputs 4 of 3": "has no elements",
    "ReduceMax axes [0, 0]": "repeat an axis",
    "ReduceMax axes [0, -3]": "repeat an axis",
}
"""Models onnxruntime runs that accelsim refuses on purpose, with the reason it gives: empty
tensors (nothing to time or place), an axis listed twice (the spec lists each axis once)."""


def _ort_refuses(model: onnx.ModelProto, case: Case) -> bool:
    try:
        run_ort(model, feeds([case]))
    except Exception:  # onnxruntime raises its own error types at load or at run
        return True
    return False


@pytest.mark.parametrize("name", CASES)
def test_accelsim_refuses_exactly_what_onnxruntime_refuses(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    model = build([case], 18)
    refused_by_ort = _ort_refuses(model, case)
    reason = STRICTER.get(name)
    try:
        import_cases(model, tmp_path, "case")
        refused = ""
    except WorkloadError as error:
        refused = str(error)
    if reason:
        assert not refused_by_ort and reason in refused
    else:
        assert bool(refused) == refused_by_ort, f"{name}: onnxruntime refuses: {refused_by_ort}"
