"""MobileNet(alpha, rho) as in the paper's Table 1, shared by training and ONNX export.

One full 3x3 conv, then 13 depthwise-separable blocks (depthwise 3x3 + pointwise 1x1), every
conv followed by batch norm and ReLU; then a global average pool, a fully connected layer and
softmax. Layers are numbered 1..27 in execution order, as in the paper's Table 3, and the
parameter names (`conv3.weight`, `bn3.scale`, ...) are the ONNX initializer names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from accelsim.errors import DataError
from accelsim.train import batchnorm as B
from accelsim.train import depthwise as D
from accelsim.train import jit
from accelsim.train import layers as L
from accelsim.train.backend import module_of

Array = Any
LayerKind = Literal["conv", "dw", "pw"]
BASE_INPUT_SIZE = 28
NUM_CLASSES = 10

# (kind, output channels at alpha = 1, stride) for layers 1..27 (Table 1 read top to bottom).
_BODY: tuple[tuple[LayerKind, int, int], ...] = (
    ("conv", 32, 1),
    ("dw", 32, 1),
    ("pw", 64, 1),
    ("dw", 64, 2),
    ("pw", 64, 1),
    ("dw", 64, 1),
    ("pw", 128, 1),
    ("dw", 128, 1),
    ("pw", 128, 1),
    ("dw", 128, 1),
    ("pw", 128, 1),
    ("dw", 128, 1),
    ("pw", 256, 1),
    *((("dw", 256, 1), ("pw", 256, 1)) * 5),
    ("dw", 256, 2),
    ("pw", 256, 1),
    ("dw", 256, 1),
    ("pw", 256, 1),
)


@dataclass(frozen=True, slots=True)
class LayerSpec:
    """One conv layer: `index` 1..27, channels in/out, stride, input and output side in pixels."""

    index: int
    kind: LayerKind
    in_channels: int
    out_channels: int
    stride: int
    in_size: int
    out_size: int

    @property
    def kernel(self) -> int:
        return 1 if self.kind == "pw" else 3

    @property
    def macs(self) -> int:
        """Multiply-accumulates for one image (28*28*32*27 = 677,376 for layer 1 at alpha 1)."""
        per_pixel = {
            "conv": 9 * self.in_channels * self.out_channels,
            "dw": 9 * self.out_channels,
            "pw": self.in_channels * self.out_channels,
        }[self.kind]
        return self.out_size * self.out_size * per_pixel

    @property
    def weight_shape(self) -> tuple[int, ...]:
        """Channels-last weight layout used in training (export transposes it to OIHW)."""
        if self.kind == "conv":
            return (3, 3, self.in_channels, self.out_channels)
        if self.kind == "dw":
            return (3, 3, self.out_channels)
        return (self.in_channels, self.out_channels)


def scaled_channels(channels: int, alpha: float) -> int:
    """Channel count under width multiplier alpha, rounded down as in the MobileNet paper."""
    return max(1, int(channels * alpha))


def input_size(rho: float) -> int:
    """Input side in pixels under resolution multiplier rho (28 at rho = 1)."""
    return round(BASE_INPUT_SIZE * rho)


@dataclass(frozen=True, slots=True)
class MobileNetSpec:
    """The architecture: width multiplier alpha, resolution multiplier rho, class count."""

    alpha: float = 1.0
    rho: float = 1.0
    num_classes: int = NUM_CLASSES

    def __post_init__(self) -> None:
        for name, value in (("alpha", self.alpha), ("rho", self.rho)):
            if not 0.0 < value <= 1.0:
                raise DataError(f"--{name} {value}: out of range; expected 0 < {name} <= 1")
        if input_size(self.rho) < 4:
            raise DataError(f"--rho {self.rho}: input would be under 4x4 pixels; raise rho")

    @property
    def input_size(self) -> int:
        return input_size(self.rho)

    @property
    def layers(self) -> tuple[LayerSpec, ...]:
        specs = []
        channels, size = 3, self.input_size
        for index, (kind, base_out, stride) in enumerate(_BODY, start=1):
            out = channels if kind == "dw" else scaled_channels(base_out, self.alpha)
            out_size = (size - 1) // stride + 1
            specs.append(LayerSpec(index, kind, channels, out, stride, size, out_size))
            channels, size = out, out_size
        return tuple(specs)

    @property
    def feature_channels(self) -> int:
        return self.layers[-1].out_channels

    @property
    def final_size(self) -> int:
        return self.layers[-1].out_size

    @property
    def macs(self) -> int:
        """Multiply-accumulates per image: all convs plus the fully connected layer."""
        return sum(s.macs for s in self.layers) + self.feature_channels * self.num_classes


def init_params(
    spec: MobileNetSpec, seed: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Seeded host-side initial weights (He normal for convs) and batch-norm running statistics.

    Always drawn with NumPy so the same seed gives the same network on CPU and GPU.
    """
    rng = np.random.default_rng(seed)
    params: dict[str, np.ndarray] = {}
    buffers: dict[str, np.ndarray] = {}
    for s in spec.layers:
        fan_in = {"conv": 9 * s.in_channels, "dw": 9, "pw": s.in_channels}[s.kind]
        weight = rng.standard_normal(s.weight_shape) * np.sqrt(2.0 / fan_in)
        params[f"conv{s.index}.weight"] = weight.astype(np.float32)
        params[f"bn{s.index}.scale"] = np.ones(s.out_channels, np.float32)
        params[f"bn{s.index}.bias"] = np.zeros(s.out_channels, np.float32)
        buffers[f"bn{s.index}.mean"] = np.zeros(s.out_channels, np.float32)
        buffers[f"bn{s.index}.var"] = np.ones(s.out_channels, np.float32)
    fc_shape = (spec.feature_channels, spec.num_classes)
    params["fc.weight"] = (rng.standard_normal(fc_shape) * 0.01).astype(np.float32)
    params["fc.bias"] = np.zeros(spec.num_classes, np.float32)
    return params, buffers


@dataclass(frozen=True, slots=True)
class ForwardCache:
    """Per-layer caches of one training forward pass, consumed by `backward`."""

    convs: tuple[Any, ...]
    bns: tuple[Any, ...]
    pooled: Array
    pool_shape: tuple[int, ...]


def _conv_forward(s: LayerSpec, x: Array, weight: Array) -> tuple[Array, Any]:
    if s.kind == "conv":
        return L.conv3x3_forward(x, weight, s.stride)
    if s.kind == "dw":
        return D.forward(x, weight, s.stride)
    return L.pointwise_forward(x, weight)


def forward(
    spec: MobileNetSpec,
    params: dict[str, Array],
    buffers: dict[str, Array],
    x: Array,
    *,
    train: bool,
) -> tuple[Array, ForwardCache | None]:
    """Logits for a (N, H, W, 3) normalised batch; in training also the caches for backward.

    With the compiled kernels, a batch norm that feeds a depthwise conv is deferred into it
    (L.Normalised) and the depthwise conv hands its own batch norm the moments of its output.
    """
    convs, bns = [], []
    compiled = jit.kernels_for(module_of(x)) is not None
    kinds = [s.kind for s in spec.layers] + ["pool"]
    for s in spec.layers:
        i = s.index
        x, conv_cache = _conv_forward(s, x, params[f"conv{i}.weight"])
        x, bn_cache = B.batchnorm_forward(
            x,
            params[f"bn{i}.scale"],
            params[f"bn{i}.bias"],
            buffers[f"bn{i}.mean"],
            buffers[f"bn{i}.var"],
            train=train,
            relu=True,  # fused: one pass fewer, same numbers as BN then ReLU
            moments=D.output_moments(conv_cache) if s.kind == "dw" else None,
            defer=compiled and kinds[i] == "dw",
        )
        if train:
            convs.append(conv_cache)
            bns.append(bn_cache)
    pool_shape = x.shape
    pooled = L.avgpool_forward(x)
    logits = L.fc_forward(pooled, params["fc.weight"], params["fc.bias"])
    if not train:
        return logits, None
    return logits, ForwardCache(tuple(convs), tuple(bns), pooled, pool_shape)


def backward(
    spec: MobileNetSpec, params: dict[str, Array], cache: ForwardCache, dlogits: Array
) -> dict[str, Array]:
    """Gradients of the loss for every trainable parameter, given d(loss)/d(logits)."""
    grads: dict[str, Array] = {}
    dx, grads["fc.weight"], grads["fc.bias"] = L.fc_backward(
        dlogits, cache.pooled, params["fc.weight"]
    )
    dx = L.avgpool_backward(dx, cache.pool_shape)
    for s in reversed(spec.layers):
        i, k = s.index, s.index - 1
        dx, grads[f"bn{i}.scale"], grads[f"bn{i}.bias"] = B.batchnorm_backward(
            dx,
            cache.bns[k],
            params[f"bn{i}.scale"],
            defer=isinstance(cache.convs[k], D.InputCache),  # the compiled depthwise computes dx
        )
        weight = params[f"conv{i}.weight"]
        if s.kind == "conv":
            dx, grads[f"conv{i}.weight"] = L.conv3x3_backward(
                dx, cache.convs[k], weight, need_dx=i > 1
            )
        elif s.kind == "dw":
            dx, grads[f"conv{i}.weight"] = D.backward(dx, cache.convs[k], weight)
        else:
            dx, grads[f"conv{i}.weight"] = L.pointwise_backward(dx, cache.convs[k], weight)
    return grads


def predict_probs(
    spec: MobileNetSpec, params: dict[str, Array], buffers: dict[str, Array], x: Array
) -> Array:
    """Evaluation-mode class probabilities (running batch-norm statistics)."""
    logits, _ = forward(spec, params, buffers, x, train=False)
    return L.softmax(logits)


def count_params(spec: MobileNetSpec) -> int:
    """Trainable parameters (conv weights, batch-norm scale/bias, fc weight/bias)."""
    params, _ = init_params(spec, 0)
    return sum(int(p.size) for p in params.values())
