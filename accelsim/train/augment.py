"""Batched crops, flips and normalisation by fancy indexing, on the device that holds the images.

One gather per batch builds every crop (and its mirror) at once, so with CuPy the host only
draws a few random integers per image. Random numbers come from a host NumPy Generator, so
a seed gives the same crops on CPU and GPU.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from accelsim.train.backend import module_of

Array = Any
CROP = 28


@dataclass(frozen=True, slots=True)
class Preprocess:
    """Crop `CROP` of a 32x32 image, resample to `out_size` (nearest), normalise per channel."""

    out_size: int
    mean: tuple[float, ...]
    std: tuple[float, ...]

    def _positions(self) -> np.ndarray:
        """Source offsets inside the crop for each output pixel (identity when out_size is 28)."""
        return ((np.arange(self.out_size) + 0.5) * CROP / self.out_size).astype(np.int64)

    def batch(self, images: Array, index: np.ndarray, rng: np.random.Generator | None) -> Array:
        """Float32 NHWC batch of images[index]: random crop + flip with `rng`, else center crop."""
        xp = module_of(images)
        n = len(index)
        side = images.shape[1]
        base = self._positions()
        if rng is None:
            offset_y = np.full(n, (side - CROP) // 2)
            offset_x = offset_y
            flip = np.zeros(n, bool)
        else:
            offset_y = rng.integers(0, side - CROP + 1, n)
            offset_x = rng.integers(0, side - CROP + 1, n)
            flip = rng.random(n) < 0.5
        rows = offset_y[:, None] + base[None, :]
        cols = offset_x[:, None] + np.where(flip[:, None], CROP - 1 - base[None, :], base[None, :])
        gathered = images[
            xp.asarray(index)[:, None, None],
            xp.asarray(rows)[:, :, None],
            xp.asarray(cols)[:, None, :],
        ]
        scale = xp.asarray(1.0 / (255.0 * np.asarray(self.std)), dtype=xp.float32)
        shift = xp.asarray(np.asarray(self.mean) / np.asarray(self.std), dtype=xp.float32)
        return gathered.astype(xp.float32) * scale - shift
