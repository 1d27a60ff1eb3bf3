"""`accelsim train` checks everything before the first epoch: numbers, outputs, the data set."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.conftest import accelsim, refused
from tests.image_zips import image_zip


@pytest.mark.parametrize(
    ("option", "value"),
    [("--lr", "nan"), ("--weight-decay", "inf"), ("--time-budget", "1e400"), ("--alpha", "nan")],
)
def test_non_finite_numbers_are_refused(option: str, value: str, tmp_path: Path) -> None:
    line = refused("train", "--data", tmp_path / "none.zip", option, value)
    assert line == (
        f"accelsim train: error: argument {option}: '{value}' is not a finite number "
        "(see accelsim train --help)"
    )


@pytest.mark.parametrize(
    ("option", "path", "reason"),
    [
        ("--checkpoint", "/proc/accelsim.npz", "no file can be created in folder /proc ("),
        ("--onnx", "afile/m.onnx", "folder afile is not a folder"),
        ("--plot", ".", "is a directory; give a file name"),
    ],
)
def test_unwritable_outputs_are_refused_before_the_data_is_read(
    option: str, path: str, reason: str, tmp_path: Path
) -> None:
    # the data set does not exist: the outputs are checked first, before any slow work
    (tmp_path / "afile").write_text("")
    line = refused("train", "--data", tmp_path / "none.zip", option, path, cwd=tmp_path)
    assert line.startswith(f"accelsim: error: {option} {path}: cannot write: {reason}")


def test_resume_against_a_different_data_set_is_refused(tmp_path: Path) -> None:
    first, other = image_zip(tmp_path / "a.zip", seed=0, train=8, test=2), image_zip(
        tmp_path / "b.zip", seed=1, train=8, test=2
    )
    common = ["train", "--alpha", "0.125", "--rho", str(8 / 28), "--batch-size", "8",
              "--checkpoint", "ck.npz", "--no-progress", "--no-cache"]  # fmt: skip
    trained = accelsim(*common, "--data", first, "--epochs", "1", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    before = (tmp_path / "ck.npz").read_bytes()
    line = refused(*common, "--data", other, "--resume", "--epochs", "2", cwd=tmp_path)
    assert line == (
        f"accelsim: error: --data {other}: not the data set the checkpoint was trained on "
        "(image folder (a.zip)): its training images differ; resume with that data set or start "
        "afresh"
    )
    assert (tmp_path / "ck.npz").read_bytes() == before
