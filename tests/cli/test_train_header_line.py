"""`accelsim train`'s first log line, read in process: the network's size and MACs per image,
the device, the optimiser, the schedule, the batch, the epochs and, with --time-budget, when the
count is fitted. Data loading and the epochs are stood in for (nothing here trains)."""

from __future__ import annotations

import argparse
import re

import pytest

from accelsim.cli import train as cli_train
from accelsim.workload import import_onnx
from tests.train.conftest import synthetic_cifar


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli_train.register(parser.add_subparsers(), "train")
    return parser.parse_args(["train", *argv])


@pytest.fixture
def header(tmp_path, monkeypatch, capsys):
    data = synthetic_cifar(8, 2)
    monkeypatch.setattr("accelsim.train.data.load_cifar10", lambda *a, **k: data)
    monkeypatch.setattr("accelsim.train.loop.train", lambda state, *a, **k: state)
    monkeypatch.setenv("COLUMNS", "400")  # one line, unwrapped
    monkeypatch.setenv("CUPY_TF32", "0")  # --tf32 sets it; put back after
    (tmp_path / "data").mkdir()

    def run(*argv: str) -> str:
        base = ["--data", str(tmp_path / "data"), "--no-progress", "--alpha", "0.25",
                "--rho", "0.5"]  # fmt: skip
        assert cli_train.run(_args(*base, *argv)) == 0
        (line,) = [x for x in capsys.readouterr().err.splitlines() if "MobileNet" in x]
        return re.sub(r"^\[[0-9:]+\] ", "", line).rstrip()

    return run


def _macs_per_image(tmp_path) -> int:
    """The same network's MACs, counted by the ONNX importer on its untrained export."""
    path = tmp_path / "u.onnx"
    args = _args("--epochs", "0", "--alpha", "0.25", "--rho", "0.5", "--onnx", str(path))
    assert cli_train.run(args) == 0
    return import_onnx(path).total_macs


def test_the_header_names_every_setting_and_no_budget_by_default(header, tmp_path):
    line = header("--epochs", "3", "--optimizer", "rmsprop", "--lr", "0.02", "--schedule",
                  "step", "--batch-size", "8")  # fmt: skip
    millions = f"{_macs_per_image(tmp_path) / 1e6:.1f}"
    assert line == (
        f"MobileNet alpha=0.25 rho=0.5: {millions} M MACs/image; cpu; rmsprop lr 0.02 step, "
        "batch 8; epochs 0/3"
    )


def test_a_time_budget_says_after_which_epoch_the_count_is_fitted(header):
    line = header("--epochs", "5", "--time-budget", "100", "--tf32")
    assert line.endswith("; cpu TF32; sgd lr 0.1 cosine, batch 128; epochs 0/5 at most, "
                         "time budget 100 s (the count is fitted after epoch 1)")  # fmt: skip
