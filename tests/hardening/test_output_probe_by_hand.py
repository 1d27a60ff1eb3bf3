"""`check_output`'s probe of an output's folder and `refuse_inputs` against an input named through
a link: each failure of the probe in its own words, and an output that is the file an input's
link names refused.

The team runs as root, which passes permission checks, so the probe's failures are injected
where it makes its temporary file (as tests/hardening/test_output_files.py does).
"""

from __future__ import annotations

import errno
import os

import pytest

from accelsim import outputs
from accelsim.errors import AccelsimError
from accelsim.outputs import check_output, refuse_inputs


def _failing(code: int):
    def mkstemp(**kwargs: object) -> tuple[int, str]:
        raise OSError(code, os.strerror(code))

    return mkstemp


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.EROFS, "the file system is read-only; write elsewhere"),
        (errno.EACCES, "permission denied; write elsewhere or fix the permissions"),
        (errno.EPERM, "not permitted; write elsewhere or fix the permissions"),
        (errno.ENOSPC, "the disk is full; free space or write elsewhere"),
    ],
)
def test_a_folder_no_file_can_be_made_in_is_refused_before_the_work(
    tmp_path, monkeypatch, code, reason
):
    monkeypatch.setattr(outputs.tempfile, "mkstemp", _failing(code))
    target = tmp_path / "x.json"
    with pytest.raises(AccelsimError) as caught:
        check_output(target, option="--trace")
    assert str(caught.value) == f"--trace {target}: cannot write: {reason}"


def test_any_other_failure_of_the_probe_names_the_folder_and_the_systems_words(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(outputs.tempfile, "mkstemp", _failing(errno.EIO))
    target = tmp_path / "x.json"
    with pytest.raises(AccelsimError) as caught:
        check_output(target)
    assert str(caught.value) == (
        f"{target}: cannot write: no file can be created in folder {tmp_path} "
        f"({os.strerror(errno.EIO)})"
    )


def test_a_device_is_written_in_place_so_its_folder_is_not_probed(monkeypatch):
    monkeypatch.setattr(outputs.tempfile, "mkstemp", _failing(errno.EROFS))
    check_output(os.devnull, option="--trace")  # /dev is never written into: no error
    check_output("-", option="--trace")  # nor is stdout


def test_an_output_that_is_the_file_an_input_link_names_is_refused(tmp_path):
    real, link = tmp_path / "model.onnx", tmp_path / "link.onnx"
    real.write_bytes(b"model")
    link.symlink_to(real)
    with pytest.raises(AccelsimError) as caught:
        refuse_inputs({"MODEL": link}, {"--trace": real})
    assert str(caught.value) == f"--trace {real}: would overwrite the input MODEL {link}"
    assert real.read_bytes() == b"model"


def test_two_links_to_one_file_are_two_outputs(tmp_path):
    # links are replaced, never followed: writing both replaces the two links, not the file
    real, first, second = tmp_path / "f", tmp_path / "a.json", tmp_path / "b.json"
    real.write_text("x")
    first.symlink_to(real)
    second.symlink_to(real)
    notices = refuse_inputs({}, {"--trace": first, "--html": second})
    assert notices == [
        f"accelsim: --trace: replacing the link {first} (not what it names)",
        f"accelsim: --html: replacing the link {second} (not what it names)",
    ]
