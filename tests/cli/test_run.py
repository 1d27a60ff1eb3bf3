"""`accelsim run` end to end through `python -m accelsim`: output, --json, --trace, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import onnx_builders as builders

ROOT = Path(__file__).resolve().parents[2]
EDGE1 = ROOT / "hardware" / "edge1.yaml"
MOBILENET = ROOT / "workloads" / "mobilenet.onnx"


def accelsim(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "accelsim", *map(str, args)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip


def assert_clean_failure(proc: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Exit code 2, exactly one line on stderr naming what is wrong, no traceback."""
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_run_json_agrees_with_the_hand_computed_single_conv(tmp_path):
    # x 1x3x8x8 -> 3x3 conv, pad 1, 8 output channels, no bias -> y 1x8x8x8, int8 on edge1.
    model = builders.save(builders.single_conv(), tmp_path / "conv.onnx")
    proc = accelsim("run", model, "--hw", EDGE1, "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    (layer,) = doc["layers"]
    macs = 8 * 8 * 8 * 3 * 9  # Cout * Ho * Wo * Cin * kh * kw = 13,824
    reads = 3 * 8 * 8 + 8 * 3 * 9  # input 192 B + weights 216 B (no BN, so no folded bias)
    writes = 8 * 8 * 8  # 512 B
    assert [layer["macs"], layer["bus_read_bytes"], layer["bus_write_bytes"]] == [
        macs,
        reads,
        writes,
    ]
    # edge1: one byte per bus cycle, 1000 FLOP per cycle -> ceil(27,648 / 1000) = 28 cycles;
    # a single layer cannot overlap anything: 408 + 28 + 512 = 948 cycles.
    assert layer["compute_cycles"] == 28
    assert doc["totals"]["latency_cycles"] == 948


def test_run_prints_tables_and_writes_a_chrome_trace(tmp_path):
    trace = tmp_path / "trace.json"
    proc = accelsim("run", MOBILENET, "--hw", EDGE1, "--trace", trace)
    assert proc.returncode == 0, proc.stderr
    for text in ("edge1", "conv27", "gap to floor", "folded into conv weights", "Relu, Clip"):
        assert text in proc.stdout
    events = json.loads(trace.read_text())["traceEvents"]
    tracks = {e["args"]["name"] for e in events if e.get("name") == "thread_name"}
    assert tracks == {"bus (dma)", "matrix (matrix)", "vector (vector)"}  # one per declared unit
    assert sum(1 for e in events if e["ph"] == "X" and e["cat"] == "compute") == 30


@pytest.mark.parametrize(
    ("make", "fragments"),
    [
        (lambda d: d / "missing.onnx", ["missing.onnx"]),
        (
            lambda d: _write(d / "garbage.onnx", b"\x00\xffnot a model at all\x13\x37" * 10),
            ["garbage.onnx"],
        ),
        (lambda d: builders.write_truncated(builders.single_conv(), d / "cut.onnx"), ["cut.onnx"]),
        (
            lambda d: builders.save(builders.unsupported_op(), d / "odd.onnx"),
            ["conv_7", "SpaceToDepth"],
        ),
        (lambda d: builders.save(builders.symbolic_batch(), d / "sym.onnx"), ["--batch"]),
    ],
    ids=["missing", "garbage", "truncated", "unsupported-op", "symbolic-batch"],
)
def test_run_rejects_bad_models_with_one_line(tmp_path, make, fragments):
    assert_clean_failure(accelsim("run", make(tmp_path), "--hw", EDGE1), *fragments)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("old", "new", "fragments"),
    [
        ("capacity: 1 MB", "capacity: 1 MiBB", ["sram.capacity", "1 MiBB"]),
        ("capacity: 1 MB", "capacity: -5 MB", ["sram.capacity"]),
        (
            "bandwidth: 1 GB/s      # the paper's",
            "bandwidth: 1 GB/ss  # the paper's",
            ["units.bus.bandwidth"],
        ),
    ],
    ids=["unit-typo", "negative-size", "bandwidth-typo"],
)
def test_run_rejects_bad_hardware_with_file_line_and_field(tmp_path, old, new, fragments):
    text = EDGE1.read_text()
    assert old in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old, new, 1))
    proc = accelsim("run", MOBILENET, "--hw", bad)
    assert_clean_failure(proc, "bad.yaml:", *fragments)


def test_run_leaves_no_partial_trace_when_the_folder_is_missing(tmp_path):
    target = tmp_path / "nowhere" / "trace.json"
    assert_clean_failure(accelsim("run", MOBILENET, "--hw", EDGE1, "--trace", target), "nowhere")
    assert not target.parent.exists()


def test_run_rejects_an_unknown_policy():
    assert_clean_failure(
        accelsim("run", MOBILENET, "--hw", EDGE1, "--policy", "magic"), "magic", "liveness"
    )


def test_run_resolves_a_symbolic_batch_with_batch_flag(tmp_path):
    model = builders.save(builders.symbolic_batch(), tmp_path / "sym.onnx")
    proc = accelsim("run", model, "--hw", EDGE1, "--json", "--batch", "2")
    assert proc.returncode == 0, proc.stderr
    (layer,) = json.loads(proc.stdout)["layers"]
    # single_conv (3 -> 8 channels, 8x8, 3x3 pad 1) at batch 2: 2 * 13,824 MACs; input 2 * 192 B
    # + weights 216 B read, 2 * 512 B written.
    assert (layer["macs"], layer["bus_read_bytes"], layer["bus_write_bytes"]) == (27_648, 600, 1024)


def test_run_refuses_to_write_its_trace_over_an_input(tmp_path):
    model = builders.save(builders.single_conv(), tmp_path / "conv.onnx")
    before = model.read_bytes()
    assert_clean_failure(
        accelsim("run", model, "--hw", EDGE1, "--trace", model), "--trace", "input"
    )
    assert model.read_bytes() == before


def test_run_says_when_it_replaces_an_existing_trace(tmp_path):
    trace = tmp_path / "trace.json"
    trace.write_text("old")
    proc = accelsim("run", MOBILENET, "--hw", EDGE1, "--trace", trace, "--json")
    assert proc.returncode == 0, proc.stderr
    assert f"replacing existing {trace}" in proc.stderr
    assert json.loads(trace.read_text())["traceEvents"]
