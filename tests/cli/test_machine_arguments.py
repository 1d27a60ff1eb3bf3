"""--hw by preset name, --set on run, and MODEL/--hw given the wrong way round."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.cli.test_run import EDGE1, MOBILENET, ROOT, accelsim, assert_clean_failure


def latency_cycles(proc: subprocess.CompletedProcess[str]) -> int:
    assert proc.returncode == 0, proc.stderr
    return int(json.loads(proc.stdout)["totals"]["latency_cycles"])


def test_hw_names_a_bundled_machine_from_any_folder(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "accelsim", "run", str(MOBILENET), "--hw", "edge1", "--json"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert latency_cycles(proc) == 575_491  # the README's MobileNet on edge1


def test_unknown_machine_name_lists_the_bundled_ones():
    proc = accelsim("run", MOBILENET, "--hw", "edge9")
    bundled = (
        "cloud1, cloud1-hbm2, edge1, edge1-2dma, edge1-2mxu, edge1-ddr4, edge1-fused, "
        "edge1-lpddr4, edge1-systolic, edge1-unfused, orin-nano"
    )
    assert_clean_failure(proc, "--hw edge9: no such file", bundled)


def test_run_set_equals_the_same_change_written_in_the_file(tmp_path):
    text = EDGE1.read_text(encoding="utf-8").replace("capacity: 1 MB", "capacity: 256 KiB")
    assert "256 KiB" in text
    edited = tmp_path / "edge1-256k.yaml"
    edited.write_text(text, encoding="utf-8")
    by_flag = accelsim("run", MOBILENET, "--hw", EDGE1, "--set", "sram.capacity=256 KiB", "--json")
    by_file = accelsim("run", MOBILENET, "--hw", edited, "--json")
    assert json.loads(by_flag.stdout)["totals"] == json.loads(by_file.stdout)["totals"]
    assert latency_cycles(by_flag) != 575_491  # 256 KiB is below MobileNet's 1 MB plan


def test_run_set_prints_the_size_in_the_unit_family_written():
    proc = accelsim("run", MOBILENET, "--hw", "edge1", "--set", "sram.capacity=256KiB")
    assert proc.returncode == 0, proc.stderr
    assert "256 KiB (262,144 B)" in proc.stdout  # 256 * 1024
    assert "kB" not in proc.stdout.split("Layers")[1].split("latency")[0]  # SRAM column too


def test_run_set_errors_name_the_option():
    proc = accelsim("run", MOBILENET, "--hw", EDGE1, "--set", "sram.capacity")
    assert_clean_failure(proc, "--set 'sram.capacity': expected FIELD=VALUE")
    proc = accelsim("run", MOBILENET, "--hw", EDGE1, "--set", "sram.capasity=1MB")
    assert_clean_failure(proc, "sram.capasity: unknown field")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", EDGE1, "--hw", MOBILENET], "is a hardware file and --hw"),
        (["paper", EDGE1, "--hw", MOBILENET], "swap them"),
        (["sweep", EDGE1, "--hw", MOBILENET, "--set", "sram.capacity=1MB"], "swap them"),
        (["inspect", EDGE1], "is a hardware file; give an ONNX model as MODEL"),
        (["run", MOBILENET, "--hw", MOBILENET], "--hw takes a hardware .yaml file"),
    ],
)
def test_swapped_model_and_machine_are_one_line(args, message):
    assert_clean_failure(accelsim(*args), message)


def test_presets_ship_as_package_data():
    from accelsim.presets import hardware_path, preset_names

    assert preset_names() == sorted(p.stem for p in (ROOT / "hardware").glob("*.yaml"))
    assert hardware_path("edge1").read_bytes() == EDGE1.read_bytes()
