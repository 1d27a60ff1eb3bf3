"""Small ONNX models built in code, for any test that needs a model file.

Every builder returns a checker-valid `onnx.ModelProto` (weights are seeded random float32, so
onnxruntime can run it); `save` writes one to disk. Graph outputs are typed by ONNX shape
inference, so builders only state inputs, weights and nodes. Tests assert numbers worked out by
hand, never numbers read back from these builders.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
Dims = Sequence[int | str]


def weights(shape: Sequence[int], seed: int = 0) -> np.ndarray:
    """Seeded random float32 weights of `shape`."""
    return np.random.default_rng(seed).standard_normal(tuple(shape)).astype(np.float32)


def make_model(
    nodes: Sequence[onnx.NodeProto],
    inputs: Mapping[str, Dims],
    initializers: Mapping[str, np.ndarray],
    outputs: Sequence[str],
    *,
    opset: int = OPSET,
    name: str = "test",
    types: Mapping[str, int] | None = None,
    output_dims: Mapping[str, Dims] | None = None,
) -> onnx.ModelProto:
    """A model from `inputs` (name -> dims, str dims symbolic), weights and nodes.

    Inputs are float32 unless `types` gives their TensorProto element type (int64 token ids,
    bool masks). The outputs' types come from ONNX shape inference (the checker requires them),
    or from `output_dims` (float32) for ops ONNX cannot infer (GroupNormalization).
    """
    value_inputs = [
        helper.make_tensor_value_info(n, (types or {}).get(n, TensorProto.FLOAT), d)
        for n, d in inputs.items()
    ]
    tensors = [numpy_helper.from_array(value, n) for n, value in initializers.items()]
    draft_outputs = [helper.make_empty_tensor_value_info(n) for n in outputs]
    graph = helper.make_graph(list(nodes), name, value_inputs, draft_outputs, tensors)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
    known = {v.name: v for v in [*inferred.graph.value_info, *inferred.graph.output]}
    for n, d in (output_dims or {}).items():
        known[n] = helper.make_tensor_value_info(n, TensorProto.FLOAT, d)
    del model.graph.output[:]
    model.graph.output.extend(known[n] for n in outputs)
    onnx.checker.check_model(model)
    return model


def save(model: onnx.ModelProto, path: str | Path) -> Path:
    """Write `model` (weights inline) to `path` and return the path."""
    path = Path(path)
    onnx.save(model, str(path))
    return path


def single_op(
    op_type: str,
    inputs: Sequence[str],
    *,
    activations: Mapping[str, Dims],
    initializers: Mapping[str, np.ndarray] | None = None,
    attributes: Mapping[str, object] | None = None,
    outputs: Sequence[str] = ("y",),
    opset: int = OPSET,
    types: Mapping[str, int] | None = None,
    graph_outputs: int = 1,
    output_dims: Mapping[str, Dims] | None = None,
) -> onnx.ModelProto:
    """One node `op_type` reading `inputs` ("" for an omitted optional input) named "op"; the
    first `graph_outputs` of its outputs are the model's."""
    node = helper.make_node(op_type, list(inputs), list(outputs), name="op", **(attributes or {}))
    return make_model(
        [node], activations, initializers or {}, outputs[:graph_outputs], opset=opset,
        types=types, output_dims=output_dims,
    )  # fmt: skip


def single_conv(
    *,
    batch: int | str = 1,
    in_channels: int = 3,
    out_channels: int = 8,
    size: tuple[int, int] = (8, 8),
    kernel: int = 3,
    stride: int = 1,
    pad: int = 1,
    group: int = 1,
    dilation: int = 1,
    bias: bool = False,
    name: str = "conv",
) -> onnx.ModelProto:
    """x (batch, Cin, H, W) -> Conv named `name` -> y; weights "w" (and "b" if `bias`)."""
    init = {"w": weights((out_channels, in_channels // group, kernel, kernel))}
    if bias:
        init["b"] = weights((out_channels,), seed=1)
    node = helper.make_node(
        "Conv",
        ["x", "w", "b"] if bias else ["x", "w"],
        ["y"],
        name=name,
        kernel_shape=[kernel, kernel],
        strides=[stride, stride],
        pads=[pad] * 4,
        dilations=[dilation, dilation],
        group=group,
    )
    return make_model([node], {"x": [batch, in_channels, *size]}, init, ["y"])


def depthwise_conv(
    *, channels: int = 8, size: tuple[int, int] = (8, 8), kernel: int = 3, stride: int = 1
) -> onnx.ModelProto:
    """A depthwise Conv (group = Cin = Cout) named "dw", padding kernel // 2."""
    return single_conv(
        in_channels=channels,
        out_channels=channels,
        size=size,
        kernel=kernel,
        stride=stride,
        pad=kernel // 2,
        group=channels,
        name="dw",
    )


def conv_chain(
    channels: Sequence[int] = (3, 8, 16),
    *,
    size: tuple[int, int] = (8, 8),
    kernel: int = 3,
    relu: bool = True,
) -> onnx.ModelProto:
    """x -> conv1 [-> relu1] -> conv2 [-> relu2] ... ; weights "conv<i>.weight", same padding."""
    nodes: list[onnx.NodeProto] = []
    init: dict[str, np.ndarray] = {}
    current = "x"
    for layer, (cin, cout) in enumerate(zip(channels[:-1], channels[1:], strict=True), start=1):
        init[f"conv{layer}.weight"] = weights((cout, cin, kernel, kernel), seed=layer)
        conv_out = f"conv{layer}_out"
        nodes.append(
            helper.make_node(
                "Conv",
                [current, f"conv{layer}.weight"],
                [conv_out],
                name=f"conv{layer}",
                kernel_shape=[kernel, kernel],
                pads=[kernel // 2] * 4,
            )
        )
        current = conv_out
        if relu:
            nodes.append(
                helper.make_node("Relu", [conv_out], [f"relu{layer}_out"], name=f"relu{layer}")
            )
            current = f"relu{layer}_out"
    return make_model(nodes, {"x": [1, channels[0], *size]}, init, [current])


def gemm(
    *, m: int = 1, k: int = 16, n: int = 10, trans_b: bool = True, bias: bool = True
) -> onnx.ModelProto:
    """x (m, k) -> Gemm "fc" with weight "w" ((n, k) if trans_b else (k, n)) and bias "b" (n,)."""
    init = {"w": weights((n, k) if trans_b else (k, n))}
    if bias:
        init["b"] = weights((n,), seed=1)
    node = helper.make_node(
        "Gemm", ["x", "w", "b"] if bias else ["x", "w"], ["y"], name="fc", transB=int(trans_b)
    )
    return make_model([node], {"x": [m, k]}, init, ["y"])


def matmul(a_shape: Sequence[int], b_shape: Sequence[int]) -> onnx.ModelProto:
    """x (a_shape) @ weight "w" (b_shape), numpy broadcasting, node "mm"."""
    node = helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")
    return make_model([node], {"x": list(a_shape)}, {"w": weights(b_shape)}, ["y"])


def unsupported_op(op_type: str = "SpaceToDepth") -> onnx.ModelProto:
    """conv1 (1x1, 3 -> 4 channels) then node "conv_7" of `op_type` (SpaceToDepth, blocksize 2,
    turns the (1, 4, 8, 8) map into (1, 16, 4, 4))."""
    attributes = {"blocksize": 2} if op_type == "SpaceToDepth" else {}
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["c1"], name="conv1", kernel_shape=[1, 1]),
        helper.make_node(op_type, ["c1"], ["y"], name="conv_7", **attributes),
    ]
    return make_model(nodes, {"x": [1, 3, 8, 8]}, {"w1": weights((4, 3, 1, 1))}, ["y"])


def symbolic_batch(symbol: str = "N") -> onnx.ModelProto:
    """single_conv whose input is (`symbol`, 3, 8, 8): the batch is a dim_param."""
    return single_conv(batch=symbol)


def shape_arithmetic_flatten() -> onnx.ModelProto:
    """The flatten PyTorch exports: Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1])).

    x (2, 3, 4, 4) -> conv "conv" (3 -> 4, 1x1) -> the shape subgraph -> Reshape "reshape"
    -> (2, 64) -> Relu "relu". Only conv, reshape and relu should survive import.
    """
    zero = numpy_helper.from_array(np.array(0, dtype=np.int64))
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[1, 1]),
        helper.make_node("Shape", ["c"], ["shape"], name="shape"),
        helper.make_node("Constant", [], ["zero"], name="zero", value=zero),
        helper.make_node("Gather", ["shape", "zero"], ["n"], name="gather", axis=0),
        helper.make_node("Unsqueeze", ["n", "axes0"], ["n1"], name="unsqueeze"),
        helper.make_node("Concat", ["n1", "minus1"], ["target"], name="concat", axis=0),
        helper.make_node("Reshape", ["c", "target"], ["flat"], name="reshape"),
        helper.make_node("Relu", ["flat"], ["y"], name="relu"),
    ]
    init = {
        "w": weights((4, 3, 1, 1)),
        "axes0": np.array([0], dtype=np.int64),
        "minus1": np.array([-1], dtype=np.int64),
    }
    return make_model(nodes, {"x": [2, 3, 4, 4]}, init, ["y"])


def with_external_data(model: onnx.ModelProto, folder: str | Path, name: str = "model") -> Path:
    """Save `model` as `<folder>/<name>.onnx` with every weight in `<folder>/<name>.bin`."""
    folder = Path(folder)
    path = folder / f"{name}.onnx"
    onnx.save(
        model,
        str(path),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=f"{name}.bin",
        size_threshold=0,
    )
    return path


def set_external_location(path: str | Path, location: str) -> Path:
    """Rewrite every external-data `location` in the model file at `path` (data not moved)."""
    model = onnx.load(str(path), load_external_data=False)
    for tensor in model.graph.initializer:
        for entry in tensor.external_data:
            if entry.key == "location":
                entry.value = location
    path = Path(path)
    path.write_bytes(model.SerializeToString())
    return path


def write_truncated(model: onnx.ModelProto, path: str | Path, keep: float = 0.5) -> Path:
    """Write the first `keep` fraction of the serialized model: a truncated download."""
    data = model.SerializeToString()
    path = Path(path)
    path.write_bytes(data[: int(len(data) * keep)])
    return path
