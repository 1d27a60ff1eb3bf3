"""Tiny CIFAR-like image-folder zips for training tests (two classes, 32x32 PNGs)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image


def image_zip(path: Path, *, seed: int = 0, train: int = 16, test: int = 4) -> Path:
    """`train` + `test` PNGs per class, "blue" and "red" (that channel raised by 160), at `path`.

    `seed` changes every pixel, so two seeds give two different data sets of one layout.
    """
    rng = np.random.default_rng(seed)
    with zipfile.ZipFile(path, "w") as archive:
        for split, count in (("train", train), ("test", test)):
            for label, channel in (("blue", 2), ("red", 0)):
                for k in range(count):
                    pixels = rng.integers(0, 90, (32, 32, 3)).astype(np.uint8)
                    pixels[..., channel] += 160
                    buffer = io.BytesIO()
                    Image.fromarray(pixels).save(buffer, format="PNG")
                    archive.writestr(f"{split}/{label}/{k}.png", buffer.getvalue())
    return path
