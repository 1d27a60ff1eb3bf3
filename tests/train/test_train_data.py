"""Loaders read tiny official batches and image-folder zips built here; bad data is one line."""

from __future__ import annotations

import io
import pickle
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from accelsim.errors import DataError
from accelsim.train import official
from accelsim.train.data import load_cifar10


def _batch(n: int, first_label: int) -> bytes:
    """An official-format batch: rows of 3072 bytes, R plane then G then B, row-major."""
    data = np.zeros((n, 3072), np.uint8)
    for k in range(n):
        data[k, 1] = 10 + k  # R of pixel (row 0, col 1)
        data[k, 1024 + 32] = 20 + k  # G of pixel (row 1, col 0)
        data[k, 2048 + 1023] = 30 + k  # B of pixel (row 31, col 31)
    labels = [(first_label + k) % 10 for k in range(n)]
    return pickle.dumps({b"data": data, b"labels": labels, b"batch_label": b"x"})


def _official_files() -> dict[str, bytes]:
    files = {f"data_batch_{i}": _batch(2, i) for i in range(1, 6)}
    files["test_batch"] = _batch(3, 7)
    names = [
        b"airplane",
        b"automobile",
        b"bird",
        b"cat",
        b"deer",
        b"dog",
        b"frog",
        b"horse",
        b"ship",
        b"truck",
    ]
    files["batches.meta"] = pickle.dumps({b"label_names": names})
    return files


@pytest.fixture
def official_folder(tmp_path) -> Path:
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name, raw in _official_files().items():
        (folder / name).write_bytes(raw)
    return folder


@pytest.fixture
def official_tar(tmp_path) -> Path:
    path = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, raw in _official_files().items():
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return path


def _check_official(data):
    assert data.train_images.shape == (10, 32, 32, 3)  # 5 batches x 2 images
    assert data.test_images.shape == (3, 32, 32, 3)
    # test image k: R(0,1) = 10 + k, G(1,0) = 20 + k, B(31,31) = 30 + k (planar -> HWC)
    assert data.test_images[2, 0, 1, 0] == 12
    assert data.test_images[2, 1, 0, 1] == 22
    assert data.test_images[2, 31, 31, 2] == 32
    assert data.train_labels.tolist() == [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]
    assert data.class_names[9] == "truck"


def test_official_folder_and_parent_folder_are_read(official_folder):
    _check_official(load_cifar10(official_folder))
    _check_official(load_cifar10(official_folder.parent))


def test_official_tar_gz_is_read_without_unpacking(official_tar):
    _check_official(load_cifar10(official_tar))


def _png(colour) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), colour).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def image_zip(tmp_path) -> Path:
    path = tmp_path / "tiny.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for split, count in (("train", 3), ("test", 1)):
            for k in range(count):
                archive.writestr(f"cifar/{split}/cat/{k}.png", _png((200, 10, k)))
                archive.writestr(f"cifar/{split}/airplane/{k}.png", _png((5, 6, 7)))
    return path


def test_image_folder_zip_is_read_with_sorted_class_indices(image_zip, tmp_path):
    data = load_cifar10(image_zip, cache_dir=tmp_path / "cache")
    assert data.class_names == ("airplane", "cat")  # sorted folder names
    assert data.train_labels.tolist() == [0, 0, 0, 1, 1, 1]
    assert data.train_images[5, 4, 4].tolist() == [200, 10, 2]  # cat/2.png, PNG is lossless
    assert data.test_images[0, 0, 0].tolist() == [5, 6, 7]
    cached = load_cifar10(image_zip, cache_dir=tmp_path / "cache")  # second read: from cache
    assert len(list((tmp_path / "cache").iterdir())) == 1
    np.testing.assert_array_equal(cached.train_images, data.train_images)


def test_image_folder_directory_is_read(tmp_path):
    for split in ("train", "test"):
        folder = tmp_path / "imgs" / split / "dog"
        folder.mkdir(parents=True)
        (folder / "a.png").write_bytes(_png((1, 2, 3)))
    data = load_cifar10(tmp_path / "imgs")
    assert data.train_images[0, 31, 0].tolist() == [1, 2, 3]


def test_missing_path_is_one_line_error(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(
        DataError,
        match=rf"^{missing}: no such file or folder; expected a CIFAR-10 "
        r"data set \(or pass --download to fetch the official \.tar\.gz\)$",
    ):
        load_cifar10(missing)


def test_corrupt_zip_is_one_line_error(tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(DataError, match=r"^.*bad\.zip: not a CIFAR-10 data set; expected"):
        load_cifar10(bad)


def test_corrupt_official_batch_is_one_line_error(official_folder):
    (official_folder / "data_batch_3").write_bytes(b"\x80\x04garbage")
    with pytest.raises(DataError, match=r"^.*:data_batch_3: not a CIFAR-10 python batch \("):
        load_cifar10(official_folder)


def test_batch_that_would_run_code_is_refused(official_folder):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    (official_folder / "test_batch").write_bytes(pickle.dumps({b"data": Evil()}))
    with pytest.raises(DataError, match=r"global builtins\.print is not allowed"):
        load_cifar10(official_folder)


def test_wrong_image_size_is_one_line_error(tmp_path):
    path = tmp_path / "big.zip"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64)).save(buffer, format="PNG")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("train/a/0.png", buffer.getvalue())
        archive.writestr("test/a/0.png", buffer.getvalue())
    with pytest.raises(DataError, match=r"^.*big\.zip: train/a/0\.png is 64x64; expected 32x32"):
        load_cifar10(path)


def test_download_with_wrong_checksum_leaves_nothing(tmp_path, official_tar):
    dest = tmp_path / "dl" / "cifar-10-python.tar.gz"
    with pytest.raises(
        DataError, match=r"^.*: downloaded file has MD5 [0-9a-f]{32}; expected 0{32}"
    ):
        official.download(dest, url=official_tar.as_uri(), md5="0" * 32)
    assert list(dest.parent.iterdir()) == []


def test_download_with_right_checksum_is_loaded(tmp_path, official_tar):
    import hashlib

    dest = tmp_path / "dl" / "cifar-10-python.tar.gz"
    md5 = hashlib.md5(official_tar.read_bytes()).hexdigest()
    official.download(dest, url=official_tar.as_uri(), md5=md5)
    _check_official(load_cifar10(dest))


def test_a_download_makes_every_missing_folder_above_it(tmp_path, official_tar):
    import hashlib

    dest = tmp_path / "data" / "cifar" / "cifar-10-python.tar.gz"  # two folders to make
    md5 = hashlib.md5(official_tar.read_bytes()).hexdigest()
    official.download(dest, url=official_tar.as_uri(), md5=md5)
    assert dest.read_bytes() == official_tar.read_bytes()
