"""Forward and backward of every MobileNet layer, on NHWC float32 arrays (NumPy or CuPy).

Channels-last keeps each convolution a GEMM on a contiguous (pixels, channels) matrix and
lets depthwise and batch-norm work broadcast over the channel axis. Every convolution here
is 3x3 with padding 1 or 1x1; loops run over the nine kernel taps, never over pixels.
Each `*_forward` returns (output, cache); the matching `*_backward` takes the output
gradient and the cache and returns the input gradient (and parameter gradients).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from accelsim.train.backend import module_of

Array = Any  # numpy.ndarray or cupy.ndarray
TAPS = [(i, j) for i in range(3) for j in range(3)]


def column_sum(x2d: Array) -> Array:
    """Sum over rows of an (M, C) matrix as a ones-vector GEMV.

    CuPy reduces a C-contiguous matrix along axis 0 with one thread block per column, which
    for M = batch x pixels rows and few columns took ~ms per call and dominated a GPU step;
    BLAS/cuBLAS do it at memory speed on both backends.
    """
    xp = module_of(x2d)
    return xp.ones(x2d.shape[0], dtype=x2d.dtype) @ x2d


CHUNK_BYTES = 1 << 20
CHUNKS_PER_TASK = 4


def over_chunks(
    work: Callable[[slice], Any], count: int, bytes_per_item: int, xp: Any
) -> list[Any]:
    """Run `work` on slices of ~CHUNK_BYTES along the first axis, on every CPU core.

    NumPy runs each elementwise op as its own single-threaded pass over memory; on chunks
    that stay in the CPU cache the several passes of a layer cost about half as much, and
    since ufuncs and einsum release the GIL, threads spread the chunks over the cores. A GPU
    wants the opposite (few, large kernels), so with CuPy `work` gets the whole range once.
    Each pool task runs about CHUNKS_PER_TASK consecutive chunks, to cut the thread
    hand-offs; chunks are equal to within one item and tasks come in a multiple of the core
    count, so no core waits alone at the end of a pass (26 chunks in runs of 4 gave one core
    4 runs and the other 3).
    """
    if xp.__name__ != "numpy":
        return [work(slice(0, count))]
    chunks = -(-count // max(1, CHUNK_BYTES // max(bytes_per_item, 1)))
    if chunks <= 1:
        return [work(slice(0, count))]
    parts = [slice(count * k // chunks, count * (k + 1) // chunks) for k in range(chunks)]
    cores = cpu_cores()
    tasks = min(chunks, cores * -(-chunks // (CHUNKS_PER_TASK * cores)))
    runs = [parts[chunks * t // tasks : chunks * (t + 1) // tasks] for t in range(tasks)]
    return [r for results in _pool().map(lambda run: [work(p) for p in run], runs) for r in results]


@functools.cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=cpu_cores(), thread_name_prefix="accelsim-train")


@functools.cache
def cpu_cores() -> int:
    """How many cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def over_cores(work: Callable[[slice], Any], count: int) -> list[Any]:
    """Run `work` on one equal slice of the first axis per core, in the thread pool."""
    step = -(-count // cpu_cores())
    return list(_pool().map(work, [slice(s, min(s + step, count)) for s in range(0, count, step)]))


def matmul(a: Array, b: Array) -> Array:
    """a @ b for an (M, K) a with many rows; on NumPy, a's rows are split over the cores.

    The CPU backend runs BLAS single-threaded (see backend.cpu_threads: its idle worker
    threads otherwise spin on the cores that the elementwise chunks need), so the GEMMs
    are spread over the cores here, by the same pool.
    """
    xp = module_of(a)
    if xp.__name__ != "numpy":
        return a @ b
    out = xp.empty((a.shape[0], b.shape[1]), dtype=xp.result_type(a, b))
    over_cores(lambda part: xp.matmul(a[part], b, out=out[part]), a.shape[0])
    return out


def matmul_tn(a: Array, b: Array) -> Array:
    """a.T @ b for (M, K) and (M, N) with many rows: on NumPy, partial products of row
    slices on each core, summed (the weight gradients of the convolutions)."""
    xp = module_of(a)
    if xp.__name__ != "numpy":
        return a.T @ b
    return sum(over_cores(lambda part: a[part].T @ b[part], a.shape[0]))


def _tap(xpad: Array, i: int, j: int, stride: int, out_h: int, out_w: int) -> Array:
    """The (N, out_h, out_w, C) view of padded input that kernel tap (i, j) multiplies."""
    return xpad[
        :, i : i + stride * (out_h - 1) + 1 : stride, j : j + stride * (out_w - 1) + 1 : stride
    ]


def pad_into(dst: Array, src: Array) -> None:
    """Write src, zero-padded by one in H and W, into dst (N, H + 2, W + 2, C)."""
    dst[:, 0] = 0
    dst[:, -1] = 0
    dst[:, 1:-1, 0] = 0
    dst[:, 1:-1, -1] = 0
    dst[:, 1:-1, 1:-1] = src


def padded_shape(x_shape: tuple[int, ...], stride: int) -> tuple[tuple[int, ...], int, int]:
    """(padded shape, out_h, out_w) of a 3x3, padding-1 convolution of an NHWC input."""
    n, h, w, c = x_shape
    return (n, h + 2, w + 2, c), (h - 1) // stride + 1, (w - 1) // stride + 1


def _pad_and_size(x: Array, stride: int) -> tuple[Array, int, int]:
    """Zero-pad H and W by one (chunked: np.pad makes several whole-array passes)."""
    xp = module_of(x)
    shape, out_h, out_w = padded_shape(x.shape, stride)
    xpad = xp.empty(shape, dtype=x.dtype)
    over_chunks(lambda part: pad_into(xpad[part], x[part]), x.shape[0], xpad[0].nbytes, xp)
    return xpad, out_h, out_w


def _scatter_taps(dtaps: list[Array], x_shape: tuple[int, ...], stride: int) -> Array:
    """Sum per-tap input gradients back into an (N, H, W, C) gradient (the adjoint of _tap)."""
    xp = module_of(dtaps[0])
    n, h, w, c = x_shape
    dxpad = xp.zeros((n, h + 2, w + 2, c), dtype=dtaps[0].dtype)
    out_h, out_w = dtaps[0].shape[1:3]
    for (i, j), dtap in zip(TAPS, dtaps, strict=True):
        _tap(dxpad, i, j, stride, out_h, out_w)[...] += dtap
    return dxpad[:, 1:-1, 1:-1]


@dataclass(frozen=True, slots=True)
class ConvCache:
    """What a 3x3 full convolution keeps for backward: the im2col matrix and the input shape."""

    cols: Array
    x_shape: tuple[int, ...]
    stride: int


def conv3x3_forward(x: Array, weight: Array, stride: int) -> tuple[Array, ConvCache]:
    """Full 3x3 convolution, padding 1, as im2col + GEMM; weight is (3, 3, C_in, C_out)."""
    xp = module_of(x)
    xpad, out_h, out_w = _pad_and_size(x, stride)
    cols = xp.concatenate([_tap(xpad, i, j, stride, out_h, out_w) for i, j in TAPS], axis=-1)
    cols = cols.reshape(-1, cols.shape[-1])
    out = matmul(cols, weight.reshape(cols.shape[1], -1))
    return out.reshape(x.shape[0], out_h, out_w, -1), ConvCache(cols, x.shape, stride)


def conv3x3_backward(
    dout: Array, cache: ConvCache, weight: Array, *, need_dx: bool = True
) -> tuple[Array | None, Array]:
    """Gradients (dx or None, dweight) of conv3x3_forward; the first layer skips dx."""
    dout2d = dout.reshape(-1, dout.shape[-1])
    dweight = matmul_tn(cache.cols, dout2d).reshape(weight.shape)
    if not need_dx:
        return None, dweight
    c_in = cache.x_shape[-1]
    dcols = matmul(dout2d, weight.reshape(-1, weight.shape[-1]).T)
    dcols = dcols.reshape(*dout.shape[:3], 9, c_in)
    dtaps = [dcols[:, :, :, t] for t in range(9)]
    return _scatter_taps(dtaps, cache.x_shape, cache.stride), dweight


def pointwise_forward(x: Array, weight: Array) -> tuple[Array, Array]:
    """1x1 convolution as one GEMM; weight is (C_in, C_out); the cache is the input."""
    out = matmul(x.reshape(-1, x.shape[-1]), weight)
    return out.reshape(*x.shape[:3], -1), x


def pointwise_backward(dout: Array, x: Array, weight: Array) -> tuple[Array, Array]:
    """Gradients (dx, dweight) of pointwise_forward."""
    dout2d = dout.reshape(-1, dout.shape[-1])
    dweight = matmul_tn(x.reshape(-1, x.shape[-1]), dout2d)
    return matmul(dout2d, weight.T).reshape(x.shape), dweight


def avgpool_forward(x: Array) -> Array:
    """Global average pool (N, H, W, C) -> (N, C): the paper's 7x7 pool over a 7x7 map."""
    return x.mean(axis=(1, 2))


def avgpool_backward(dout: Array, x_shape: tuple[int, ...]) -> Array:
    """Gradient of avgpool_forward: spread each channel's gradient evenly over H x W."""
    xp = module_of(dout)
    n, h, w, c = x_shape
    scaled = dout * (1.0 / (h * w))
    return xp.broadcast_to(scaled[:, None, None, :], (n, h, w, c))


def fc_forward(x: Array, weight: Array, bias: Array) -> Array:
    """Fully connected layer: (N, C) @ (C, K) + (K,)."""
    return x @ weight + bias


def fc_backward(dout: Array, x: Array, weight: Array) -> tuple[Array, Array, Array]:
    """Gradients (dx, dweight, dbias) of fc_forward."""
    return dout @ weight.T, x.T @ dout, dout.sum(axis=0)


def softmax(logits: Array) -> Array:
    """Row-wise softmax, shifted by the row maximum for stability."""
    xp = module_of(logits)
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = xp.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def softmax_cross_entropy(
    logits: Array, labels: Array, *, label_smoothing: float = 0.0
) -> tuple[Array, Array, Array]:
    """Mean cross-entropy against (optionally smoothed) one-hot labels.

    Returns (loss, dlogits, probabilities); loss stays on the device (a 0-d array) so the
    training loop does not synchronise every step.
    """
    xp = module_of(logits)
    n, k = logits.shape
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))
    target = xp.full((n, k), label_smoothing / k, dtype=logits.dtype)
    target[xp.arange(n), labels] += 1.0 - label_smoothing
    loss = -(target * log_probs).sum() / n
    probs = xp.exp(log_probs)
    return loss, (probs - target) / n, probs
