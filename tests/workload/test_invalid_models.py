"""Models the ONNX spec forbids are refused in one line naming the node: onnxruntime (the
independent oracle here) refuses each one too, so none may import and run with exit 0."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

from accelsim.errors import WorkloadError
from accelsim.workload.onnx_import import import_onnx
from tests.onnx_builders import save, single_conv, with_external_data

F = TensorProto.FLOAT


def const(name: str, value: object, dtype: type = np.float32) -> onnx.TensorProto:
    return numpy_helper.from_array(np.array(value, dtype), name)


def zeros(name: str, shape: Sequence[int]) -> onnx.TensorProto:
    return numpy_helper.from_array(np.zeros(shape, np.float32), name)


def node_model(
    op: str,
    inputs: dict[str, Sequence[int]],
    weights: Sequence[onnx.TensorProto] = (),
    *,
    data: Sequence[str] | None = None,
    outputs: int = 1,
    opset: int = 17,
    **attrs: object,
) -> onnx.ModelProto:
    """One node "n" of `op` over float inputs (by name and shape) and weights, its first output
    typed by lenient shape inference where it can (else a 1-D symbolic shape), as a careless
    exporter would write it."""
    names = list(data) if data is not None else [*inputs, *(w.name for w in weights)]
    outs = ["y", *(f"y{i}" for i in range(1, outputs))]
    graph = helper.make_graph(
        [helper.make_node(op, names, outs, name="n", **attrs)], "bad",
        [helper.make_tensor_value_info(n, F, d) for n, d in inputs.items()],
        [helper.make_tensor_value_info("y", F, None)], list(weights),
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    inferred = onnx.shape_inference.infer_shapes(model)
    typed = [v for v in inferred.graph.output if v.type.tensor_type.HasField("shape")]
    unknown = helper.make_tensor_value_info("y", F, ["d"])
    model.graph.output[0].CopyFrom(typed[0] if typed else unknown)
    return model


def range_sum(start: float, limit: float, delta: float) -> onnx.ModelProto:
    """x + ReduceSum(Range(start, limit, delta)): the Range is folded at import."""
    nodes = [
        helper.make_node("Range", ["s", "l", "d"], ["r"], name="range"),
        helper.make_node("ReduceSum", ["r"], ["q"], name="sum", keepdims=1),
        helper.make_node("Add", ["x", "q"], ["y"], name="add"),
    ]
    graph = helper.make_graph(
        nodes, "bad", [helper.make_tensor_value_info("x", F, [1])],
        [helper.make_tensor_value_info("y", F, [1])],
        [const("s", start), const("l", limit), const("d", delta)],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


X = {"x": [1, 4, 8, 8]}
W = (4, 2, 3, 3)
A23 = {"a": [2, 3], "b": [3, 4]}
I64 = np.int64

# (id, model, op shown, end of the one error line)
CASES = [
    ("convT-group0", node_model("ConvTranspose", X, [zeros("w", W)], group=0), "ConvTranspose",
     "Attribute group must be > 0 for ConvTranspose. group=0."),
    ("convT-group-3", node_model("ConvTranspose", X, [zeros("w", W)], group=3), "ConvTranspose",
     "Input channels C must be divisible by group for ConvTranspose. C=4 group=3."),
    ("convT-channels", node_model("ConvTranspose", X, [zeros("w", (3, 2, 3, 3))]),
     "ConvTranspose", "group 1: input 1x4x8x8 and weight 3x2x3x3 do not match; input channels "
     "must equal weight dimension 0 and divide into the groups"),
    ("convT-pads", node_model("ConvTranspose", X, [zeros("w", W)], pads=[-1] * 4),
     "ConvTranspose", "Attribute pads must not contain negative values"),
    ("convT-output-padding", node_model("ConvTranspose", X, [zeros("w", W)], strides=[2, 2],
                                        output_padding=[2, 2]),
     "ConvTranspose", "output_padding [2, 2] must be >= 0 and below the stride"),
    ("convT-kernel0", node_model("ConvTranspose", X, [zeros("w", W)], kernel_shape=[0, 0]),
     "ConvTranspose", "Attribute kernel_shape must only contain positive values"),
    ("einsum-arrows", node_model("Einsum", A23, equation="ij->->k"), "Einsum",
     'equation "ij->->k": one "->" at most, between inputs and output'),
    ("einsum-digit", node_model("Einsum", A23, equation="i1,1k->ik"), "Einsum",
     'equation "i1,1k->ik": term "i1" must be letters (a-z, A-Z) with at most one "..."'),
    ("einsum-unicode", node_model("Einsum", A23, equation="ij,jk->\u0131k"), "Einsum",
     "equation 'ij,jk->\u0131k' is not ASCII"),
    ("einsum-terms", node_model("Einsum", A23, equation="ij,jk,kl->il"), "Einsum",
     'equation "ij,jk,kl->il" has 3 input term(s) for 2 input(s)'),
    ("einsum-absent", node_model("Einsum", A23, equation="ij,jk->ix"), "Einsum",
     'equation "ij,jk->ix": the output has x, not in any input'),
    ("einsum-repeated", node_model("Einsum", A23, equation="ij,jk->ii"), "Einsum",
     'equation "ij,jk->ii": the output repeats i'),
    ("einsum-rank", node_model("Einsum", A23, equation="ijk,jk->ik"), "Einsum",
     "Rank of input 0 (2) does not match the equation indices (3)."),
    ("einsum-sizes", node_model("Einsum", {"a": [2, 3], "b": [5, 4]}, equation="ij,jk->ik"),
     "Einsum", 'label "j" is 3 in one input and 5 in another'),
    ("gather-axis", node_model("Gather", {"x": [4, 5]}, [const("i", [0, 1], I64)], axis=5),
     "Gather", "axis must be in [-r, r-1]"),
    ("gather-indices", node_model("Gather", {"x": [4, 5]}, [const("i", [0, 9], I64)]),
     "Gather", "index 9 is outside dimension 0 (4)"),
    ("layernorm-axis", node_model("LayerNormalization", {"x": [2, 8]}, [zeros("s", [8])],
                                  axis=4),
     "LayerNormalization", "axis 4 is out of range for a rank-2 input"),
    ("layernorm-scale", node_model("LayerNormalization", {"x": [2, 8]}, [zeros("s", [5])]),
     "LayerNormalization", "scale [5] does not match the normalised dims [8]"),
    ("lstm-hidden-size", node_model("LSTM", {"x": [3, 1, 4]}, [zeros("w", [1, 32, 4]),
                                    zeros("r", [1, 32, 8])], hidden_size=7),
     "LSTM", "W [1, 32, 4] and R [1, 32, 8] do not fit 1 direction(s), 4 input features and "
     "hidden_size 7: LSTM needs W (D, 4·H, I) and R (D, 4·H, H)"),
    ("lstm-gates", node_model("LSTM", {"x": [3, 1, 4]}, [zeros("w", [1, 30, 4]),
                              zeros("r", [1, 30, 8])], hidden_size=8),
     "LSTM", "W [1, 30, 4] and R [1, 30, 8] do not fit 1 direction(s), 4 input features and "
     "hidden_size 8: LSTM needs W (D, 4·H, I) and R (D, 4·H, H)"),
    ("reduce-axes", node_model("ReduceSum", {"x": [2, 8]}, [const("a", [3], I64)]), "ReduceSum",
     "axis must be in [-rank, rank-1]. Input rank was 2"),
    ("softmax-axis", node_model("Softmax", {"x": [2, 8]}, axis=2), "Softmax",
     "'axis' must be in [-2 , 1]. Its actual value is: 2"),
    ("slice-axis", node_model("Slice", {"x": [2, 8]}, [const("s", [0], I64), const("e", [1], I64),
                                                     const("a", [4], I64)]),
     "Slice", "Unexpected axis value: 4. Expected range [-2, 2)"),
    ("slice-step0", node_model("Slice", {"x": [2, 8]}, [const(n, [v], I64) for n, v in
                                                        (("s", 0), ("e", 4), ("a", 1), ("t", 0))]),
     "Slice", "'step' cannot be 0 for Slice"),
    ("split-axis", node_model("Split", {"x": [2, 8]}, outputs=2, axis=3), "Split",
     "Invalid value of attribute 'axis'. Rank=2 Value=3"),
    ("split-sizes", node_model("Split", {"x": [2, 8]}, [const("s", [3, 3], I64)], outputs=2,
                               axis=1),
     "Split", "Mismatch between the sum of 'split' (6) and the split dimension of the input (8)"),
    ("split-num-outputs", node_model("Split", {"x": [2, 8]}, outputs=2, axis=1, num_outputs=9,
                                     opset=18),
     "Split", "num_outputs 9 is not its 2 outputs"),
    ("resize-scale0", node_model("Resize", {"x": [1, 1, 4, 4]}, [const("c", [1, 1, 0, 0])],
                                 data=["x", "", "c"]),
     "Resize", 'tensor "y" (1x1x0x0) has no elements; accelsim simulates tensors with at least '
     "one element"),
    ("range-inf", range_sum(0, np.inf, 1), "Range",
     "start, limit and delta must be finite scalars, delta not 0"),
    ("range-nan", range_sum(0, np.nan, 1), "Range",
     "start, limit and delta must be finite scalars, delta not 0"),
    ("range-delta0", range_sum(0, 4, 0), "Range",
     "start, limit and delta must be finite scalars, delta not 0"),
]  # fmt: skip


def _onnxruntime_refuses(path: Path) -> bool:
    try:
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        feeds = {i.name: np.ones(i.shape, np.float32) for i in session.get_inputs()}
        session.run(None, feeds)
    except Exception:  # onnxruntime raises its own error types at load or at run
        return True
    return False


@pytest.mark.parametrize(("model", "op", "end"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_model_onnxruntime_refuses_is_refused_naming_the_node(
    tmp_path: Path, model: onnx.ModelProto, op: str, end: str
) -> None:
    path = save(model, tmp_path / "bad.onnx")
    assert _onnxruntime_refuses(path)
    with pytest.raises(WorkloadError) as caught:
        import_onnx(path)
    node = "range" if op == "Range" else "n"
    assert str(caught.value) == f'{path}: node "{node}" ({op}): invalid node: {end}'.replace(
        "invalid node: tensor", "tensor"
    )


def test_a_zero_batch_matmul_is_refused_not_a_crash(tmp_path: Path) -> None:
    # onnxruntime runs it (an empty product), but there is nothing to time or place in SRAM
    path = save(node_model("MatMul", {"a": [0, 2, 3], "b": [0, 3, 4]}), tmp_path / "z.onnx")
    with pytest.raises(WorkloadError) as caught:
        import_onnx(path)
    assert str(caught.value) == (f'{path}: node "n" (MatMul): tensor "a" (0x2x3) has no elements; '
                                 "accelsim simulates tensors with at least one element")


def test_equations_onnxruntime_accepts_still_import(tmp_path: Path) -> None:
    # spaces, upper case and an implicit output are all fine to onnxruntime: 2·3·4 = 24 MACs
    for equation in ("i j , jk -> ik", "IJ,JK->IK", "ij,jk"):
        path = save(node_model("Einsum", A23, equation=equation), tmp_path / "ok.onnx")
        assert not _onnxruntime_refuses(path)
        assert import_onnx(path).ops[0].macs == 24


@pytest.mark.parametrize(
    ("entries", "reason"),
    [
        ({"offset": "-8"}, "offset -8 and length 864 must be >= 0"),
        ({"length": "-1"}, "offset 0 and length -1 must be >= 0"),
        ({"length": "8"}, "length 8 is less than the 864 bytes the tensor needs"),
        # one byte short, and none at all: a length of 0 is no "whole tensor" default
        ({"length": "863"}, "length 863 is less than the 864 bytes the tensor needs"),
        ({"length": "0"}, "length 0 is less than the 864 bytes the tensor needs"),
        ({"offset": "100"}, "holds 864 bytes; the tensor needs bytes 100..964"),
        ({"offset": "eight"}, "offset or length is not an integer"),
        ({"length": "1.5"}, "offset or length is not an integer"),
        # a length given past the tensor's 864 B must still lie in the file: 0 + 900 > 864
        ({"length": "900"}, "holds 864 bytes; the tensor needs bytes 0..900"),
        ({"offset": "1"}, "holds 864 bytes; the tensor needs bytes 1..865"),
    ],
)
def test_external_data_extent_is_checked(tmp_path: Path, entries: dict[str, str], reason: str):
    path = with_external_data(single_conv(), tmp_path)  # w: 8x3x3x3 float32 = 864 bytes
    model = onnx.load(str(path), load_external_data=False)
    (tensor,) = model.graph.initializer
    kept = {e.key: e.value for e in tensor.external_data if e.key == "location"}
    del tensor.external_data[:]
    for key, value in {**kept, **entries}.items():
        tensor.external_data.add(key=key, value=value)
    path.write_bytes(model.SerializeToString())
    with pytest.raises(WorkloadError) as caught:
        import_onnx(path)
    separator = " " if reason.startswith("holds") else ": "
    assert str(caught.value) == f'{path}: tensor "w": external data "model.bin"{separator}{reason}'


@pytest.mark.parametrize(
    ("op", "inputs", "outputs", "attributes", "reason"),
    [
        ("Slice", [(4, 6)], [(4, 3)], {"starts": (0,), "ends": (6,), "axes": (1,), "steps": (0,)},
         "steps [0] has a 0 step"),
        ("Slice", [(4, 6)], [(2, 3)], {"starts": (0, 0), "ends": (2, 3), "axes": (1, -1)},
         "axes [1, -1] repeat an axis"),
        ("Split", [(2, 9)], [(2, 3), (2, 3)], {"axis": 1, "split": (3, 3)},
         "split [3, 3] does not add up to dimension 1 (9)"),
        ("Split", [(2, 9)], [(2, 3)], {"axis": 2}, "axis 2 is out of range for a rank-2 input"),
        ("Gather", [(5, 6), (2,)], [(2, 6)], {"axis": 0, "indices": (1, -6)},
         "index -6 is outside dimension 0 (5)"),
        ("Softmax", [(2, 3)], [(2, 3)], {"axis": -3}, "axis -3 is out of range for a rank-2 input"),
        ("ReduceSum", [(2, 3)], [(1, 1)], {"axes": (0, -2)}, "axes [0, -2] repeat an axis"),
        ("Resize", [(1, 1, 4, 4)], [(1, 1, 8, 8)], {"scales": (1.0, 1.0, 2.0, float("nan"))},
         "scales [1.0, 1.0, 2.0, nan] must all be > 0"),
    ],
)  # fmt: skip
def test_each_rule_checks_what_it_reads(op, inputs, outputs, attributes, reason) -> None:
    # The rules' own checks, behind strict inference: parameters folded from computed constants
    # reach a rule without onnx having seen their values.
    from accelsim.workload.costs import InvalidNode, NodeShapes, op_cost

    shapes = NodeShapes(tuple(inputs), tuple(outputs), attributes, 17)
    with pytest.raises(InvalidNode) as caught:
        op_cost(op, shapes)
    assert str(caught.value) == reason


def test_a_conv_whose_output_channels_do_not_split_into_its_groups_is_refused(
    tmp_path: Path,
) -> None:
    # 4 input channels in 2 groups of 2, but 3 output channels: onnxruntime fails to run it
    model = node_model("Conv", X, [zeros("w", (3, 2, 3, 3))], group=2)
    path = save(model, tmp_path / "g.onnx")
    assert _onnxruntime_refuses(path)
    with pytest.raises(WorkloadError) as caught:
        import_onnx(path)
    assert str(caught.value) == (f'{path}: node "n" (Conv): cannot cost this node: 3 output '
                                 "channels do not split into 2 groups")  # fmt: skip
