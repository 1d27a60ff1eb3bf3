"""Image-folder CIFAR-10 (`train/<class>/*`, `test/<class>/*`), as a folder or a .zip.

Class indices are the sorted class folder names (for CIFAR-10 this is the official order).
Images must be 32x32; they are decoded by Pillow, in a process pool when `workers` > 1.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path, PurePosixPath

import numpy as np

from accelsim.errors import DataError
from accelsim.train.data import IMAGE_SIDE, Cifar10

SPLITS = ("train", "test")
EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp")
_CHUNK = 2000


def _entries(path: Path) -> list[tuple[str, str, str]]:
    """(split, class, member) per image in a folder or zip, under at most one top folder."""
    if path.is_dir():
        names = [p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()]
    else:
        try:
            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist() if not n.endswith("/")]
        except (zipfile.BadZipFile, OSError) as e:
            raise DataError(f"{path}: not a readable zip ({e})") from None
    entries = []
    for name in names:
        parts = PurePosixPath(name).parts
        if len(parts) == 4:
            parts = parts[1:]  # one top folder, e.g. cifar10/train/cat/0001.jpg
        if len(parts) == 3 and parts[0] in SPLITS and name.lower().endswith(EXTENSIONS):
            entries.append((parts[0], parts[1], name))
    return sorted(entries)


def _decode(blobs: list[bytes]) -> np.ndarray:
    """Decode images to an (N, 32, 32, 3) uint8 array; ValueError names the first bad one."""
    from accelsim._extras import require

    require("PIL", purpose="reading an image folder")
    from PIL import Image, UnidentifiedImageError

    out = np.empty((len(blobs), IMAGE_SIDE, IMAGE_SIDE, 3), np.uint8)
    for k, blob in enumerate(blobs):
        try:
            with Image.open(io.BytesIO(blob)) as image:
                array = np.asarray(image.convert("RGB"))
        except (UnidentifiedImageError, OSError) as e:
            raise ValueError(f"image {k} of its chunk is not decodable ({e})") from None
        if array.shape != out.shape[1:]:
            raise ValueError(f"image {k} of its chunk is {array.shape[1]}x{array.shape[0]}")
        out[k] = array
    return out


def _blobs(path: Path, members: list[str]) -> Iterator[list[bytes]]:
    """Encoded bytes of `members`, in chunks (one chunk per pool task)."""
    if path.is_dir():
        for start in range(0, len(members), _CHUNK):
            yield [(path / m).read_bytes() for m in members[start : start + _CHUNK]]
        return
    with zipfile.ZipFile(path) as archive:
        for start in range(0, len(members), _CHUNK):
            yield [archive.read(m) for m in members[start : start + _CHUNK]]


def _decode_all(path: Path, members: list[str], workers: int) -> np.ndarray:
    chunks = _blobs(path, members)
    try:
        if workers <= 1:
            return np.concatenate([_decode(c) for c in chunks])
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return np.concatenate(list(pool.map(_decode, chunks)))
    except ValueError as e:
        raise DataError(f"{path}: {e}; expected 32x32 images") from None
    except (zipfile.BadZipFile, OSError) as e:
        raise DataError(f"{path}: unreadable ({e})") from None


def load(path: Path, *, workers: int = 1) -> Cifar10:
    """Read both splits; DataError when a split or class is missing or an image is bad."""
    entries = _entries(path)
    classes = {split: sorted({c for s, c, _ in entries if s == split}) for split in SPLITS}
    for split in SPLITS:
        if not classes[split]:
            raise DataError(f"{path}: no images under {split}/<class>/; expected an image folder")
    if classes["train"] != classes["test"]:
        raise DataError(
            f"{path}: train classes {classes['train']} differ from test classes {classes['test']}"
        )
    index = {name: k for k, name in enumerate(classes["train"])}
    arrays = {}
    for split in SPLITS:
        members = [m for s, _, m in entries if s == split]
        labels = np.array([index[c] for s, c, _ in entries if s == split], np.int64)
        arrays[split] = (_decode_all(path, members, workers), labels)
    return Cifar10(
        *arrays["train"],
        *arrays["test"],
        tuple(classes["train"]),
        f"image folder ({path.name})",
    )
