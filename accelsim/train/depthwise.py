"""Depthwise 3x3 convolution (padding 1): three kernels, same numbers.

With numba installed, NumPy arrays go to a compiled loop (jit.py: no padded copy, one pass);
otherwise NumPy runs an einsum over a strided window view (one pass, no per-tap
temporaries). CuPy runs nine broadcast multiply-adds whose pixel reductions are GEMVs (CuPy's
own few-output reductions were slow enough to dominate a GPU step). All are tested against
finite differences and against each other; the reference weights were trained with the tap
kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from accelsim.train import batchnorm as B
from accelsim.train import jit
from accelsim.train import layers as L
from accelsim.train.backend import module_of

Array = Any


@dataclass(frozen=True, slots=True)
class DepthwiseCache:
    """What a depthwise convolution keeps for backward: the padded input."""

    xpad: Array
    x_shape: tuple[int, ...]
    stride: int


def forward_taps(x: Array, weight: Array, stride: int) -> tuple[Array, DepthwiseCache]:
    """GPU kernel: nine broadcast multiply-adds (a few large kernels, no 6-D temporaries)."""
    xp = module_of(x)
    xpad, out_h, out_w = L._pad_and_size(x, stride)
    out = xp.empty((x.shape[0], out_h, out_w, x.shape[-1]), dtype=x.dtype)

    def work(part: slice) -> None:
        acc = out[part]
        xp.multiply(L._tap(xpad[part], 0, 0, stride, out_h, out_w), weight[0, 0], out=acc)
        for i, j in L.TAPS[1:]:
            acc += L._tap(xpad[part], i, j, stride, out_h, out_w) * weight[i, j]

    L.over_chunks(work, x.shape[0], xpad[0].nbytes, xp)
    return out, DepthwiseCache(xpad, x.shape, stride)


def backward_taps(dout: Array, cache: DepthwiseCache, weight: Array) -> tuple[Array, Array]:
    """GPU kernel: gradients of forward_taps, tap by tap."""
    xp = module_of(dout)
    n, out_h, out_w, c = dout.shape
    dxpad = xp.zeros(cache.xpad.shape, dtype=dout.dtype)

    def work(part: slice) -> Array:
        d = dout[part]
        rows = d.shape[0] * out_h * out_w
        dweight = xp.empty_like(weight)
        for i, j in L.TAPS:
            tap = L._tap(cache.xpad[part], i, j, cache.stride, out_h, out_w)
            dweight[i, j] = L.column_sum((d * tap).reshape(rows, c))
            L._tap(dxpad[part], i, j, cache.stride, out_h, out_w)[...] += d * weight[i, j]
        return dweight

    dweight = sum(L.over_chunks(work, n, cache.xpad[0].nbytes, xp))
    return dxpad[:, 1:-1, 1:-1], dweight


def _windows(xpad: Array, stride: int, out_h: int, out_w: int) -> Array:
    """(N, out_h, out_w, 3, 3, C) read-only view: the 3x3 window under every output pixel."""
    from numpy.lib.stride_tricks import as_strided

    n, _, _, c = xpad.shape
    s_n, s_h, s_w, s_c = xpad.strides
    shape = (n, out_h, out_w, 3, 3, c)
    strides = (s_n, s_h * stride, s_w * stride, s_h, s_w, s_c)
    return as_strided(xpad, shape, strides, writeable=False)


def _row_windows(xpad: Array, height: int, width: int) -> Array:
    """(N, height, 3, 3, width * C) read-only view for stride 1: row i and column shift j of
    each output row, with W and C flattened into one contiguous axis.

    einsum's inner loop runs along the last axis; W * C long (not C) keeps it vectorised
    when C is small (3x faster at C = 32, 1.3x at C = 256).
    """
    from numpy.lib.stride_tricks import as_strided

    s_n, s_h, s_w, s_c = xpad.strides
    shape = (xpad.shape[0], height, 3, 3, width * xpad.shape[-1])
    return as_strided(xpad, shape, (s_n, s_h, s_h, s_w, s_c), writeable=False)


def _tiled(weight: Array, width: int) -> Array:
    """(3, 3, width * C): the per-channel weights repeated along each row, for _row_windows."""
    _, _, c = weight.shape
    return np.ascontiguousarray(np.broadcast_to(weight[:, :, None], (3, 3, width, c))).reshape(
        3, 3, width * c
    )


def _correlate(xpad: Array, weight: Array, stride: int, out: Array) -> None:
    """out = the 3x3 depthwise correlation of the padded chunk xpad with weight."""
    n, out_h, out_w, c = out.shape
    if stride == 1:
        rows = out.reshape(n, out_h, out_w * c)
        np.einsum(
            "nhijk,ijk->nhk", _row_windows(xpad, out_h, out_w), _tiled(weight, out_w), out=rows
        )
    else:
        np.einsum("nhwijc,ijc->nhwc", _windows(xpad, stride, out_h, out_w), weight, out=out)


def forward_einsum(x: Array, weight: Array, stride: int) -> tuple[Array, DepthwiseCache]:
    """CPU kernel: per cache-sized chunk, pad then one einsum over its strided window view
    (the chunk is still in cache for the einsum; no per-tap temporaries)."""
    shape, out_h, out_w = L.padded_shape(x.shape, stride)
    xpad = np.empty(shape, dtype=x.dtype)
    out = np.empty((x.shape[0], out_h, out_w, x.shape[-1]), dtype=x.dtype)

    def work(part: slice) -> None:
        L.pad_into(xpad[part], x[part])
        _correlate(xpad[part], weight, stride, out[part])

    L.over_chunks(work, x.shape[0], xpad[0].nbytes, np)
    return out, DepthwiseCache(xpad, x.shape, stride)


def _weight_grad(xpad: Array, dout: Array, stride: int) -> Array:
    """dweight (3, 3, C) of one chunk: window times output gradient, summed over pixels."""
    n, out_h, out_w, c = dout.shape
    if stride == 1:
        rows = dout.reshape(n, out_h, out_w * c)
        per_column = np.einsum("nhijk,nhk->ijk", _row_windows(xpad, out_h, out_w), rows)
        return per_column.reshape(3, 3, out_w, c).sum(axis=2)
    return np.einsum("nhwijc,nhwc->ijc", _windows(xpad, stride, out_h, out_w), dout)


def backward_einsum(dout: Array, cache: DepthwiseCache, weight: Array) -> tuple[Array, Array]:
    """CPU kernel, one chunked pass: dweight by einsum; dx as the stride-1 correlation of the
    zero-upsampled output gradient with the flipped kernel (the transpose of a strided
    convolution), its padding built per chunk in cache."""
    out_h, out_w = dout.shape[1:3]
    s = cache.stride
    if s == 1:
        spread = dout
    else:
        spread = np.zeros(cache.x_shape, dtype=dout.dtype)
        spread[:, : s * out_h : s, : s * out_w : s] = dout
    flipped = weight[::-1, ::-1]
    dx = np.empty(cache.x_shape, dtype=dout.dtype)
    pad_shape, _, _ = L.padded_shape(cache.x_shape, 1)

    def work(part: slice) -> Array:
        dpad = np.empty((spread[part].shape[0], *pad_shape[1:]), dtype=dout.dtype)
        L.pad_into(dpad, spread[part])
        _correlate(dpad, flipped, 1, dx[part])
        return _weight_grad(cache.xpad[part], dout[part], s)

    dweight = sum(L.over_chunks(work, dout.shape[0], cache.xpad[0].nbytes, np))
    return dx, dweight


@dataclass(frozen=True, slots=True)
class InputCache:
    """What the compiled kernel keeps for backward: its input (the previous layer's output,
    alive anyway, or that layer's deferred batch norm), the stride, and the batch-norm
    moments of its output chunks (batchnorm.chunk_moments, taken while each was in cache)."""

    x: Array | B.Normalised
    stride: int
    moments: list[tuple[int, Array, Array]]


def _compiled() -> ModuleType:
    """The compiled kernels; only called on the compiled path (jit.kernels_for chose it)."""
    kernels = jit.kernels_for(np)
    assert kernels is not None, "compiled depthwise kernel without numba"
    return kernels


def _input_chunk(x: Array | B.Normalised, part: slice) -> Array:
    """Images `part` of the input: a view, or the deferred batch norm applied into a new
    chunk-sized array (in cache: the whole-batch output is never written)."""
    if not isinstance(x, B.Normalised):
        return x[part]
    z = x.x[part]
    y = np.empty_like(z)
    c = z.shape[-1]
    _compiled().bn_apply(z.reshape(-1, c), x.gain, x.shift, x.relu, y.reshape(-1, c))
    return y


def _gradient_chunk(dout: Array | B.NormalisedGrad, part: slice) -> Array:
    """Images `part` of the output gradient: a view, or the deferred batch-norm input
    gradient computed into a new chunk-sized array."""
    if not isinstance(dout, B.NormalisedGrad):
        return dout[part]
    d = dout.dout[part]
    g = np.empty_like(d)
    c = d.shape[-1]
    _compiled().bn_grad_input(
        d.reshape(-1, c),
        dout.x[part].reshape(-1, c),
        dout.gain,
        dout.shift,
        dout.relu,
        dout.k1,
        dout.k2,
        dout.k3,
        g.reshape(-1, c),
    )
    return g


def forward_compiled(
    x: Array | B.Normalised, weight: Array, stride: int
) -> tuple[Array, InputCache]:
    """CPU kernel (numba), per chunk of images on every core; taps outside the image are
    skipped (no padded copy), and the output chunk's batch-norm moments are taken while it
    is in cache."""
    kernels = _compiled()
    shape = x.x.shape if isinstance(x, B.Normalised) else x.shape
    _, out_h, out_w = L.padded_shape(shape, stride)
    out = np.empty((shape[0], out_h, out_w, shape[-1]), dtype=weight.dtype)

    def work(part: slice) -> tuple[int, Array, Array]:
        kernels.dw_forward(_input_chunk(x, part), weight, stride, out[part])
        return B.chunk_moments(out[part].reshape(-1, shape[-1]))

    moments = L.over_chunks(work, shape[0], out[0].nbytes * stride * stride, np)
    return out, InputCache(x, stride, moments)


def backward_compiled(
    dout: Array | B.NormalisedGrad, cache: InputCache, weight: Array
) -> tuple[Array, Array]:
    """CPU kernel (numba): dx and dweight of forward_compiled in one pass per chunk."""
    kernels = _compiled()
    x = cache.x
    shape = x.x.shape if isinstance(x, B.Normalised) else x.shape
    dx = np.empty(shape, dtype=weight.dtype)

    def work(part: slice) -> Array:
        return kernels.dw_backward(
            _input_chunk(x, part), weight, cache.stride, _gradient_chunk(dout, part), dx[part]
        )

    partial = L.over_chunks(work, shape[0], dx[0].nbytes, np)
    return dx, sum(partial).astype(weight.dtype)


def output_moments(cache: DepthwiseCache | InputCache) -> list[tuple[int, Array, Array]] | None:
    """The batch-norm moments the kernel took of its output, or None (then BN takes them)."""
    return cache.moments if isinstance(cache, InputCache) else None


def forward(
    x: Array | B.Normalised, weight: Array, stride: int
) -> tuple[Array, DepthwiseCache | InputCache]:
    """Depthwise 3x3 convolution, padding 1; weight is (3, 3, C); the backend's kernel (a
    deferred batch norm, B.Normalised, only comes from the compiled path)."""
    if isinstance(x, B.Normalised):
        return forward_compiled(x, weight, stride)
    xp = module_of(x)
    if jit.kernels_for(xp) is not None:
        return forward_compiled(x, weight, stride)
    if xp.__name__ == "numpy":
        return forward_einsum(x, weight, stride)
    return forward_taps(x, weight, stride)


def backward(
    dout: Array | B.NormalisedGrad, cache: DepthwiseCache | InputCache, weight: Array
) -> tuple[Array, Array]:
    """Gradients (dx, dweight) of `forward` (the kernel that made `cache`)."""
    if isinstance(cache, InputCache):
        return backward_compiled(dout, cache, weight)
    if module_of(dout).__name__ == "numpy":
        return backward_einsum(dout, cache, weight)
    return backward_taps(dout, cache, weight)
