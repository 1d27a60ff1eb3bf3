"""`accelsim train` end to end in a subprocess: outputs, resume, and one-line errors (exit 2)."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import onnx
import pytest

from tests.image_zips import image_zip

ROOT = Path(__file__).resolve().parents[2]


def accelsim(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "accelsim", "train", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(cwd / "xdg")},
    )


def test_untrained_export_needs_no_data(tmp_path):
    result = accelsim("--epochs", "0", "--alpha", "0.5", "--onnx", "m.onnx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    model = onnx.load(tmp_path / "m.onnx")
    assert len(model.graph.node) == 27 * 3 + 4
    assert {p.key: p.value for p in model.metadata_props}["test_accuracy"] == "untrained"


def test_no_epochs_with_data_scores_the_initial_network_on_it(tmp_path):
    # --epochs 0 alone exports the seeded network "untrained"; with --data it is measured on
    # the data's test images (3 of the 8 here), its classes those of the data
    data = image_zip(tmp_path / "tiny.zip")
    result = accelsim("--data", data, "--epochs", "0", "--alpha", "0.125", "--rho", str(8 / 28),
                      "--batch-size", "8", "--workers", "1", "--no-progress", "--limit-test", "3",
                      "--onnx", "m.onnx", "--plot", "curves.png", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "curves.png").exists()  # no epoch, no curve to draw
    props = {p.key: p.value for p in onnx.load(tmp_path / "m.onnx").metadata_props}
    assert (props["epochs"], props["class_names"]) == ("0", "blue,red")
    assert props["dataset"].endswith("test metrics on 3 test images")
    assert 0 <= float(props["test_accuracy"]) <= 1 and float(props["test_loss"]) > 0
    assert "on 3 of the 8 test images" in " ".join(result.stderr.split())


def test_train_checkpoint_resume_and_export(tmp_path):
    data = image_zip(tmp_path / "tiny.zip")
    common = [
        "--data",
        data,
        "--alpha",
        "0.125",
        "--rho",
        str(8 / 28),
        "--batch-size",
        "8",
        "--checkpoint",
        "ck.npz",
        "--metrics-csv",
        "m.csv",
        "--workers",
        "1",
        "--no-progress",
        "--limit-test",
        "3",
    ]
    first = accelsim(*common, "--epochs", "1", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    # the decoded cache goes to the XDG cache folder, never into the working folder
    assert len(list((tmp_path / "xdg" / "accelsim" / "train").glob("cifar10-*.npz"))) == 1
    assert not (tmp_path / ".cache").exists()
    # piped log lines: the one width rule (132 columns), no padding, no logging path column
    lines = first.stderr.splitlines()
    assert 80 < max(map(len, lines)) <= 132
    assert all(line == line.rstrip() for line in lines)
    assert not re.search(r"\S+\.py:\d+", first.stderr)
    second = accelsim(*common, "--resume", "--epochs", "2", "--plot", "c.png", "--onnx", "m.onnx",
                      "--cache-dir", "elsewhere", cwd=tmp_path)  # fmt: skip
    assert second.returncode == 0, second.stderr
    assert len(list((tmp_path / "elsewhere").glob("cifar10-*.npz"))) == 1  # --cache-dir moves it
    rows = list(csv.DictReader((tmp_path / "m.csv").open()))
    assert [r["epoch"] for r in rows] == ["1", "2"]
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
    props = {p.key: p.value for p in onnx.load(tmp_path / "m.onnx").metadata_props}
    assert props["epochs"] == "2"
    assert props["command"].startswith("accelsim train --data")  # the first run ...
    assert "; then accelsim train --data" in props["command"]  # ... and the resumed one
    assert props["class_names"] == "blue,red"
    assert "NumPy vs onnxruntime" in second.stderr
    # --limit-test holds for the final onnxruntime check too: 3 of the 8 test images
    assert "on 3 of the 8 test images" in " ".join(second.stderr.split())  # (a wrapped log line)
    assert props["dataset"].endswith("test metrics on 3 test images")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--alpha", "1.5", "--epochs", "0", "--onnx", "x.onnx"],
            r"--alpha 1\.5: out of range; expected 0 < alpha <= 1",
        ),
        (
            ["--alpha", "0", "--data", "nowhere.zip"],
            r"--alpha 0\.0: out of range; expected 0 < alpha <= 1",
        ),
        (
            ["--data", "nowhere.zip", "--onnx", "x.onnx"],
            r"nowhere\.zip: no such file or folder; expected a CIFAR-10 data set .*",
        ),
        (
            ["--resume", "--checkpoint", "none.npz", "--data", "d"],
            r"none\.npz: no checkpoint to resume from; drop --resume to start afresh",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_output(tmp_path, args, message):
    result = accelsim(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert __import__("re").fullmatch(rf"accelsim: error: {message}\n", result.stderr)
    assert not (tmp_path / "x.onnx").exists()


def test_corrupt_zip_data_is_one_line_exit_2(tmp_path):
    (tmp_path / "bad.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # an empty zip: no images
    result = accelsim("--data", "bad.zip", "--no-cache", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "accelsim: error: bad.zip: no images under train/<class>/; expected an image folder\n"
    )


def test_the_workloads_script_runs_from_a_checkout_without_an_install(tmp_path):
    # hide every installed copy of accelsim (editable finders, site-packages, the cwd): only
    # the script's own path tweak can make the package importable
    hide = (
        "import importlib.util, pathlib, runpy, sys\n"
        "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f)]\n"
        "sys.path[:] = [p for p in sys.path\n"
        "               if not (pathlib.Path(p or '.') / 'accelsim').exists()]\n"
        "if sys.argv[1] == 'probe':\n"
        "    print(importlib.util.find_spec('accelsim'))\n"
        "else:\n"
        "    sys.argv = sys.argv[1:]\n"
        "    runpy.run_path(sys.argv[0], run_name='__main__')\n"
    )
    script = ROOT / "workloads" / "train_mobilenet.py"

    def python(*args):
        return subprocess.run(
            [sys.executable, "-c", hide, *map(str, args)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            env={"PATH": "/usr/bin:/bin"},
        )

    assert python("probe").stdout == "None\n"  # without the tweak: ModuleNotFoundError
    result = python(script, "--epochs", "0", "--alpha", "0.25", "--onnx", "m.onnx")
    assert result.returncode == 0, result.stderr
    props = {p.key: p.value for p in onnx.load(tmp_path / "m.onnx").metadata_props}
    assert props["command"].startswith("accelsim train --epochs 0")
