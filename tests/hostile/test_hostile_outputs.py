"""Outputs that would change what the user gave (issue 19, class 1) and output folders that
cannot be written (classes 2 and 4; issue 18, items 3, 4 and 7).

The input-integrity cases snapshot the whole folder (every file's SHA-256, every link's target)
before and after: a refused command changes nothing, and a command that replaces a link leaves
the file it named alone.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from accelsim._workers import cpu_count
from accelsim.outputs import FIFO_WAIT_S, MANIFEST
from tests.hostile.conftest import EDGE1, LIMIT_S, MOBILENET, ROOT, _limit_memory, accelsim, refused
from tests.image_zips import image_zip
from tests.onnx_builders import save, single_conv, with_external_data

SWEEP_FILES = ("results.csv", "results.json", "latency_heatmap.png", "pareto.png")
REPORT_FILES = ("README.md", "cells.csv", "model.csv", "totals.csv")


def snapshot(folder: Path) -> dict[str, tuple[str, str]]:
    """Every entry under `folder`: a link's target, a file's SHA-256, or a folder."""
    found = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            found[name] = ("link", os.readlink(path))
        elif path.is_file():
            found[name] = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
        else:
            found[name] = ("dir", "")
    return found


def owned(folder: Path, names: tuple[str, ...]) -> Path:
    """`folder` as accelsim leaves it after writing `names` there: its manifest lists them."""
    folder.mkdir(exist_ok=True)
    (folder / MANIFEST).write_text("".join(f"{name}\n" for name in names))
    return folder


@pytest.fixture
def given(tmp_path: Path) -> dict[str, Path]:
    """The user's files, all inside tmp_path so a snapshot covers them: a model, a machine,
    a sweep file naming both, and a model whose weights are in an external data file."""
    model = save(single_conv(size=(16, 16)), tmp_path / "m.onnx")
    hw = tmp_path / "hw.yaml"
    shutil.copy(EDGE1, hw)
    study = tmp_path / "study.yaml"
    study.write_text("model: m.onnx\nhardware: hw.yaml\ngrid:\n  sram.capacity: [1MiB]\n")
    (tmp_path / "ext").mkdir()
    external = with_external_data(single_conv(size=(16, 16)), tmp_path / "ext")
    return {"model": model, "hw": hw, "study": study, "external": external}


def _report_readme_to_model(d: Path, g: dict[str, Path]) -> list[object]:
    (owned(d / "r", REPORT_FILES) / "README.md").symlink_to(g["model"])
    return ["paper", g["model"], "--hw", g["hw"], "--report", d / "r"]


def _report_manifest_to_hw(d: Path, g: dict[str, Path]) -> list[object]:
    (d / "r").mkdir()
    (d / "r" / MANIFEST).symlink_to(g["hw"])
    return ["paper", g["model"], "--hw", g["hw"], "--report", d / "r"]


def _paper_hw_is_the_reports_totals(d: Path, g: dict[str, Path]) -> list[object]:
    totals = owned(d / "r", REPORT_FILES) / "totals.csv"
    shutil.copy(g["hw"], totals)
    return ["paper", g["model"], "--hw", totals, "--report", d / "r"]


def _sweep_results_json_to_hw(d: Path, g: dict[str, Path]) -> list[object]:
    (owned(d / "s", SWEEP_FILES) / "results.json").symlink_to(g["hw"])
    return ["sweep", g["model"], "--hw", g["hw"], "--set", "sram.capacity=1MiB", "--out", d / "s"]


def _sweep_file_is_the_folders_results_csv(d: Path, g: dict[str, Path]) -> list[object]:
    study = owned(d / "s", SWEEP_FILES) / "results.csv"
    study.write_text(f"model: {g['model']}\nhardware: {g['hw']}\ngrid:\n  sram.capacity: [1MiB]\n")
    return ["sweep", "--file", study, "--out", d / "s"]


def _sweep_csv_hard_links_the_hw_named_in_the_sweep_file(
    d: Path, g: dict[str, Path]
) -> list[object]:
    os.link(g["hw"], owned(d / "s", SWEEP_FILES) / "results.csv")
    return ["sweep", "--file", g["study"], "--out", d / "s"]


def _sweep_database_to_hw(d: Path, g: dict[str, Path]) -> list[object]:
    (owned(d / "s", SWEEP_FILES) / "sweep.db").symlink_to(g["hw"])
    return ["sweep", "--file", g["study"], "--out", d / "s", "--resume"]


def _sweep_database_wal_to_a_file(d: Path, g: dict[str, Path]) -> list[object]:
    (d / "notes.txt").write_text("my notes\n")
    (owned(d / "s", SWEEP_FILES) / "sweep.db-wal").symlink_to(d / "notes.txt")
    return ["sweep", "--file", g["study"], "--out", d / "s"]


def _trace_another_spelling_of_the_model(d: Path, g: dict[str, Path]) -> list[object]:
    return ["run", g["model"], "--hw", g["hw"], "--trace", d / "ext" / ".." / "m.onnx"]


def _svg_hard_links_the_hw(d: Path, g: dict[str, Path]) -> list[object]:
    os.link(g["hw"], d / "t.svg")
    return ["run", g["model"], "--hw", g["hw"], "--svg", d / "t.svg"]


def _trace_onto_the_models_external_data(d: Path, g: dict[str, Path]) -> list[object]:
    return ["run", g["external"], "--hw", g["hw"], "--trace", d / "ext" / "model.bin"]


def _trace_links_to_the_external_data(d: Path, g: dict[str, Path]) -> list[object]:
    (d / "t.json").symlink_to(d / "ext" / "model.bin")
    return ["run", g["external"], "--hw", g["hw"], "--trace", d / "t.json"]


def _image_folder(d: Path) -> list[object]:
    """`train` on a CIFAR-like image folder unpacked at d/data (2 classes, 4 + 2 images each)."""
    with zipfile.ZipFile(image_zip(d / "data.zip", train=4, test=2)) as archive:
        archive.extractall(d / "data")
    (d / "data.zip").unlink()
    return ["train", "--data", d / "data", "--alpha", "0.125", "--rho", str(8 / 28),
            "--batch-size", "4", "--epochs", "1", "--no-progress", "--no-cache"]  # fmt: skip


def _metrics_onto_an_image_of_the_data_folder(d: Path, g: dict[str, Path]) -> list[object]:
    return [*_image_folder(d), "--metrics-csv", d / "data" / "train" / "red" / "0.png"]


def _onnx_hard_links_an_image_of_the_data_folder(d: Path, g: dict[str, Path]) -> list[object]:
    args = _image_folder(d)
    os.link(d / "data" / "test" / "blue" / "1.png", d / "m2.onnx")
    return [*args, "--onnx", d / "m2.onnx"]


CHANGES_AN_INPUT: dict[str, tuple[Callable[[Path, dict[str, Path]], list[object]], str]] = {
    "paper --report: README.md links to the model": (
        _report_readme_to_model, r"--report .*/r/README\.md: would overwrite the input MODEL .*"),
    "paper --report: the manifest links to the hardware file": (
        _report_manifest_to_hw, r".*/r/\.accelsim-outputs: is a symbolic link, not the list .*"),
    "paper --hw is the report's own totals.csv": (
        _paper_hw_is_the_reports_totals, r"--report .*/r/totals\.csv: would overwrite the input "
        r"--hw .*"),
    "sweep --out: results.json links to the hardware file": (
        _sweep_results_json_to_hw, r"--out .*/s/results\.json: would overwrite the input "
        r"hardware .*"),
    "sweep --file is the output folder's results.csv": (
        _sweep_file_is_the_folders_results_csv, r"--out .*/s/results\.csv: is .*/s/results\.csv, "
        r"an input of this command; refusing to overwrite it: write elsewhere"),
    "sweep: results.csv hard-links the hardware file the sweep file names": (
        _sweep_csv_hard_links_the_hw_named_in_the_sweep_file, r"--out .*/s/results\.csv: would "
        r"overwrite the input hardware .*hw\.yaml"),
    "sweep: sweep.db links to the hardware file": (
        _sweep_database_to_hw, r"--out .*/s/sweep\.db: would overwrite the input hardware .*"),
    "sweep: sweep.db-wal links to another file": (
        _sweep_database_wal_to_a_file, r".*/s/sweep\.db-wal: is a symbolic link; accelsim "
        r"updates this file in place and never through a link: .*"),
    "run --trace: another spelling of the model": (
        _trace_another_spelling_of_the_model, r"--trace .*/ext/\.\./m\.onnx: would overwrite "
        r"the input MODEL .*"),
    "run --svg: a hard link of the hardware file": (
        _svg_hard_links_the_hw, r"--svg .*/t\.svg: would overwrite the input --hw .*"),
    "run --trace: the model's external data file": (
        _trace_onto_the_models_external_data, r".*/ext/model\.bin: is .*/ext/model\.bin, an "
        r"input of this command; refusing to overwrite it: write elsewhere"),
    "run --trace: a link to the model's external data file": (
        _trace_links_to_the_external_data, r".*/t\.json: links to .*/ext/model\.bin, an input of "
        r"this command; refusing to overwrite it: write elsewhere"),
    "train --metrics-csv: an image inside the --data folder": (
        _metrics_onto_an_image_of_the_data_folder, r"--metrics-csv .*/data/train/red/0\.png: is "
        r".*/data/train/red/0\.png, an input of this command; refusing to overwrite it: .*"),
    "train --onnx: a hard link of an image inside the --data folder": (
        _onnx_hard_links_an_image_of_the_data_folder, r"--onnx .*/m2\.onnx: is "
        r".*/data/test/blue/1\.png, an input of this command; refusing to overwrite it: .*"),
}  # fmt: skip


@pytest.mark.parametrize("case", CHANGES_AN_INPUT)
def test_no_output_changes_an_input_by_any_spelling_or_link(
    case: str, tmp_path: Path, given: dict[str, Path]
) -> None:
    setup, pattern = CHANGES_AN_INPUT[case]
    args = setup(tmp_path, given)
    before = snapshot(tmp_path)
    line = refused(*args, cwd=tmp_path)
    assert re.fullmatch(f"accelsim: error: {pattern}", line), line
    assert snapshot(tmp_path) == before  # nothing changed: no input, no partial output


def test_a_link_where_an_output_goes_is_replaced_never_written_through(
    tmp_path: Path, given: dict[str, Path]
) -> None:
    (tmp_path / "mine.txt").write_text("keep me\n")
    for name in ("t.json", "t.svg"):
        (tmp_path / name).symlink_to(tmp_path / "mine.txt")
    result = accelsim("run", given["model"], "--hw", given["hw"], "--trace", "t.json", "--svg",
                      "t.svg", "--json", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "mine.txt").read_text() == "keep me\n"
    for name in ("t.json", "t.svg"):
        assert not (tmp_path / name).is_symlink() and (tmp_path / name).stat().st_size > 100
        assert f"replacing the link {name} (not what it names)" in result.stderr


def test_a_link_in_a_sweep_folder_is_replaced_never_written_through(
    tmp_path: Path, given: dict[str, Path]
) -> None:
    (tmp_path / "mine.csv").write_text("keep me\n")
    (owned(tmp_path / "s", SWEEP_FILES) / "results.csv").symlink_to(tmp_path / "mine.csv")
    result = accelsim("sweep", "--file", given["study"], "--out", "s", "--no-plots",
                      cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "mine.csv").read_text() == "keep me\n"
    assert (tmp_path / "s" / "results.csv").read_text().startswith("index,sram.capacity,")


# --- output folders that are not folders --------------------------------------------------


@pytest.mark.parametrize(
    ("out", "reason"),
    [("afile", "is a file, not a folder"), ("afile/sub/s", "afile is a file")],
)
def test_sweep_out_on_a_file_is_one_line(
    out: str, reason: str, tmp_path: Path, given: dict[str, Path]
) -> None:
    (tmp_path / "afile").write_text("mine\n")
    before = snapshot(tmp_path)
    line = refused("sweep", "--file", given["study"], "--out", out, cwd=tmp_path)
    assert line == f"accelsim: error: --out {out}: cannot write: {reason}"
    assert snapshot(tmp_path) == before


# --- sweep names and fields ---------------------------------------------------------------


def test_a_sweep_name_with_a_newline_makes_no_folder(
    tmp_path: Path, given: dict[str, Path]
) -> None:
    study = tmp_path / "named.yaml"
    study.write_text('name: "ok\\n"\n' + given["study"].read_text())
    before = snapshot(tmp_path)
    line = refused("sweep", "--file", study, cwd=tmp_path)
    assert line == (
        r"accelsim: error: sweep: name 'ok\n' is not a folder name; use letters, digits, . _ -"
    )
    assert snapshot(tmp_path) == before


def test_a_model_file_name_with_a_newline_makes_a_plain_folder_name(
    tmp_path: Path, given: dict[str, Path]
) -> None:
    odd = tmp_path / "ok\n.onnx"
    shutil.copy(given["model"], odd)
    result = accelsim("sweep", odd, "--hw", given["hw"], "--set", "sram.capacity=1MiB",
                      "--no-plots", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    [folder] = (tmp_path / "accelsim-sweeps").iterdir()
    assert re.fullmatch(r"ok_-hw-[0-9a-f]{8}", folder.name), folder.name


def test_two_spellings_of_one_field_cannot_both_be_swept(given: dict[str, Path]) -> None:
    line = refused("sweep", given["model"], "--hw", given["hw"], "--set",
                   "bus.bandwidth=1GB/s,2GB/s", "--set", "units.bus.bandwidth=4GB/s")  # fmt: skip
    assert line == (
        "accelsim: error: bus.bandwidth and units.bus.bandwidth: both set units.bus.bandwidth; "
        "sweep it under one name"
    )


# --- a FIFO nobody reads ------------------------------------------------------------------


def test_run_trace_onto_a_fifo_with_no_reader_is_an_error_not_a_hang(
    tmp_path: Path, given: dict[str, Path]
) -> None:
    os.mkfifo(tmp_path / "pipe")
    line = refused("run", given["model"], "--hw", given["hw"], "--trace", tmp_path / "pipe",
                   "--json")  # fmt: skip
    assert line == (
        f"accelsim: error: {tmp_path / 'pipe'}: cannot write: no process is reading it (a FIFO "
        "needs a reader)"
    )


def test_train_metrics_csv_onto_a_fifo_with_no_reader_is_an_error_not_a_hang(
    tmp_path: Path,
) -> None:
    os.mkfifo(tmp_path / "pipe")
    data = image_zip(tmp_path / "d.zip", seed=0, train=8, test=2)
    started = time.monotonic()
    result = accelsim("train", "--data", data, "--alpha", "0.125", "--rho", str(8 / 28),
                      "--batch-size", "8", "--epochs", "1", "--no-progress", "--no-cache",
                      "--metrics-csv", "pipe", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 2, result.stderr  # after the epoch's log lines: one error line
    assert result.stderr.splitlines()[-1] == (
        "accelsim: error: pipe: cannot write: no process is reading it (a FIFO needs a reader)"
    )
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < LIMIT_S - FIFO_WAIT_S


# --- a worker killed mid-sweep ------------------------------------------------------------

_KILLER = """
import os, signal, sys
from pathlib import Path
import accelsim.sweep.executors as executors
from accelsim.cli import main

evaluate, marker = executors.evaluate, Path("retried-once")

def dying(job, point):
    if point.index == 1 or (point.index == 2 and not marker.exists()):
        marker.touch()
        os.kill(os.getpid(), signal.SIGKILL)  # point 1 always, point 2 only the first time
    return evaluate(job, point)

executors.evaluate = dying  # workers are forked: they inherit it
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(cpu_count() < 2, reason="one CPU: points run in-process, not in a pool")
def test_a_worker_killed_mid_sweep_is_retried_once_then_that_points_error(
    tmp_path: Path, given: dict[str, Path]
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _KILLER, "sweep", given["model"], "--hw", given["hw"],
         "--set", "sram.capacity=256KiB,512KiB,1MiB,2MiB", "--jobs", "2", "--no-plots",
         "--out", "s", "--json"],
        capture_output=True, text=True, timeout=LIMIT_S, cwd=tmp_path, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, preexec_fn=_limit_memory,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "BrokenProcessPool" not in result.stderr and "internal error" not in result.stderr
    import json

    points = json.loads(result.stdout)["points"]
    assert [p["status"] for p in points] == ["ok", "failed", "ok", "ok"]
    assert points[1]["error"] == (
        "its worker process died twice while simulating it (a signal, or out of memory)"
    )


# --- default folders and the timing line (issue 18, items 3 and 4) ---------------------------


def test_two_grids_in_a_row_get_two_default_folders_in_the_current_folder(
    tmp_path: Path, given: dict[str, Path]
) -> None:
    base = ["sweep", given["model"], "--hw", given["hw"], "--no-plots"]
    for grid in ("sram.capacity=256KiB,1MiB", "sram.capacity=512KiB,2MiB"):
        result = accelsim(*base, "--set", grid, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    folders = sorted(p.name for p in (tmp_path / "accelsim-sweeps").iterdir())
    assert len(folders) == 2 and all(re.fullmatch(r"m-hw-[0-9a-f]{8}", f) for f in folders)
    assert not (ROOT / "reports" / "sweeps" / "m-hw").exists()
    line = refused(*base, "--set", "sram.capacity=512KiB,2MiB", cwd=tmp_path)
    assert re.fullmatch(
        r"accelsim: error: accelsim-sweeps/m-hw-[0-9a-f]{8}/sweep\.db: holds an earlier sweep; "
        r"add --resume to finish it, or pick another --out",
        line,
    ), line


def test_the_timing_line_is_the_commands_wall_clock_time(tmp_path: Path) -> None:
    # NOTE: the clock stops when the line arrives, not when the process has exited: the
    # interpreter's tear-down after the line (0.1-0.3 s under load) is no part of what the line
    # can report, and with a fast start-up it would exceed 10 % of a short sweep.
    started = time.monotonic()
    with subprocess.Popen(
        [sys.executable, "-m", "accelsim", "sweep", MOBILENET, "--hw", EDGE1, "--set",
         "sram.capacity=128KiB,256KiB,512KiB,1MiB", "--jobs", "1", "--no-plots"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=tmp_path,
        env={**os.environ, "COLUMNS": "120", "PYTHONPATH": str(ROOT)},
    ) as proc:  # fmt: skip
        assert proc.stdout is not None
        pattern = r"4 point\(s\) simulated, 0 invalid or failed, in ([0-9.]+) s \(([0-9.]+)/s"
        found = None
        for line in proc.stdout:
            found = found or re.search(pattern, line)
            if found:
                wall = time.monotonic() - started
                break
        proc.stdout.read()
    assert proc.returncode == 0 and found, "no timing line"
    reported, rate = float(found[1]), float(found[2])
    assert abs(reported - wall) <= 0.1 * wall, (reported, wall)
    # both figures are rounded (seconds to 0.01, the rate to 0.1): the rate lies within the
    # rates of the seconds' rounding interval, give or take its own rounding
    assert 4 / (reported + 0.005) - 0.05 <= rate <= 4 / (reported - 0.005) + 0.05


# --- a folder the user may not enter (issue 18, item 7) --------------------------------------


def _as_nobody(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m",
         "accelsim", *map(str, args)],
        capture_output=True, text=True, timeout=LIMIT_S, cwd=cwd, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(cwd)},
        preexec_fn=_limit_memory,
    )  # fmt: skip


@pytest.fixture
def private(tmp_path: Path) -> Path:
    """A world-readable folder holding `private/` (mode 0700, owned by root) with a folder in
    it; the tests run accelsim as the unprivileged user nobody."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run a command as nobody")
    tmp_path.chmod(0o755)
    (tmp_path / "private" / "ro").mkdir(parents=True)
    (tmp_path / "private").chmod(0o700)
    return tmp_path


@pytest.mark.parametrize(
    "args",
    [
        ["run", "{model}", "--hw", "{hw}", "--trace", "private/ro/t.json"],
        ["run", "{model}", "--hw", "{hw}", "--svg", "private/ro/t.svg"],
        ["schema", "-o", "private/ro/s.json"],
        ["paper", "{model}", "--hw", "{hw}", "--report", "private/ro"],
        ["sweep", "{model}", "--hw", "{hw}", "--set", "sram.capacity=1MiB", "--out",
         "private/ro/s"],
        ["train", "--epochs", "0", "--onnx", "private/ro/m.onnx"],
    ],
    ids=["run --trace", "run --svg", "schema -o", "paper --report", "sweep --out", "train --onnx"],
)
def test_an_output_under_a_folder_the_user_may_not_enter_is_one_line(
    args: list[str], private: Path, tmp_path: Path
) -> None:
    save(single_conv(size=(16, 16)), tmp_path / "m.onnx")  # relative: pytest's folders are 0700
    filled = [a.format(model="m.onnx", hw=EDGE1) for a in args]
    result = _as_nobody(*filled, cwd=private)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "internal error" not in result.stderr
    assert re.fullmatch(
        r"accelsim: error: (--\w+ |-o )?private/ro\S*: cannot write: permission denied; "
        r"write elsewhere or fix the permissions\n",
        result.stderr,
    ), result.stderr
    assert result.stdout == ""
