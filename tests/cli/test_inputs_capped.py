"""`accelsim._inputs`: a file the user named is read only if it is a regular file within its
cap (the cap itself allowed, one byte more refused), every refusal one line naming the path,
and every file read recorded for the output guard."""

from __future__ import annotations

import errno
import os

import pytest

from accelsim import _inputs
from accelsim._inputs import check_regular_file, files_read, read_capped
from accelsim.errors import AccelsimError, ConfigError


def _read(path, limit: int = 10) -> bytes:
    return read_capped(path, what="a thing", limit_bytes=limit, error=ConfigError)


def test_a_file_of_exactly_the_cap_is_read_and_recorded(tmp_path):
    path = tmp_path / "ten.txt"
    path.write_bytes(b"0123456789")
    assert _read(path) == b"0123456789"
    info = os.stat(path)
    assert files_read()[(info.st_dev, info.st_ino)] == (str(path), info.st_mtime_ns)


def test_one_byte_over_the_cap_is_refused_with_both_sizes(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 1001)
    with pytest.raises(ConfigError) as caught:
        _read(path, limit=1000)
    assert str(caught.value) == f"{path}: 1,001 bytes is over the 1,000-byte limit for a thing"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p, "no such file"),
        (lambda p: (p.mkdir(), p)[1], "is a directory; expected a thing"),
        (lambda p: (os.mkfifo(p), p)[1],
         "not a regular file (a device, FIFO or socket); expected a thing"),
    ],
    ids=["missing", "folder", "fifo"],
)  # fmt: skip
def test_what_is_not_a_regular_file_is_named(tmp_path, make, reason):
    path = make(tmp_path / "in")
    with pytest.raises(ConfigError) as caught:
        check_regular_file(path, what="a thing", limit_bytes=10, error=ConfigError)
    assert str(caught.value) == f"{path}: {reason}"
    assert type(caught.value) is ConfigError  # the caller's error class, not a generic one


def test_a_file_that_grows_past_the_cap_while_read_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "grows.txt"
    path.write_bytes(b"12345")

    def grown(*args: object, **kwargs: object) -> int:
        path.write_bytes(b"x" * 20)  # after the size was checked, before the read
        return 5

    monkeypatch.setattr(_inputs, "check_regular_file", grown)
    with pytest.raises(ConfigError) as caught:
        _read(path)
    assert str(caught.value) == f"{path}: grew past the 10-byte limit for a thing while read"


def test_an_unreadable_path_is_one_line(tmp_path):
    below = tmp_path / "file"
    below.write_text("x")
    with pytest.raises(AccelsimError) as caught:
        _read(below / "inside")  # a path through a file: ENOTDIR
    assert str(caught.value) == f"{below / 'inside'}: cannot read: {os.strerror(errno.ENOTDIR)}"


def test_a_hardware_file_may_be_1_mib_and_not_a_byte_more(tmp_path):
    # README's limits table: hardware and sweep files at most 1 MiB (2^20 B); the file is
    # checked before it is parsed, so a long comment is enough to cross the limit
    from accelsim.hardware_file import load_hardware

    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (2**20 - 1) + b"\n")
    with pytest.raises(ConfigError) as at_cap:
        load_hardware(path)  # read whole (then an empty document: no machine in it)
    assert str(at_cap.value) == f"{path}: file is empty; expected a mapping of keys to values"
    path.write_bytes(b"#" * 2**20 + b"\n")
    with pytest.raises(ConfigError) as over:
        load_hardware(path)
    assert str(over.value) == (
        f"{path}: 1,048,577 bytes is over the 1,048,576-byte limit for a YAML file")
