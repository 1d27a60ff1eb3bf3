"""ONNX export of a MobileNet (NCHW, opset 17) and its check against the NumPy forward pass.

Node names are stable for the simulator: conv1..conv27, bn1..bn27, relu1..relu27, avgpool,
flatten, fc, softmax; graph input `input`, output `probs`, and the Gemm's output value is
`logits`. With `fold_bn` the batch norms are folded into conv weights and biases (no bn nodes).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from accelsim.errors import DataError
from accelsim.train.batchnorm import BN_EPSILON
from accelsim.train.model import LayerSpec, MobileNetSpec

OPSET = 17


def _onnx_weight(s: LayerSpec, weight: np.ndarray) -> np.ndarray:
    """Training layout (channels-last) -> ONNX OIHW."""
    if s.kind == "conv":
        return weight.transpose(3, 2, 0, 1)
    if s.kind == "dw":
        return weight.transpose(2, 0, 1)[:, None]
    return weight.T[:, :, None, None]


def build_onnx(
    spec: MobileNetSpec,
    params: Mapping[str, np.ndarray],
    buffers: Mapping[str, np.ndarray],
    *,
    metadata: Mapping[str, str],
    fold_bn: bool = False,
    batch: int | None = 1,
) -> Any:
    """Build the ONNX ModelProto from host arrays; `batch=None` makes the batch symbolic."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    inits: list[Any] = []
    nodes: list[Any] = []

    def init(name: str, array: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array, np.float32), name))
        return name

    value = "input"
    for s in spec.layers:
        i = s.index
        weight = _onnx_weight(s, np.asarray(params[f"conv{i}.weight"], np.float64))
        scale = np.asarray(params[f"bn{i}.scale"], np.float64)
        shift = np.asarray(params[f"bn{i}.bias"], np.float64)
        mean = np.asarray(buffers[f"bn{i}.mean"], np.float64)
        var = np.asarray(buffers[f"bn{i}.var"], np.float64)
        conv_inputs = [value]
        if fold_bn:
            factor = scale / np.sqrt(var + BN_EPSILON)
            conv_inputs.append(init(f"conv{i}.weight", weight * factor[:, None, None, None]))
            conv_inputs.append(init(f"conv{i}.bias", shift - mean * factor))
        else:
            conv_inputs.append(init(f"conv{i}.weight", weight))
        pad = (s.kernel - 1) // 2
        nodes.append(
            helper.make_node(
                "Conv",
                conv_inputs,
                [f"conv{i}_out"],
                name=f"conv{i}",
                kernel_shape=[s.kernel, s.kernel],
                strides=[s.stride, s.stride],
                pads=[pad] * 4,
                group=s.in_channels if s.kind == "dw" else 1,
            )
        )
        value = f"conv{i}_out"
        if not fold_bn:
            bn_inputs = [
                init(f"bn{i}.{name}", array)
                for name, array in (("scale", scale), ("bias", shift), ("mean", mean), ("var", var))
            ]
            nodes.append(
                helper.make_node(
                    "BatchNormalization",
                    [value, *bn_inputs],
                    [f"bn{i}_out"],
                    name=f"bn{i}",
                    epsilon=BN_EPSILON,
                )
            )
            value = f"bn{i}_out"
        nodes.append(helper.make_node("Relu", [value], [f"relu{i}_out"], name=f"relu{i}"))
        value = f"relu{i}_out"
    k = spec.final_size
    nodes += [
        helper.make_node("AveragePool", [value], ["pool_out"], name="avgpool", kernel_shape=[k, k]),
        helper.make_node("Flatten", ["pool_out"], ["flatten_out"], name="flatten", axis=1),
        helper.make_node(
            "Gemm",
            [
                "flatten_out",
                init("fc.weight", np.asarray(params["fc.weight"]).T),
                init("fc.bias", params["fc.bias"]),
            ],
            ["logits"],
            name="fc",
            transB=1,
        ),
        helper.make_node("Softmax", ["logits"], ["probs"], name="softmax", axis=1),
    ]
    n: int | str = "N" if batch is None else batch
    size = spec.input_size
    graph = helper.make_graph(
        nodes,
        f"mobilenet_a{spec.alpha:g}_r{spec.rho:g}",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [n, 3, size, size])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [n, spec.num_classes])],
        initializer=inits,
        value_info=[
            helper.make_tensor_value_info("logits", TensorProto.FLOAT, [n, spec.num_classes])
        ],
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="accelsim.train",
        doc_string=f"MobileNet (paper Table 1), alpha {spec.alpha:g}, rho {spec.rho:g}",
    )
    model.ir_version = 8  # readable by onnxruntime >= 1.10
    helper.set_model_props(model, dict(metadata))
    onnx.checker.check_model(model, full_check=True)
    return model


CLASS_NAMES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)


def make_metadata(
    spec: MobileNetSpec,
    *,
    epochs: int,
    test_accuracy: float | None,
    test_loss: float | None,
    mean: tuple[float, ...],
    std: tuple[float, ...],
    dataset: str,
    command: str,
    seed: int,
    class_names: tuple[str, ...] = CLASS_NAMES,
) -> dict[str, str]:
    """metadata_props: what a caller needs to feed the model and what it was measured at."""
    size = spec.input_size
    resample = "" if size == 28 else f", then nearest-neighbour resample to {size}x{size}"
    return {
        "model": "MobileNet (seed paper Table 1)",
        "width_multiplier": f"{spec.alpha:g}",
        "resolution_multiplier": f"{spec.rho:g}",
        "input_size": f"{size}",
        "epochs": str(epochs),
        "test_accuracy": "untrained" if test_accuracy is None else f"{test_accuracy:.4f}",
        "test_loss": "untrained" if test_loss is None else f"{test_loss:.4f}",
        "dataset": dataset,
        "preprocessing": (
            "RGB pixels scaled to [0, 1] (divide by 255); subtract mean and divide by std per "
            f"channel; center crop 28x28 of the 32x32 image{resample}; NCHW float32"
        ),
        "mean_rgb": ",".join(f"{m:.6f}" for m in mean),
        "std_rgb": ",".join(f"{s:.6f}" for s in std),
        "pixel_scale": "0..1",
        "class_names": ",".join(class_names),
        "outputs": "probs = softmax(logits); logits is the fc (Gemm) output",
        "seed": str(seed),
        "command": command,
    }


def save_onnx(model: Any, path: Path) -> None:
    """Write the model through a temporary file and rename, so no partial file is left."""
    from accelsim.outputs import write_bytes

    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(path, model.SerializeToString())


def onnx_logits(model: Any, images_nchw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(logits, probs) from onnxruntime for an NCHW batch, one image per run if batch is fixed."""
    import onnx

    try:
        import onnxruntime as ort
    except ImportError:
        raise DataError(
            "--onnx: checking the export needs onnxruntime; pip install onnxruntime"
        ) from None

    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    probe.graph.output.extend([v for v in probe.graph.value_info if v.name == "logits"])
    session = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    dim = probe.graph.input[0].type.tensor_type.shape.dim[0]
    step = dim.dim_value if dim.HasField("dim_value") else len(images_nchw)
    logits, probs = [], []
    for start in range(0, len(images_nchw), max(step, 1)):
        chunk = np.ascontiguousarray(images_nchw[start : start + step], np.float32)
        p, z = session.run(["probs", "logits"], {"input": chunk})
        probs.append(p)
        logits.append(z)
    return np.concatenate(logits), np.concatenate(probs)


def check_against_numpy(
    model: Any, images_nchw: np.ndarray, numpy_logits: np.ndarray, *, tolerance: float = 1e-4
) -> float:
    """Largest |logit difference| between onnxruntime and NumPy; DataError if over tolerance."""
    ort_logits, _ = onnx_logits(model, images_nchw)
    worst = float(np.max(np.abs(ort_logits - numpy_logits)))
    if not worst <= tolerance:  # a bug in the exporter, not bad input: exit code 1
        raise RuntimeError(
            f"ONNX export: logits differ from the NumPy forward pass by {worst:.3g} "
            f"(tolerance {tolerance:g})"
        )
    return worst


def onnx_test_metrics(
    model: Any, images_nchw: np.ndarray, labels: np.ndarray
) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of the ONNX model on a labelled NCHW set, via onnxruntime."""
    logits, _ = onnx_logits(model, images_nchw)
    shifted = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = float(-log_probs[np.arange(len(labels)), labels].mean())
    return loss, float((logits.argmax(axis=1) == labels).mean())
