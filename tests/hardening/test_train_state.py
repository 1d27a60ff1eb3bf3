"""Damaged training state and decompression bombs: one line naming the file and what to do,
never a traceback, and never inflating a bomb (issue 8, "Corrupt state").

Bombs are either real but scaled to just over a budget (a 2 MiB image, an 80 MiB batch file),
or a small member whose zip header declares 4 GB: both are refused from the header alone.
"""

from __future__ import annotations

import gzip
import io
import re
import struct
import tarfile
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from accelsim.errors import DataError
from accelsim.train.checkpoint import load_checkpoint
from accelsim.train.data import Cifar10, load_cifar10
from accelsim.train.loop import TrainConfig, new_state, resume_state

START_AGAIN = r"remove it \(or drop --resume\) to start training again"


def declare_size(path: Path, member: str, size: int) -> None:
    """Make the zip's central directory claim `member` inflates to `size` bytes."""
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_length] == member.encode():
            struct.pack_into("<I", data, at + 24, size)
            path.write_bytes(bytes(data))
            return
        at = data.find(b"PK\x01\x02", at + 4)
    raise AssertionError(f"{member} not in {path}")


# --- checkpoints ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    """A real checkpoint of a tiny MobileNet (alpha 1/8, 8x8 input) on random data."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, (4, 32, 32, 3), dtype=np.uint8)
    labels = np.array([0, 1, 0, 1])
    data = Cifar10(images, labels, images, labels, ("a", "b"), "random")
    state = new_state(TrainConfig(alpha=0.125, rho=8 / 28, epochs=1), data, np, command="test")
    path = tmp_path_factory.mktemp("ck") / "ck.npz"
    state.save(path)
    return path


def _rewrite(source: Path, target: Path, *, drop: str = "", record: bytes | None = None) -> None:
    """Copy a checkpoint, leaving out members whose name starts with `drop`."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            if drop and info.filename.startswith(drop):
                continue
            payload = old.read(info)
            if record is not None and info.filename == "record.npy":
                buffer = io.BytesIO()
                np.save(buffer, np.array(record.decode()))
                payload = buffer.getvalue()
            new.writestr(info, payload)


def _damage(kind: str, source: Path, target: Path) -> None:
    if kind == "empty":
        target.write_bytes(b"")
    elif kind == "truncated":
        target.write_bytes(source.read_bytes()[: source.stat().st_size // 2])
    elif kind == "no optimiser state":
        _rewrite(source, target, drop="optim:")
    elif kind == "record not json":
        _rewrite(source, target, record=b"{not json")
    elif kind == "record incomplete":
        _rewrite(source, target, record=b'{"config": {}}')
    elif kind == "bomb":
        target.write_bytes(source.read_bytes())
        declare_size(target, "param:conv1.weight.npy", 0xF000_0000)  # "4 GB" in a few KB
    else:
        raise AssertionError(kind)


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("empty", r"not a readable checkpoint \(File is not a zip file\); " + START_AGAIN),
        ("truncated", r"not a readable checkpoint \(.*\); " + START_AGAIN),
        ("no optimiser state", r"checkpoint lacks optim arrays momentum/.*; " + START_AGAIN),
        ("record not json", r"not a readable checkpoint \(.*\); " + START_AGAIN),
        ("record incomplete", r"checkpoint record is damaged \(KeyError: .*\); " + START_AGAIN),
        ("bomb", r"member param:conv1\.weight\.npy: would inflate to 4,026,531,840 B, over the "
                 r"1,073,741,824 B limit for this checkpoint .*; " + START_AGAIN),
    ],
)  # fmt: skip
def test_a_damaged_checkpoint_is_one_line_naming_it(tmp_path, checkpoint, kind, message):
    damaged = tmp_path / "ck.npz"
    _damage(kind, checkpoint, damaged)
    with pytest.raises(DataError) as caught:
        resume_state(damaged, np, extra_epochs_to=None)
    assert "\n" not in str(caught.value)
    assert re.fullmatch(rf".*ck\.npz: {message}", str(caught.value)), str(caught.value)


def test_the_intact_checkpoint_resumes(checkpoint):
    state = resume_state(checkpoint, np, extra_epochs_to=None)
    assert state.total_epochs == 1
    arrays, _ = load_checkpoint(checkpoint)
    assert set(arrays["optim"]) == set(state.optimizer.state)


# --- training data --------------------------------------------------------------------------


def _png(width: int = 32, height: int = 32) -> bytes:
    buffer = io.BytesIO()
    pixels = np.random.default_rng(width).integers(0, 255, (height, width, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares `width` x `height` pixels in a few bytes (a pixel-count bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b""))
            + chunk(b"IEND", b""))  # fmt: skip


def _image_zip(path: Path, special: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for split in ("train", "test"):
            for label in ("a", "b"):
                archive.writestr(f"{split}/{label}/0.png", _png())
        for name, payload in (special or {}).items():
            archive.writestr(name, payload)
    return path


def _one_line(caught: pytest.ExceptionInfo[DataError], pattern: str) -> None:
    message = str(caught.value)
    assert "\n" not in message
    assert re.fullmatch(pattern, message), message


def test_a_corrupt_zip_member_is_named(tmp_path):
    path = _image_zip(tmp_path / "d.zip")
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("train/b/0.png")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for k in range(start + 20, start + 60):
        data[k] ^= 0x5A  # damage the deflated bytes, not the headers
    path.write_bytes(bytes(data))
    with pytest.raises(DataError) as caught:
        load_cifar10(path)
    _one_line(caught, r".*d\.zip: member train/b/0\.png is corrupt \(.*\); re-create or "
                      r"re-download the data set")  # fmt: skip


def test_a_zip_member_bomb_is_refused_before_inflating(tmp_path):
    bomb = _image_zip(tmp_path / "d.zip", {"train/a/1.png": b"\0" * (2 << 20)})  # 2 MiB -> ~2 KB
    with pytest.raises(DataError) as caught:
        load_cifar10(bomb)
    _one_line(caught, r".*d\.zip: member train/a/1\.png: would inflate to 2,097,152 B, over the "
                      r"1,048,576 B limit for this image-folder zip .*; re-create .*")  # fmt: skip


def test_a_zip_member_declaring_gigabytes_is_refused(tmp_path):
    path = _image_zip(tmp_path / "d.zip")
    declare_size(path, "test/a/0.png", 0xF000_0000)
    with pytest.raises(DataError) as caught:
        load_cifar10(path)
    _one_line(caught, r".*d\.zip: member test/a/0\.png: would inflate to 4,026,531,840 B, .*")


@pytest.mark.parametrize(
    ("side", "problem"),
    [
        (100_000, r"(is 100000x100000|is not a decodable image .*)"),  # over Pillow's own limit
        (8_000, r"is 8000x8000"),  # 192 MB of pixels Pillow would allocate: refused from the header
    ],
)
def test_a_png_declaring_huge_dimensions_is_refused_from_its_header(tmp_path, side, problem):
    bomb = _image_zip(tmp_path / "d.zip", {"train/a/1.png": _png_header(side, side)})
    with pytest.raises(DataError) as caught:
        load_cifar10(bomb)
    _one_line(caught, rf".*d\.zip: train/a/1\.png {problem}; expected 32x32 images")


def test_a_tar_gz_member_bomb_is_refused_before_inflating(tmp_path):
    path = tmp_path / "cifar-10-python.tar.gz"
    size = 80 << 20  # 80 MiB of zeros: ~80 KB compressed, over the 64 MiB a batch may hold
    with (
        gzip.open(path, "wb", compresslevel=1) as stream,
        tarfile.open(fileobj=stream, mode="w") as tar,
    ):
        info = tarfile.TarInfo("cifar-10-batches-py/data_batch_1")
        info.size = size
        tar.addfile(info, io.BytesIO(bytes(size)))
    with pytest.raises(DataError) as caught:
        load_cifar10(path)
    member = "cifar-10-batches-py/data_batch_1"
    _one_line(caught, rf".*\.tar\.gz: member {member}: would inflate to 83,886,080 B, over the "
                      r"67,108,864 B limit for this CIFAR-10 batch file .*")  # fmt: skip


def test_a_cache_bomb_is_dropped_and_rebuilt(tmp_path):
    from accelsim.train.data import _cache_file

    data = _image_zip(tmp_path / "d.zip")
    cache = tmp_path / "cache"
    first = load_cifar10(data, cache_dir=cache)
    cached = _cache_file(data, cache)
    declare_size(cached, "train_images.npy", 0xF000_0000)
    again = load_cifar10(data, cache_dir=cache)
    assert np.array_equal(again.train_images, first.train_images)
