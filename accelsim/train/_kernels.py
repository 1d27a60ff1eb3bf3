"""Compiled (numba) CPU kernels for the memory-bound passes: batch norm and depthwise conv.

NumPy runs each elementwise operation as its own pass, so a batch norm costs several passes
over memory and a depthwise conv pads its input first. Each kernel here does one pass over a
chunk of rows or images (the caller, layers.over_chunks, hands the chunks to its threads:
`nogil`), with the ReLU mask recomputed from the pre-norm input instead of read from the
stored output. Imported only through `accelsim.train.jit`, which falls back to the NumPy
kernels when numba is missing; the tests check both against finite differences.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(nogil=True, cache=True, boundscheck=False)
def bn_moments(x: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """(rows, per-column mean, centred sum of squares) of an (M, C) chunk, in float64.

    Two passes over a chunk that stays in cache: exact in float32 even when |mean| >> std.
    """
    rows, c = x.shape
    total = np.zeros(c, np.float64)
    for r in range(rows):
        for k in range(c):
            total[k] += x[r, k]
    mean = total / max(rows, 1)
    squares = np.zeros(c, np.float64)
    for r in range(rows):
        for k in range(c):
            d = x[r, k] - mean[k]
            squares[k] += d * d
    return rows, mean, squares


@njit(nogil=True, cache=True, boundscheck=False)
def bn_apply(
    x: np.ndarray, gain: np.ndarray, shift: np.ndarray, relu: bool, out: np.ndarray
) -> None:
    """out = x * gain + shift per column, then max(., 0) when `relu`."""
    rows, c = x.shape
    for r in range(rows):
        for k in range(c):
            v = x[r, k] * gain[k] + shift[k]
            out[r, k] = max(v, 0) if relu else v


@njit(nogil=True, cache=True, boundscheck=False)
def bn_grad_sums(
    dout: np.ndarray, x: np.ndarray, gain: np.ndarray, shift: np.ndarray, relu: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Per-column (sum g, sum g * x) with g = dout masked by the ReLU (x * gain + shift > 0)."""
    rows, c = x.shape
    sum_g = np.zeros(c, np.float64)
    sum_gx = np.zeros(c, np.float64)
    for r in range(rows):
        for k in range(c):
            xv = x[r, k]
            g = dout[r, k] if not relu or xv * gain[k] + shift[k] > 0 else 0
            sum_g[k] += g
            sum_gx[k] += g * xv
    return sum_g, sum_gx


@njit(nogil=True, cache=True, boundscheck=False)
def bn_grad_input(
    dout: np.ndarray,
    x: np.ndarray,
    gain: np.ndarray,
    shift: np.ndarray,
    relu: bool,
    k1: np.ndarray,
    k2: np.ndarray,
    k3: np.ndarray,
    dx: np.ndarray,
) -> None:
    """dx = g * k1 + x * k2 + k3 per column, g the ReLU-masked dout (see bn_grad_sums)."""
    rows, c = x.shape
    for r in range(rows):
        for k in range(c):
            xv = x[r, k]
            g = dout[r, k] if not relu or xv * gain[k] + shift[k] > 0 else 0
            dx[r, k] = g * k1[k] + xv * k2[k] + k3[k]


# The depthwise kernels give each interior output pixel (all nine taps inside the image) one
# nine-term expression over the channels, so that LLVM vectorises the channel loop; a loop
# with per-tap bounds checks, or one that updates many arrays in turn, is not vectorised
# (too many possible overlaps to check at run time). Border rows take one tap row at a
# time; border pixels of interior rows the general tap loop. fastmath lets LLVM reorder the
# nine-term sums; only these loops use it.


@njit(nogil=True, cache=True, boundscheck=False)
def _pixel_taps(x: np.ndarray, w: np.ndarray, r0: int, q0: int, out: np.ndarray) -> None:
    """out (C,) += x[r0 + di, q0 + dj] * w[di, dj] over the taps inside the (H, W, C) image."""
    h, width, c = x.shape
    for di in range(3):
        r = r0 + di
        if r < 0 or r >= h:
            continue
        for dj in range(3):
            q = q0 + dj
            if q < 0 or q >= width:
                continue
            for k in range(c):
                out[k] += x[r, q, k] * w[di, dj, k]


@njit(nogil=True, cache=True, boundscheck=False, fastmath=True)
def _tap_row(x: np.ndarray, w: np.ndarray, stride: int, out: np.ndarray) -> None:
    """out (OW, C) += the three taps w (3, C) along the (W, C) input row x."""
    width, c = x.shape
    for j in range(out.shape[0]):
        q = j * stride - 1
        if q >= 0 and q + 2 < width:
            for k in range(c):
                out[j, k] += x[q, k] * w[0, k] + x[q + 1, k] * w[1, k] + x[q + 2, k] * w[2, k]
            continue
        for dj in range(3):
            if 0 <= q + dj < width:
                for k in range(c):
                    out[j, k] += x[q + dj, k] * w[dj, k]


@njit(nogil=True, cache=True, boundscheck=False, fastmath=True)
def dw_forward(x: np.ndarray, w: np.ndarray, stride: int, out: np.ndarray) -> None:
    """out = 3x3 depthwise correlation of NHWC x with (3, 3, C) w, padding 1 (taps outside
    the image skipped, so no padded copy), channels innermost (vectorised)."""
    n, h, width, c = x.shape
    _, out_h, out_w, _ = out.shape
    for b in range(n):
        for i in range(out_h):
            r = i * stride - 1
            o = out[b, i]
            if r < 0 or r + 2 >= h:
                o[:] = 0
                for di in range(3):
                    if 0 <= r + di < h:
                        _tap_row(x[b, r + di], w[di], stride, o)
                continue
            xa, xb, xc = x[b, r], x[b, r + 1], x[b, r + 2]
            for j in range(out_w):
                q = j * stride - 1
                if q < 0 or q + 2 >= width:
                    o[j] = 0
                    _pixel_taps(x[b], w, r, q, o[j])
                    continue
                for k in range(c):
                    o[j, k] = (
                        xa[q, k] * w[0, 0, k]
                        + xa[q + 1, k] * w[0, 1, k]
                        + xa[q + 2, k] * w[0, 2, k]
                        + xb[q, k] * w[1, 0, k]
                        + xb[q + 1, k] * w[1, 1, k]
                        + xb[q + 2, k] * w[1, 2, k]
                        + xc[q, k] * w[2, 0, k]
                        + xc[q + 1, k] * w[2, 1, k]
                        + xc[q + 2, k] * w[2, 2, k]
                    )


@njit(nogil=True, cache=True, boundscheck=False)
def _pixel_weight_taps(x: np.ndarray, g: np.ndarray, r0: int, q0: int, acc: np.ndarray) -> None:
    """acc[di, dj] += g * x[r0 + di, q0 + dj] over the taps inside the (H, W, C) image."""
    h, width, c = x.shape
    for di in range(3):
        r = r0 + di
        if r < 0 or r >= h:
            continue
        for dj in range(3):
            q = q0 + dj
            if q < 0 or q >= width:
                continue
            for k in range(c):
                acc[di, dj, k] += g[k] * x[r, q, k]


@njit(nogil=True, cache=True, boundscheck=False, fastmath=True)
def _weight_grad(x: np.ndarray, dout: np.ndarray, stride: int, acc: np.ndarray) -> None:
    """acc (3, 3, C) += the weight gradient of dw_forward for one (H, W, C) image."""
    h, width, c = x.shape
    out_h, out_w, _ = dout.shape
    for i in range(out_h):
        r = i * stride - 1
        d = dout[i]
        if r < 0 or r + 2 >= h:
            for j in range(out_w):
                _pixel_weight_taps(x, d[j], r, j * stride - 1, acc)
            continue
        xa, xb, xc = x[r], x[r + 1], x[r + 2]
        for j in range(out_w):
            q = j * stride - 1
            if q < 0 or q + 2 >= width:
                _pixel_weight_taps(x, d[j], r, q, acc)
                continue
            for k in range(c):
                g = d[j, k]
                acc[0, 0, k] += g * xa[q, k]
                acc[0, 1, k] += g * xa[q + 1, k]
                acc[0, 2, k] += g * xa[q + 2, k]
                acc[1, 0, k] += g * xb[q, k]
                acc[1, 1, k] += g * xb[q + 1, k]
                acc[1, 2, k] += g * xb[q + 2, k]
                acc[2, 0, k] += g * xc[q, k]
                acc[2, 1, k] += g * xc[q + 1, k]
                acc[2, 2, k] += g * xc[q + 2, k]


@njit(nogil=True, cache=True, boundscheck=False, fastmath=True)
def _strided_input_grad(dout: np.ndarray, w: np.ndarray, stride: int, dx: np.ndarray) -> None:
    """dx (H, W, C) of dw_forward for one image, as a gather: input row r sums the output
    rows i with i * stride + di - 1 = r, each tap over the columns that read it."""
    h, width, c = dx.shape
    out_h, out_w, _ = dout.shape
    for r in range(h):
        o = dx[r]
        o[:] = 0
        for di in range(3):
            t = r + 1 - di
            if t < 0 or t % stride != 0 or t // stride >= out_h:
                continue
            d = dout[t // stride]
            for dj in range(3):
                for q in range((dj - 1) % stride, width, stride):
                    u = (q + 1 - dj) // stride
                    if 0 <= u < out_w:
                        for k in range(c):
                            o[q, k] += d[u, k] * w[di, dj, k]


@njit(nogil=True, cache=True, boundscheck=False)
def dw_backward(
    x: np.ndarray, w: np.ndarray, stride: int, dout: np.ndarray, dx: np.ndarray
) -> np.ndarray:
    """dx (written) and the (3, 3, C) float64 weight gradient of dw_forward. dx is gathered
    (each element written once): at stride 1 it is dw_forward of dout with the taps flipped.
    The weight gradient sums each image in float32 (as the NumPy kernel sums each chunk)."""
    c = x.shape[3]
    if stride == 1:
        dw_forward(dout, w[::-1, ::-1].copy(), 1, dx)
    dweight = np.zeros((3, 3, c), np.float64)
    acc = np.zeros((3, 3, c), dx.dtype)
    for b in range(x.shape[0]):
        if stride != 1:
            _strided_input_grad(dout[b], w, stride, dx[b])
        acc[:] = 0
        _weight_grad(x[b], dout[b], stride, acc)
        dweight += acc
    return dweight
