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
