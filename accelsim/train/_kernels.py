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


# The depthwise kernels give every interior pixel (all nine taps inside the image) one
# nine-term expression over the channels, so LLVM vectorises the channel loop: a loop with
# per-tap bounds checks or that updates several arrays in turn is not vectorised (too many
# possible overlaps to check at run time). Border pixels take the general tap loop. fastmath
# lets LLVM reorder each nine-term sum; only these loops use it.


@njit(nogil=True, cache=True, boundscheck=False)
def _border_taps(x: np.ndarray, w: np.ndarray, r0: int, q0: int, out: np.ndarray) -> None:
    """out (C,) = sum of the taps x[r0 + di, q0 + dj] * w[di, dj] inside the (H, W, C) image."""
    h, width, c = x.shape
    for k in range(c):
        out[k] = 0
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
def dw_forward(x: np.ndarray, w: np.ndarray, stride: int, out: np.ndarray) -> None:
    """out = 3x3 depthwise correlation of NHWC x with (3, 3, C) w, padding 1 (taps outside
    the image skipped, so no padded copy), channels innermost (vectorised)."""
    n, h, width, c = x.shape
    _, out_h, out_w, _ = out.shape
    for b in range(n):
        image = x[b]
        for i in range(out_h):
            r0 = i * stride - 1
            rows_inside = r0 >= 0 and r0 + 2 < h
            o = out[b, i]
            for j in range(out_w):
                q0 = j * stride - 1
                if not (rows_inside and q0 >= 0 and q0 + 2 < width):
                    _border_taps(image, w, r0, q0, o[j])
                    continue
                xa, xb, xc = image[r0], image[r0 + 1], image[r0 + 2]
                for k in range(c):
                    o[j, k] = (
                        xa[q0, k] * w[0, 0, k]
                        + xa[q0 + 1, k] * w[0, 1, k]
                        + xa[q0 + 2, k] * w[0, 2, k]
                        + xb[q0, k] * w[1, 0, k]
                        + xb[q0 + 1, k] * w[1, 1, k]
                        + xb[q0 + 2, k] * w[1, 2, k]
                        + xc[q0, k] * w[2, 0, k]
                        + xc[q0 + 1, k] * w[2, 1, k]
                        + xc[q0 + 2, k] * w[2, 2, k]
                    )


@njit(nogil=True, cache=True, boundscheck=False)
def _border_weight_taps(
    x: np.ndarray, g: np.ndarray, r0: int, q0: int, acc: np.ndarray
) -> None:
    """acc[di, dj] += g * x[r0 + di, q0 + dj] for the taps inside the (H, W, C) image."""
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
        r0 = i * stride - 1
        rows_inside = r0 >= 0 and r0 + 2 < h
        for j in range(out_w):
            q0 = j * stride - 1
            g = dout[i, j]
            if not (rows_inside and q0 >= 0 and q0 + 2 < width):
                _border_weight_taps(x, g, r0, q0, acc)
                continue
            xa, xb, xc = x[r0], x[r0 + 1], x[r0 + 2]
            for k in range(c):
                acc[0, 0, k] += g[k] * xa[q0, k]
                acc[0, 1, k] += g[k] * xa[q0 + 1, k]
                acc[0, 2, k] += g[k] * xa[q0 + 2, k]
                acc[1, 0, k] += g[k] * xb[q0, k]
                acc[1, 1, k] += g[k] * xb[q0 + 1, k]
                acc[1, 2, k] += g[k] * xb[q0 + 2, k]
                acc[2, 0, k] += g[k] * xc[q0, k]
                acc[2, 1, k] += g[k] * xc[q0 + 1, k]
                acc[2, 2, k] += g[k] * xc[q0 + 2, k]


@njit(nogil=True, cache=True, boundscheck=False)
def _strided_input_grad(dout: np.ndarray, w: np.ndarray, stride: int, dx: np.ndarray) -> None:
    """dx (H, W, C) of dw_forward for one image, gathered: each input pixel sums the outputs
    (i, j) that read it (i * stride + di - 1 = r), so each dx element is written once."""
    h, width, c = dx.shape
    out_h, out_w, _ = dout.shape
    for r in range(h):
        for q in range(width):
            for k in range(c):
                dx[r, q, k] = 0
            for di in range(3):
                t = r + 1 - di
                if t < 0 or t % stride != 0 or t // stride >= out_h:
                    continue
                for dj in range(3):
                    u = q + 1 - dj
                    if u < 0 or u % stride != 0 or u // stride >= out_w:
                        continue
                    for k in range(c):
                        dx[r, q, k] += dout[t // stride, u // stride, k] * w[di, dj, k]


@njit(nogil=True, cache=True, boundscheck=False)
def dw_backward(
    x: np.ndarray, w: np.ndarray, stride: int, dout: np.ndarray, dx: np.ndarray
) -> np.ndarray:
    """dx (written) and the (3, 3, C) float64 weight gradient of dw_forward. At stride 1 dx
    is dw_forward of dout with the taps flipped; weight-gradient sums are float32 per image."""
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
