"""`accelsim sweep` through `python -m accelsim`: outputs, progress on stderr, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_run import accelsim, assert_clean_failure

ROOT = Path(__file__).resolve().parents[2]
BASE = ["sweep", "workloads/mobilenet.onnx", "--hw", "hardware/edge1.yaml"]


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
    assert names == [".accelsim-outputs", "latency_heatmap.png", "pareto.png", "regime_map.png",
                     "report.html", "results.csv", "results.json", "sweep.db"]  # fmt: skip
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
        (["--set", "sram.capacity=1MB", "--policy", "best"],
         '--policy: unknown policy "best"; known: liveness'),
        (["--set", "sram.capacity=1MB", "--dask", "tcp://127.0.0.1:9", "--jobs", "2"],
         "--jobs sets local workers; a --dask cluster has its own"),
        ([], "sweep: nothing to sweep; give --set PATH=V1,V2 or a `grid:`"),
    ],
)  # fmt: skip
def test_bad_sweeps_fail_with_one_line_and_write_nothing(tmp_path, args, message):
    out = tmp_path / "o"
    proc = accelsim(*BASE, *args, "--out", out)
    assert_clean_failure(proc, f"accelsim: error: {message}")
    assert proc.stderr.startswith("accelsim: error:")  # no blank line from an undrawn bar
    assert proc.stdout == ""
    assert not out.exists()


def test_existing_results_without_resume_fail_cleanly(tmp_path):
    out = tmp_path / "o"
    first = accelsim(*BASE, "--set", "sram.capacity=1MB", "--out", out, "--no-plots")
    assert first.returncode == 0, first.stderr
    proc = accelsim(*BASE, "--set", "sram.capacity=1MB", "--out", out)
    assert_clean_failure(proc, f"{out / 'sweep.db'}: holds an earlier sweep; add --resume")


def test_a_killed_sweep_keeps_its_committed_points_and_resume_finishes_it(tmp_path):
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    out = tmp_path / "o"
    # 30 slow points (small SRAM: tiled layers) in one process, so the kill lands mid-sweep.
    points = 30
    args = [*BASE, "--set", "sram.capacity=16KiB,24KiB,32KiB,48KiB,64KiB,96KiB",
            "--set", "bus.bandwidth=0.5GB/s..8GB/s:x2", "--out", out, "--jobs", "1",
            "--no-plots"]  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "accelsim", *map(str, args)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    stored = 0
    deadline = time.monotonic() + 120
    while stored < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
        if (out / "sweep.db").exists():
            with sqlite3.connect(out / "sweep.db") as db:
                try:
                    stored = db.execute("SELECT COUNT(*) FROM points").fetchone()[0]
                except sqlite3.OperationalError:  # the file exists before its table does
                    stored = 0
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(out / "sweep.db") as db:
        kept = db.execute("SELECT COUNT(*) FROM points").fetchone()[0]
    assert 2 <= kept < points, "killed after two points were committed, before the last"
    resumed = accelsim(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert f"{points - kept} point(s) simulated" in resumed.stdout
    assert f"{kept} reused" in resumed.stdout
    assert f"{points} of {points} points simulated" in resumed.stdout


def test_sweep_json_and_footer_count_failed_points_apart(tmp_path):
    # 64 B is below what MobileNet's conv1 needs at its smallest tile (README: 206 B), so that
    # point fails; 512 KiB and 1 MiB run.
    args = [*BASE, "--set", "sram.capacity=64B,512KiB,1MiB", "--out", tmp_path / "s",
            "--no-plots", "--jobs", "1"]  # fmt: skip
    proc = accelsim(*args)
    assert proc.returncode == 0, proc.stderr
    assert "2 point(s) simulated, 1 invalid or failed" in proc.stdout
    assert " KiB " in proc.stdout and "kB" not in proc.stdout  # SRAM peak in KiB, as written
    document = accelsim(*args, "--resume", "--json")
    assert document.returncode == 0, document.stderr
    points = json.loads(document.stdout)["points"]
    assert [(p["settings"]["sram.capacity"], p["status"]) for p in points] == [
        ("64B", "failed"), ("512KiB", "ok"), ("1MiB", "ok")
    ]  # fmt: skip
    assert points[2]["metrics"]["latency_cycles"] == 575_491  # the README's run on edge1
