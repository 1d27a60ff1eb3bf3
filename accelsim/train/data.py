"""CIFAR-10 as uint8 arrays: pick the loader for a path, and cache the decoded arrays.

Accepted paths: the official "python version" (a `cifar-10-batches-py` folder, a folder that
holds one, or the `.tar.gz`, downloaded when missing and allowed), or an image folder
(`train/<class>/*`, `test/<class>/*`, as a folder or a `.zip`, optionally under one top
folder). Decoding 60,000 JPEGs takes a while, so the arrays are cached as `.npz` keyed by the
source's path, size and modification time.
"""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from accelsim._inputs import note_read
from accelsim.errors import DataError

# Per-channel mean and std of the 50,000 training images of cifar10-jpeg.zip, pixels on 0..1.
DEFAULT_MEAN = (0.491250, 0.482090, 0.446521)
DEFAULT_STD = (0.245232, 0.242782, 0.260629)
IMAGE_SIDE = 32
CACHE_LIMIT_BYTES = 4 << 30
"""A decoded-array cache, inflated (CIFAR-10's 60,000 images: 184 MB)."""


@dataclass(frozen=True, slots=True)
class Cifar10:
    """Train and test splits as (N, 32, 32, 3) uint8 RGB images and int64 labels."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    class_names: tuple[str, ...]
    source: str

    def channel_stats(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """Per-channel mean and std of the training images on the 0..1 pixel scale."""
        pixels = self.train_images.reshape(-1, 3)
        total = np.zeros(3)
        squares = np.zeros(3)
        for start in range(0, len(pixels), 1 << 20):  # chunks keep float64 copies small
            chunk = pixels[start : start + (1 << 20)].astype(np.float64) / 255.0
            total += chunk.sum(axis=0)
            squares += (chunk * chunk).sum(axis=0)
        mean = total / len(pixels)
        std = np.sqrt(squares / len(pixels) - mean * mean)
        return tuple(float(m) for m in mean), tuple(float(s) for s in std)


def validate(data: Cifar10, origin: str) -> Cifar10:
    """Check shapes, dtypes and label range; DataError naming `origin` otherwise."""
    for split in ("train", "test"):
        images = getattr(data, f"{split}_images")
        labels = getattr(data, f"{split}_labels")
        if images.ndim != 4 or images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE, 3):
            raise DataError(
                f"{origin}: {split} images have shape {images.shape}; expected (N, 32, 32, 3)"
            )
        if len(images) == 0 or len(images) != len(labels):
            raise DataError(
                f"{origin}: {split} split has {len(images)} images and {len(labels)} labels"
            )
        if labels.min() < 0 or labels.max() >= len(data.class_names):
            raise DataError(f"{origin}: {split} labels outside 0..{len(data.class_names) - 1}")
    return data


def note_data_files(path: Path) -> None:
    """Record the data set at `path` as read: the file itself, or every file in the folder
    (images, official batches), so no output of `train` can replace one by any spelling; a
    cache hit reads none of them, yet they stay the user's inputs."""
    if path.is_dir():
        for file in path.rglob("*"):
            if file.is_file():
                note_read(file)
    else:
        note_read(path)


def load_cifar10(
    path: Path,
    *,
    download: bool = False,
    cache_dir: Path | None = None,
    workers: int = 1,
) -> Cifar10:
    """Load CIFAR-10 from any accepted layout, through the decoded cache when one is given."""
    from accelsim.train import imagefolder, official

    if not path.exists():
        if download and official.is_official_target(path):
            official.download(path)
        else:
            hint = " (or pass --download to fetch the official .tar.gz)" if not download else ""
            raise DataError(f"{path}: no such file or folder; expected a CIFAR-10 data set{hint}")
    cache_file = _cache_file(path, cache_dir) if cache_dir is not None else None
    if cache_file is not None and cache_file.exists():
        cached = _read_cache(cache_file, path)
        if cached is not None:
            return cached
    if official.is_official(path):
        data = official.load(path)
    elif path.is_dir() or zipfile.is_zipfile(path):
        data = imagefolder.load(path, workers=workers)
    else:
        raise DataError(
            f"{path}: not a CIFAR-10 data set; expected a cifar-10-batches-py folder, "
            "its .tar.gz, or an image folder (train/<class>/, test/<class>/) as a folder or .zip"
        )
    validate(data, str(path))
    if cache_file is not None:
        _write_cache(cache_file, data)
    return data


def _cache_file(path: Path, cache_dir: Path) -> Path:
    stat = path.stat()
    key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir / f"cifar10-{digest}.npz"


def _read_cache(cache_file: Path, path: Path) -> Cifar10 | None:
    """The cached arrays, or None (and the file removed) when the cache is unreadable or is
    over its size budget (a cache is rebuilt from the source, so this loses nothing)."""
    from accelsim.train.archive import checked_zip_members

    try:
        checked_zip_members(
            cache_file, member_limit_bytes=CACHE_LIMIT_BYTES,
            total_limit_bytes=CACHE_LIMIT_BYTES, what="decoded-array cache", fix="rebuilding",
        )  # fmt: skip
        with np.load(cache_file, allow_pickle=False) as npz:
            data = Cifar10(
                npz["train_images"],
                npz["train_labels"],
                npz["test_images"],
                npz["test_labels"],
                tuple(str(c) for c in npz["class_names"]),
                str(npz["source"]),
            )
        return validate(data, str(cache_file))
    except (OSError, KeyError, ValueError, EOFError, DataError, zipfile.BadZipFile, zlib.error):
        cache_file.unlink(missing_ok=True)
        return None


def _write_cache(cache_file: Path, data: Cifar10) -> None:
    from accelsim.outputs import open_output

    cache_file.parent.mkdir(parents=True, exist_ok=True)
    with open_output(cache_file, binary=True) as handle:
        np.savez(
            handle,
            train_images=data.train_images,
            train_labels=data.train_labels,
            test_images=data.test_images,
            test_labels=data.test_labels,
            class_names=np.array(data.class_names),
            source=np.array(data.source),
        )
