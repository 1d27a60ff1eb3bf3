"""`accelsim sweep` through `python -m accelsim`: outputs, progress on stderr, bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASE = ["sweep", "workloads/mobilenet.onnx", "--hw", "hardware/edge1.yaml"]


def accelsim(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "accelsim", *map(str, args)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip


def test_sweep_prints_the_ranked_table_and_writes_every_output(tmp_path):
    out = tmp_path / "s"
    proc = accelsim(*BASE, "--set", "sram.capacity=256KiB,1MiB", "--set", "bus.bandwidth=0.5GB/s",
                    "--set", "ddr.capacity=-1GiB,1GiB", "--out", out, "--jobs", "2")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Sweep mobilenet-edge1: 2 of 4 points simulated, fastest first" in proc.stdout
    assert "★ E S" in proc.stdout
    assert 'invalid: point 0: ddr.capacity: "-1GiB" must be > 0' in proc.stdout
    assert "sweep" in proc.stderr and "2/2" not in proc.stdout  # progress goes to stderr
    assert "#2 invalid" in proc.stderr  # reported as it happens too
    names = sorted(p.name for p in out.iterdir())
    assert names == ["latency_heatmap.png", "pareto.png", "results.csv", "results.json",
                     "sweep.db"]  # fmt: skip
    again = accelsim(*BASE, "--set", "sram.capacity=256KiB,1MiB", "--set", "bus.bandwidth=0.5GB/s",
                     "--set", "ddr.capacity=-1GiB,1GiB", "--out", out, "--resume")  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "0 point(s) simulated" in again.stdout and "4 reused" in again.stdout


def test_sweep_file_names_the_output_folder(tmp_path):
    study = tmp_path / "study.yaml"
    model, hardware = ROOT / "workloads/mobilenet.onnx", ROOT / "hardware/edge1.yaml"
    study.write_text(
        f"name: tiny\nmodel: {model}\nhardware: {hardware}\ngrid:\n  sram.capacity: [1MB]\n"
    )
    proc = accelsim("sweep", "--file", study, "--out", tmp_path / "o", "--no-plots")
    assert proc.returncode == 0, proc.stderr
    assert "Sweep tiny: 1 of 1 points simulated" in proc.stdout
    assert not (tmp_path / "o" / "pareto.png").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "sram.size=1MB"], "--set: sram.size: unknown field; fields of sram: capacity"),
        (["--set", "sram.capacity=1MB", "--policy", "best"], 'unknown policy "best"'),
        (["--set", "sram.capacity=1MB", "--dask", "tcp://127.0.0.1:9", "--jobs", "2"],
         "--jobs sets local workers; a --dask cluster has its own"),
        ([], "sweep: nothing to sweep; give --set PATH=V1,V2 or a `grid:`"),
    ],
)  # fmt: skip
def test_bad_sweeps_fail_with_one_line_and_write_nothing(tmp_path, args, message):
    out = tmp_path / "o"
    proc = accelsim(*BASE, *args, "--out", out)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == f"accelsim: error: {message}" or (
        message in proc.stderr and proc.stderr.count("accelsim: error") == 1
    )
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_existing_results_without_resume_fail_cleanly(tmp_path):
    out = tmp_path / "o"
    first = accelsim(*BASE, "--set", "sram.capacity=1MB", "--out", out, "--no-plots")
    assert first.returncode == 0, first.stderr
    proc = accelsim(*BASE, "--set", "sram.capacity=1MB", "--out", out)
    assert proc.returncode == 2
    assert f"{out / 'sweep.db'}: holds an earlier sweep; add --resume" in proc.stderr
