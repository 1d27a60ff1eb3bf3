"""Batch norm (+ fused ReLU) forward and backward over NHWC arrays, in cache-sized chunks.

Statistics are per-chunk moments merged exactly; the normalisation is one per-channel
multiply-add; the backward regroups into g * k1 + x * k2 + k3 so xhat is never stored. With
the compiled kernels (jit.py), a batch norm next to a depthwise conv can be deferred into it
(Normalised, NormalisedGrad): the depthwise kernel applies it per chunk while in cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accelsim.train import jit
from accelsim.train.backend import module_of
from accelsim.train.layers import column_sum, over_chunks

Array = Any  # numpy.ndarray or cupy.ndarray
BN_EPSILON = 1e-5


def _column_sums(a: Array, b: Array | None = None) -> Array:
    """Per-column sums of an (M, C) matrix, or of the product a * b, in one pass.

    NumPy's einsum streams both operands once with no temporary (faster than `.sum(0)`,
    a ones-vector GEMV or a product then a sum); CuPy's few-output reductions are slow, so
    there the sum is a GEMV (see column_sum).
    """
    xp = module_of(a)
    if xp.__name__ == "numpy":
        return xp.einsum("ij->j", a) if b is None else xp.einsum("ij,ij->j", a, b)
    return column_sum(a if b is None else a * b)


def chunk_moments(x2d: Array) -> tuple[int, Array, Array]:
    """(rows, per-column mean, centred sum of squares) of one cache-sized (M, C) chunk.

    Two passes over the chunk while it is in cache (exact in float32 when |mean| >> std);
    batchnorm_forward merges the chunks (Chan et al.). Producers that still hold a chunk of
    their output in cache may call this themselves and hand the list over (`moments=`).
    """
    xp = module_of(x2d)
    kernels = jit.kernels_for(xp)
    if kernels is not None:
        return kernels.bn_moments(x2d)
    rows = x2d.shape[0]
    chunk_mean = _column_sums(x2d) / rows
    centred = x2d - chunk_mean  # a chunk-sized temporary, in cache
    return rows, chunk_mean, _column_sums(centred, centred)


@dataclass(frozen=True, slots=True)
class Normalised:
    """A batch norm's NHWC output not written to memory: relu?(x * gain + shift) per channel.

    The compiled depthwise kernel, its only consumer, applies it to each chunk of x while the
    chunk is in cache (and again in backward), which saves writing and reading the output.
    """

    x: Array
    gain: Array
    shift: Array
    relu: bool


@dataclass(frozen=True, slots=True)
class NormalisedGrad:
    """A batch norm's NHWC input gradient not written to memory: g * k1 + x * k2 + k3 per
    channel, g the ReLU-masked output gradient dout (the compiled depthwise backward, which
    consumes it, computes it per chunk in cache)."""

    dout: Array
    x: Array
    gain: Array
    shift: Array
    relu: bool
    k1: Array
    k2: Array
    k3: Array


@dataclass(frozen=True, slots=True)
class BatchNormCache:
    """What batch norm keeps for backward: its (N*H*W, C) input (the conv output, which
    is alive anyway, so xhat is never stored), the batch mean, 1/std per channel, the
    forward's multiply-add (gain, shift), whether a ReLU was fused in and, for the array
    kernels, the (N*H*W, C) output whose sign is the ReLU's mask (the compiled kernels
    recompute the mask from x2d * gain + shift)."""

    x2d: Array
    mean: Array
    inv_std: Array
    gain: Array
    shift: Array
    relu: bool
    relu_out: Array | None = None


def batchnorm_forward(
    x: Array,
    scale: Array,
    bias: Array,
    running_mean: Array,
    running_var: Array,
    *,
    train: bool,
    momentum: float = 0.1,
    relu: bool = False,
    moments: list[tuple[int, Array, Array]] | None = None,
    defer: bool = False,
) -> tuple[Array | Normalised, BatchNormCache | None]:
    """Batch norm over all axes but the last (channels), optionally followed by a fused ReLU.

    In training it normalises with the batch statistics and updates the running ones in
    place (running = (1 - momentum) * running + momentum * batch, unbiased variance, as
    PyTorch does); in evaluation it uses the running ones, as ONNX BatchNormalization does.
    The normalisation is folded into one per-channel multiply-add, out = x * a + b with
    a = scale / std and b = bias - mean * a, so each step is one pass over memory.
    `moments`: the producer's chunk_moments of x (saves a pass); `defer`: return a
    Normalised for the compiled depthwise kernel instead of writing the output.
    """
    xp = module_of(x)
    kernels = jit.kernels_for(xp)
    shape = x.shape
    x2d = x.reshape(-1, shape[-1])
    count, row_bytes = x2d.shape[0], x2d[0].nbytes
    if train:
        if moments is None:
            moments = over_chunks(lambda part: chunk_moments(x2d[part]), count, row_bytes, xp)
        mean = sum(rows * m for rows, m, _ in moments) / count
        var = sum(sq + rows * (m - mean) ** 2 for rows, m, sq in moments) / count
    else:
        mean, var = running_mean, running_var
    inv_std = 1.0 / xp.sqrt(var + BN_EPSILON)
    gain = (scale * inv_std).astype(x.dtype, copy=False)
    shift = (bias - mean * gain).astype(x.dtype, copy=False)
    out: Array | None = None
    if defer:
        result: Array | Normalised = Normalised(x, gain, shift, relu)
    else:
        out = xp.empty_like(x2d)

        def normalise(part: slice) -> None:
            if kernels is not None:
                kernels.bn_apply(x2d[part], gain, shift, relu, out[part])
                return
            xp.multiply(x2d[part], gain, out=out[part])
            out[part] += shift
            if relu:
                xp.maximum(out[part], 0, out=out[part])

        over_chunks(normalise, count, row_bytes, xp)
        result = out.reshape(shape)
    if not train:
        return result, None
    running_mean *= 1.0 - momentum
    running_mean += momentum * mean
    running_var *= 1.0 - momentum
    running_var += (momentum * count / max(count - 1, 1)) * var
    cache = BatchNormCache(x2d, mean, inv_std, gain, shift, relu, out if relu else None)
    return result, cache


def batchnorm_backward(
    dout: Array, cache: BatchNormCache, scale: Array, *, defer: bool = False
) -> tuple[Array | NormalisedGrad, Array, Array]:
    """Gradients (dx, dscale, dbias) of training-mode batchnorm_forward (ReLU included).

    With g the (ReLU-masked) output gradient and xhat = (x - mean) / std:
    dbias = sum g, dscale = sum g * xhat = (sum g * x - mean * dbias) / std, and
    dx = scale / std * (g - dbias / M - xhat * dscale / M), which regroups into one
    per-channel g * k1 + x * k2 + k3, so xhat is never materialised. `defer` (compiled
    kernels only): return dx as a NormalisedGrad for the depthwise backward to compute.
    """
    xp = module_of(dout)
    kernels = jit.kernels_for(xp)
    shape = dout.shape
    dout2d = dout.reshape(-1, shape[-1])
    count, row_bytes = dout2d.shape[0], dout2d[0].nbytes
    x2d, mean, inv_std, relu = cache.x2d, cache.mean, cache.inv_std, cache.relu
    masked = relu and kernels is None  # the array kernels write the masked gradient g
    g = xp.empty_like(dout2d) if masked else dout2d

    def sums(part: slice) -> tuple[Array, Array]:
        if kernels is not None:
            return kernels.bn_grad_sums(dout2d[part], x2d[part], cache.gain, cache.shift, relu)
        if masked:
            assert cache.relu_out is not None  # kept by forward whenever relu and no kernels
            xp.multiply(dout2d[part], cache.relu_out[part] > 0, out=g[part])
        return _column_sums(g[part]), _column_sums(g[part], x2d[part])

    partial = over_chunks(sums, count, row_bytes, xp)
    dbias = sum(p[0] for p in partial)
    dscale = (sum(p[1] for p in partial) - mean * dbias) * inv_std
    k1 = scale * inv_std
    k2 = -k1 * inv_std * dscale / count
    k3 = -k1 * dbias / count - mean * k2
    k1, k2, k3 = (k.astype(g.dtype, copy=False) for k in (k1, k2, k3))
    dscale, dbias = (d.astype(g.dtype, copy=False) for d in (dscale, dbias))
    if defer:
        x = x2d.reshape(shape)
        return NormalisedGrad(dout, x, cache.gain, cache.shift, relu, k1, k2, k3), dscale, dbias
    dx = xp.empty_like(dout2d)

    def input_grad(part: slice) -> None:
        if kernels is not None:
            gain, shift = cache.gain, cache.shift
            kernels.bn_grad_input(dout2d[part], x2d[part], gain, shift, relu, k1, k2, k3, dx[part])
            return
        xp.multiply(x2d[part], k2, out=dx[part])
        dx[part] += k3
        if not masked:
            dx[part] += g[part] * k1
        else:  # g is our own buffer: scale it in place
            g[part] *= k1
            dx[part] += g[part]

    over_chunks(input_grad, count, row_bytes, xp)
    return dx.reshape(shape), dscale, dbias
