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


@njit(nogil=True, cache=True, boundscheck=False)
def dw_forward(x: np.ndarray, w: np.ndarray, stride: int, out: np.ndarray) -> None:
    """out = 3x3 depthwise correlation of NHWC x with (3, 3, C) w, padding 1 (taps outside
    the image skipped, so no padded copy), channels innermost (vectorised)."""
    n, h, width, c = x.shape
    _, out_h, out_w, _ = out.shape
    for b in range(n):
        for i in range(out_h):
            for j in range(out_w):
                for k in range(c):
                    out[b, i, j, k] = 0
                for di in range(3):
                    r = i * stride + di - 1
                    if r < 0 or r >= h:
                        continue
                    for dj in range(3):
                        q = j * stride + dj - 1
                        if q < 0 or q >= width:
                            continue
                        for k in range(c):
                            out[b, i, j, k] += x[b, r, q, k] * w[di, dj, k]


@njit(nogil=True, cache=True, boundscheck=False)
def dw_backward(
    x: np.ndarray, w: np.ndarray, stride: int, dout: np.ndarray, dx: np.ndarray
) -> np.ndarray:
    """dx (written) and the (3, 3, C) float64 weight gradient of dw_forward, in one pass: each
    output gradient is scattered to the nine inputs it came from (the same loop as forward)."""
    n, h, width, c = x.shape
    _, out_h, out_w, _ = dout.shape
    dweight = np.zeros((3, 3, c), np.float64)
    row_dweight = np.zeros((3, 3, c), dx.dtype)  # per output row: short float32 sums
    for b in range(n):
        for r in range(h):
            for q in range(width):
                for k in range(c):
                    dx[b, r, q, k] = 0
        for i in range(out_h):
            row_dweight[:] = 0
            for j in range(out_w):
                for di in range(3):
                    r = i * stride + di - 1
                    if r < 0 or r >= h:
                        continue
                    for dj in range(3):
                        q = j * stride + dj - 1
                        if q < 0 or q >= width:
                            continue
                        for k in range(c):
                            g = dout[b, i, j, k]
                            dx[b, r, q, k] += g * w[di, dj, k]
                            row_dweight[di, dj, k] += g * x[b, r, q, k]
            dweight += row_dweight
    return dweight
