"""The official CIFAR-10 "python version": batches in a folder or in the .tar.gz, and download.

The batches are pickles; they are read with an unpickler that admits only the few NumPy
reconstructors the format uses, so a hostile file cannot run code, and any damage becomes a
one-line DataError naming the file.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import tarfile
import urllib.request
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from accelsim._inputs import note_read
from accelsim.errors import DataError
from accelsim.train.archive import MiB, check_size
from accelsim.train.data import Cifar10

OFFICIAL_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
OFFICIAL_MD5 = "c58f30108f718f92721af3b95e74349a"
FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
_WANTED = frozenset((*TRAIN_BATCHES, TEST_BATCH, "batches.meta"))
BATCH_LIMIT_BYTES = 64 * MiB
"""One official batch file (10,000 images: 31 MB)."""
_FIX = "re-download or re-extract the data set"
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("_codecs", "encode"),
}


class _BatchUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed")
        return super().find_class(module, name)


def is_official_target(path: Path) -> bool:
    """True for a path the official archive may be downloaded to (a .tar.gz name)."""
    return path.name.endswith(".tar.gz")


def is_official(path: Path) -> bool:
    """True when `path` is the official archive or a folder with the official batches."""
    if path.is_file():
        return path.name.endswith((".tar.gz", ".tgz"))
    return (path / TEST_BATCH).exists() or (path / FOLDER / TEST_BATCH).exists()


def _read_batch(raw: bytes, origin: str) -> tuple[np.ndarray, np.ndarray]:
    """(images (N, 32, 32, 3) uint8, labels) from one pickled batch."""
    try:
        batch = _BatchUnpickler(io.BytesIO(raw), encoding="bytes").load()
        data = np.asarray(batch[b"data"], dtype=np.uint8)
        labels = np.asarray(batch[b"labels"], dtype=np.int64)
        images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    except (pickle.UnpicklingError, EOFError, KeyError, TypeError, ValueError, IndexError) as e:
        raise DataError(f"{origin}: not a CIFAR-10 python batch ({e})") from None
    return np.ascontiguousarray(images), labels


def _class_names(raw: bytes | None) -> tuple[str, ...]:
    from accelsim.train.export import CLASS_NAMES

    if raw is None:
        return CLASS_NAMES
    meta = _BatchUnpickler(io.BytesIO(raw), encoding="bytes").load()
    return tuple(n.decode() for n in meta[b"label_names"])


def load(path: Path) -> Cifar10:
    """Read all batches from the folder or the archive (without unpacking it to disk).

    Only the official file names are read, each after its size is checked against
    BATCH_LIMIT_BYTES (from the tar header or the folder), so a bomb is never inflated.
    """
    if path.is_file():
        files = _archive_files(path)
    else:
        folder = path if (path / TEST_BATCH).exists() else path / FOLDER
        files = {}
        for p in folder.iterdir():
            if p.name in _WANTED and p.is_file():
                _check_batch_size(str(p), p.stat().st_size)
                files[p.name] = p.read_bytes()
                note_read(p)  # no output of this command may replace it
    missing = [n for n in (*TRAIN_BATCHES, TEST_BATCH) if n not in files]
    if missing:
        raise DataError(f"{path}: missing official batch files: {', '.join(missing)}")
    train = [_read_batch(files[n], f"{path}:{n}") for n in TRAIN_BATCHES]
    test_images, test_labels = _read_batch(files[TEST_BATCH], f"{path}:{TEST_BATCH}")
    try:
        names = _class_names(files.get("batches.meta"))
    except (pickle.UnpicklingError, EOFError, KeyError, AttributeError) as e:
        raise DataError(f"{path}:batches.meta: unreadable ({e})") from None
    return Cifar10(
        np.concatenate([images for images, _ in train]),
        np.concatenate([labels for _, labels in train]),
        test_images,
        test_labels,
        names,
        f"CIFAR-10 python batches ({path.name})",
    )


def _archive_files(path: Path) -> dict[str, bytes]:
    """The official members of the .tar.gz at `path`, each size-checked before it is read."""
    files = {}
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:  # NOTE: lazily: a bomb is refused at its header
                name = Path(member.name).name
                if member.isfile() and name in _WANTED:
                    _check_batch_size(f"{path}: member {member.name}", member.size)
                    files[name] = tar.extractfile(member).read()  # type: ignore[union-attr]
    except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
        raise DataError(f"{path}: not a readable .tar.gz ({e}); {_FIX}") from None
    return files


def _check_batch_size(origin: str, size_bytes: int) -> None:
    check_size(origin, size_bytes, BATCH_LIMIT_BYTES, what="CIFAR-10 batch file", fix=_FIX)


def download(dest: Path, *, url: str = OFFICIAL_URL, md5: str = OFFICIAL_MD5) -> None:
    """Fetch the official archive to `dest`, check its MD5; `dest` appears only if it matches."""
    from accelsim.outputs import open_output

    dest.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.md5()
    with open_output(dest, binary=True) as stream:
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                while chunk := response.read(1 << 20):
                    digest.update(chunk)
                    stream.write(chunk)
        except (OSError, ValueError) as e:
            raise DataError(f"{dest}: download from {url} failed ({e})") from None
        if digest.hexdigest() != md5:
            raise DataError(
                f"{dest}: downloaded file has MD5 {digest.hexdigest()}; expected {md5} (corrupt)"
            )
