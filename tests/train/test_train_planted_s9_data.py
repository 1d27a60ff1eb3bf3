"""The data loaders' edges where a single-line bug ran unnoticed (issue 19, bugs planted by hand
in accelsim/train/official.py and archive.py): which names count as the official archive, a
member missing or not a file, a meta file of more than ten classes, and the size budgets at
their limits. Batches are built here as in tests/train/test_train_data.py."""

from __future__ import annotations

import io
import pickle
import tarfile
import zipfile
from pathlib import Path

import pytest

from accelsim.errors import DataError
from accelsim.train import official
from accelsim.train.archive import check_size, checked_zip_members
from tests.train.test_train_data import _batch, _official_files


@pytest.mark.parametrize(("name", "target"), [("c.tar.gz", True), ("c.gz", False),
                                              ("c.tgz", False), ("c.zip", False)])  # fmt: skip
def test_only_a_tar_gz_name_is_a_download_target(name, target):
    assert official.is_official_target(Path(name)) is target


@pytest.mark.parametrize(("name", "read"), [("c.tar.gz", True), ("c.tgz", True), ("c.gz", False)])
def test_an_archive_file_named_tar_gz_or_tgz_is_the_official_one(tmp_path, name, read):
    (tmp_path / name).write_bytes(b"")
    assert official.is_official(tmp_path / name) is read


def _tar(path: Path, files: dict[str, bytes], folders: tuple[str, ...] = ()) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for folder in folders:
            info = tarfile.TarInfo(f"cifar-10-batches-py/{folder}")
            info.type = tarfile.DIRTYPE
            tar.addfile(info)
        for name, raw in files.items():
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return path


def test_an_archive_without_the_test_batch_names_it(tmp_path):
    files = _official_files()
    del files["test_batch"]
    with pytest.raises(DataError, match=r"c\.tar\.gz: missing official batch files: test_batch$"):
        official.load(_tar(tmp_path / "c.tar.gz", files))


def test_a_folder_member_named_as_a_batch_is_not_read_as_one(tmp_path):
    files = _official_files()
    del files["data_batch_2"]
    path = _tar(tmp_path / "c.tar.gz", files, folders=("data_batch_2",))
    with pytest.raises(DataError, match=r"missing official batch files: data_batch_2$"):
        official.load(path)


def test_a_meta_file_of_twelve_classes_names_all_twelve(tmp_path):
    files = _official_files()
    names = [f"class{k}".encode() for k in range(12)]
    files["batches.meta"] = pickle.dumps({b"label_names": names})
    files["test_batch"] = _batch(3, 9)  # labels 9, 0, 1 (mod 10): all under 12
    data = official.load(_tar(tmp_path / "c.tar.gz", files))
    assert data.class_names == tuple(f"class{k}" for k in range(12))


def test_a_size_at_its_limit_passes_and_one_byte_more_is_refused():
    check_size("o", 10, 10, what="thing", fix="fix it")
    with pytest.raises(DataError) as raised:
        check_size("o", 11, 10, what="thing", fix="fix it")
    assert str(raised.value) == ("o: would inflate to 11 B, over the 10 B limit for this thing "
                                 "(corrupt, or a decompression bomb); fix it")  # fmt: skip


def test_a_zip_is_refused_on_its_members_inflated_sizes_and_their_total(tmp_path):
    path = tmp_path / "z.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a", b"\0" * 100)  # deflates to a few bytes
        archive.writestr("b", b"\0" * 100)
    limits = {"what": "zip", "fix": "fix it"}
    assert len(checked_zip_members(path, member_limit_bytes=100, total_limit_bytes=200,
                                   **limits)) == 2  # fmt: skip
    with pytest.raises(DataError, match=r"member a: would inflate to 100 B, over the 99 B limit"):
        checked_zip_members(path, member_limit_bytes=99, total_limit_bytes=200, **limits)
    with pytest.raises(DataError, match=r"z\.zip: would inflate to 200 B, over the 199 B limit"):
        checked_zip_members(path, member_limit_bytes=100, total_limit_bytes=199, **limits)


def _image(mode: str, size: tuple[int, int], colour: object, fmt: str = "PNG") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def _folder(root: Path, images: dict[str, bytes]) -> Path:
    """An image folder of `images` (relative path -> encoded bytes)."""
    for name, blob in images.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(blob)
    return root


def test_image_names_match_their_extension_in_any_case(tmp_path):
    from accelsim.train.imagefolder import load

    rgb = _image("RGB", (32, 32), (9, 8, 7))
    data = load(_folder(tmp_path / "f", {"train/cat/A.PNG": rgb, "test/cat/B.Png": rgb}))
    assert (len(data.train_images), len(data.test_images)) == (1, 1)


def test_a_grey_image_is_read_as_three_equal_channels(tmp_path):
    import numpy as np
    from PIL import Image

    from accelsim.train.imagefolder import load

    rows, cols = np.indices((32, 32))
    buffer = io.BytesIO()
    Image.fromarray((rows * 7 + cols).astype(np.uint8), "L").save(buffer, format="PNG")
    grey = buffer.getvalue()  # pixel (row, col) = 7 row + col: (5, 6) is 41
    data = load(_folder(tmp_path / "f", {"train/cat/a.png": grey, "test/cat/b.png": grey}))
    assert data.train_images[0, 5, 6].tolist() == [41, 41, 41]


def test_an_image_of_the_wrong_height_is_named_with_its_size(tmp_path):
    from accelsim.train.imagefolder import load

    images = {"train/cat/a.png": _image("RGB", (32, 16), 0),
              "test/cat/b.png": _image("RGB", (32, 32), 0)}  # fmt: skip
    with pytest.raises(DataError, match=r"train/cat/a\.png is 32x16; expected 32x32 images$"):
        load(_folder(tmp_path / "f", images))


def test_an_image_file_over_its_budget_is_refused_before_it_is_read(tmp_path):
    from accelsim.train.imagefolder import IMAGE_LIMIT_BYTES, load

    images = {"train/cat/a.png": b"\0" * (IMAGE_LIMIT_BYTES + 1),
              "test/cat/b.png": _image("RGB", (32, 32), 0)}  # fmt: skip
    with pytest.raises(DataError, match=r"a\.png: would inflate to 1,048,577 B, over the "
                                        r"1,048,576 B limit for this image"):  # fmt: skip
        load(_folder(tmp_path / "f", images))


def test_other_classes_in_the_test_split_are_refused_by_name(tmp_path):
    from accelsim.train.imagefolder import load

    rgb = _image("RGB", (32, 32), 0)
    images = {"train/cat/a.png": rgb, "train/dog/a.png": rgb,
              "test/cat/a.png": rgb, "test/cow/a.png": rgb}  # fmt: skip
    with pytest.raises(DataError, match=r"train classes \['cat', 'dog'\] differ from test "
                                        r"classes \['cat', 'cow'\]$"):  # fmt: skip
        load(_folder(tmp_path / "f", images))
