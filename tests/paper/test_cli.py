"""`accelsim paper` end to end through `python -m accelsim`: table, --json, --compare, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EDGE1 = ROOT / "hardware" / "edge1.yaml"
MOBILENET = ROOT / "workloads" / "mobilenet.onnx"


def accelsim(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "accelsim", "paper", *map(str, args)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip


def assert_clean_failure(proc: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert fragment in lines[0]


def test_json_compare_has_the_papers_layer_1_and_190_cells():
    proc = accelsim(MOBILENET, "--hw", EDGE1, "--json", "--compare")
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)
    first = document["rows"][0]
    assert first["move_bits"] == 18_816 + 2 * 864  # image in, 3x3x3x32 filter twice
    assert first["compute_s"] == 2 * 677_376 / 1e12
    assert document["comparison"]["printed"] == 190
    assert document["rules"]["name"] == "paper"


def test_set_changes_the_table():
    # with 900 kB (7.2 Mbit) the running total overflows at layer 24 (see test_mobilenet)
    proc = accelsim(MOBILENET, "--hw", EDGE1, "--json", "--set", "sram.capacity=900 kB")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["spills"] == [24]


def test_table_output_names_the_rules_and_total():
    proc = accelsim(MOBILENET, "--hw", EDGE1, "--rules", "as-printed")
    assert proc.returncode == 0, proc.stderr
    assert "rules as-printed" in proc.stdout
    assert "total 0.00132588726 s (1.326 ms); overflow at layer(s) 25" in proc.stdout


def test_default_output_says_what_the_paper_printed_and_how_to_compare():
    proc = accelsim(MOBILENET, "--hw", EDGE1)
    assert proc.returncode == 0, proc.stderr
    assert "overflow at layer(s) none" in proc.stdout  # the method's own table ...
    text = " ".join(proc.stdout.split())
    # ... and the paper's Table 4 total and Table 3 note, with the options that show them
    printed = "the paper printed total 1.3406 ms (0.001340632 s), memory exceeded at layer(s) 25"
    assert printed in text
    assert "--rules as-printed" in text and "--compare" in text
    assert "report written" not in text  # no --report, no report


def test_unknown_rules_is_one_line_exit_2():
    assert_clean_failure(accelsim(MOBILENET, "--hw", EDGE1, "--rules", "nope"), "'nope'")


def test_bad_set_field_is_one_line_exit_2():
    proc = accelsim(MOBILENET, "--hw", EDGE1, "--set", "sram.capcity=1 MB")
    assert_clean_failure(proc, "sram.capcity")


def test_set_without_equals_is_one_line_exit_2():
    assert_clean_failure(accelsim(MOBILENET, "--hw", EDGE1, "--set", "sram"), "FIELD=VALUE")


def test_missing_report_folder_writes_nothing(tmp_path):
    target = tmp_path / "absent"
    assert_clean_failure(accelsim(MOBILENET, "--hw", EDGE1, "--report", target), "absent")
    assert not target.exists()


def test_report_writes_the_four_files(tmp_path):
    proc = accelsim(MOBILENET, "--hw", EDGE1, "--report", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"report written to {tmp_path}" in "".join(proc.stdout.split("\n"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".accelsim-outputs", "README.md", "cells.csv", "model.csv", "totals.csv",
    ]  # fmt: skip
    # 190 printed cells plus the header line
    assert len((tmp_path / "cells.csv").read_text().splitlines()) == 191
