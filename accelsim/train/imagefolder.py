"""Image-folder CIFAR-10 (`train/<class>/*`, `test/<class>/*`), as a folder or a .zip.

Class indices are the sorted class folder names (for CIFAR-10 this is the official order).
Images must be 32x32; they are decoded by Pillow, in a process pool when `workers` > 1.
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path, PurePosixPath

import numpy as np

from accelsim._workers import die_with_parent, held_fork_context, pool_size
from accelsim.errors import DataError
from accelsim.train.archive import MiB, check_size, checked_zip_members
from accelsim.train.data import IMAGE_SIDE, Cifar10

SPLITS = ("train", "test")
EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp")
_CHUNK = 2000
IMAGE_LIMIT_BYTES = 1 * MiB
"""One encoded 32x32 image (a PNG is ~3 KB, an uncompressed BMP 3 KB plus its header)."""
TOTAL_LIMIT_BYTES = 4096 * MiB
"""Every member of an image-folder zip, inflated (cifar10-jpeg.zip: ~150 MB)."""
_FIX = "re-create or re-download the data set"


def _entries(path: Path) -> list[tuple[str, str, str]]:
    """(split, class, member) per image in a folder or zip, under at most one top folder."""
    if path.is_dir():
        names = [p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()]
    else:
        members = checked_zip_members(
            path, member_limit_bytes=IMAGE_LIMIT_BYTES, total_limit_bytes=TOTAL_LIMIT_BYTES,
            what="image-folder zip", fix=_FIX,
        )  # fmt: skip
        names = [m.filename for m in members if not m.is_dir()]
    entries = []
    for name in names:
        parts = PurePosixPath(name).parts
        if len(parts) == 4:
            parts = parts[1:]  # one top folder, e.g. cifar10/train/cat/0001.jpg
        if len(parts) == 3 and parts[0] in SPLITS and name.lower().endswith(EXTENSIONS):
            entries.append((parts[0], parts[1], name))
    return sorted(entries)


def _decode(blobs: list[tuple[str, bytes]]) -> np.ndarray:
    """Decode (member, bytes) images to an (N, 32, 32, 3) uint8 array.

    The size in an image's header is checked before its pixels are inflated, so a PNG that
    declares 100,000 x 100,000 pixels costs nothing. ValueError names the first bad member.
    """
    from accelsim._extras import require

    require("PIL", purpose="reading an image folder")
    from PIL import Image, UnidentifiedImageError

    out = np.empty((len(blobs), IMAGE_SIDE, IMAGE_SIDE, 3), np.uint8)
    for k, (name, blob) in enumerate(blobs):
        try:
            with Image.open(io.BytesIO(blob)) as image:
                if image.size != (IMAGE_SIDE, IMAGE_SIDE):
                    width, height = image.size
                    raise ValueError(f"{name} is {width}x{height}")
                array = np.asarray(image.convert("RGB"))
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as e:
            raise ValueError(f"{name} is not a decodable image ({e})") from None
        out[k] = array
    return out


def _blobs(path: Path, members: list[str]) -> Iterator[list[tuple[str, bytes]]]:
    """(member, encoded bytes) of `members`, in chunks (one chunk per pool task).

    Raises:
        DataError: a member is over its size budget or cannot be read (corrupt zip data).
    """
    if path.is_dir():
        for start in range(0, len(members), _CHUNK):
            yield [(m, _read_file(path / m)) for m in members[start : start + _CHUNK]]
        return
    with zipfile.ZipFile(path) as archive:
        for start in range(0, len(members), _CHUNK):
            yield [(m, _read_member(path, archive, m)) for m in members[start : start + _CHUNK]]


def _read_file(file: Path) -> bytes:
    check_size(str(file), file.stat().st_size, IMAGE_LIMIT_BYTES, what="image", fix=_FIX)
    return file.read_bytes()


def _read_member(path: Path, archive: zipfile.ZipFile, member: str) -> bytes:
    try:
        return archive.read(member)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
        raise DataError(f"{path}: member {member} is corrupt ({e}); {_FIX}") from None


def _decode_all(path: Path, members: list[str], workers: int) -> np.ndarray:
    chunks = _blobs(path, members)
    try:
        workers = pool_size(workers, -(-len(members) // _CHUNK))
        if workers <= 1:
            return np.concatenate([_decode(c) for c in chunks])
        with ProcessPoolExecutor(
            max_workers=workers, initializer=die_with_parent, initargs=(os.getpid(),),
            mp_context=held_fork_context(),
        ) as pool:
            return np.concatenate(list(pool.map(_decode, chunks)))
    except ValueError as e:
        raise DataError(f"{path}: {e}; expected 32x32 images") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
        raise DataError(f"{path}: unreadable ({e}); {_FIX}") from None


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
