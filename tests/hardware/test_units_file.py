"""Units are data: the `units:` layout, its errors (file:line: field: reason), the old layout."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from accelsim.errors import ConfigError
from accelsim.hardware_file import load_hardware
from tests.hardware.test_hardware_errors import VALID as OLD_LAYOUT

# Lines of VALID (1-based): name 1, clock 2, ddr 3-5, sram 6-7, units 8, bus 9 (kind 10,
# bandwidth 11), mxu0 12 (kind 13, timing 14, rows 15, cols 16, dataflow 17), mxu1 18-23,
# vpu 24 (kind 25, peak 26), lowering 27-29, dtypes 30-32.
NEW_LAYOUT = """\
name: toy
clock: 1 GHz
ddr:
  capacity: 1 GiB
  bandwidth: 1 GB/s
sram:
  capacity: 1 MB
units:
  bus:
    kind: dma
    bandwidth: 1 GB/s
  mxu0:
    kind: matrix
    timing: systolic
    rows: 32
    cols: 16
    dataflow: ws
  mxu1:
    kind: matrix
    peak: 1 TFLOPS
  vpu:
    kind: vector
    peak: 10 GFLOPS
lowering:
  fold_batchnorm: true
  fuses: [Relu, Clip]
dtypes:
  weights: int8
  activations: int8
"""
# mxu1 made identical to mxu0, so the file is valid
VALID = NEW_LAYOUT.replace(
    "  mxu1:\n    kind: matrix\n    peak: 1 TFLOPS\n",
    "  mxu1:\n    kind: matrix\n    timing: systolic\n    rows: 32\n    cols: 16\n"
    "    dataflow: ws\n",
)


def _load(tmp_path: Path, text: str):
    path = tmp_path / "hw.yaml"
    path.write_text(text, encoding="utf-8")
    return load_hardware(path)


def test_units_layout_loads_with_names_kinds_and_timing(tmp_path: Path) -> None:
    hw = _load(tmp_path, VALID)
    assert list(hw.units) == ["bus", "mxu0", "mxu1", "vpu"]
    assert hw.units_of("matrix") == ("mxu0", "mxu1")
    assert (hw.matrix.rows, hw.matrix.cols, hw.matrix.dataflow) == (32, 16, "ws")
    # 32 x 16 cells, 2 FLOPs per MAC per cycle, at 1 GHz
    assert hw.peak_of("matrix") == 2 * 32 * 16 * 1e9


def test_old_layout_loads_as_the_same_machine(tmp_path: Path) -> None:
    old = _load(tmp_path, OLD_LAYOUT)
    new_text = (
        OLD_LAYOUT.replace("bus:\n  bandwidth: 1 GB/s\n", "")
        .replace(
            "matrix_engine:\n  peak: 1 TFLOPS\n  ops: [Conv, Gemm, MatMul]\n",
            "units:\n  bus:\n    kind: dma\n    bandwidth: 1 GB/s\n  matrix:\n    kind: matrix\n"
            "    peak: 1 TFLOPS\n  vector:\n    kind: vector\n    peak: 10 GFLOPS\n"
            "lowering:\n  matrix_ops: [Conv, Gemm, MatMul]\n",
        )
        .replace("vector_unit:\n  peak: 10 GFLOPS\n", "")
    )
    assert _load(tmp_path, new_text) == old


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "    rows: 32",
            "    rows: 0",
            r":15: units\.mxu0\.rows: Input should be greater than 0, got 0",
        ),
        (
            "    kind: dma",
            "    kind: tpu",
            r":10: units\.bus\.kind: unknown unit kind \"tpu\"; expected one of: dma, matrix, "
            r"vector",
        ),
        (
            "    dataflow: ws",
            "    dataflow: wss",
            r":17: units\.mxu0\.dataflow: Input should be 'ws', 'os' or 'is', got \"wss\"",
        ),
        (
            "  mxu1:",
            "  mxu0:",
            r":18: units\.mxu0: duplicate key \(first given at line 12\)",
        ),
        (
            "  vpu:\n    kind: vector\n",
            "  vpu:\n    kind: vector\n    rows: 4\n",
            r":26: units\.vpu\.rows: unknown key; expected one of: kind, timing, peak, lanes",
        ),
        (
            "    cols: 16\n",
            "",
            r":12: units\.mxu0: cols is required by timing systolic",
        ),
        (  # no kind at all: pydantic's "tag not found", told as the missing field it is
            "  vpu:\n    kind: vector\n",
            "  vpu:\n",
            r":24: units\.vpu\.kind: required field missing; expected one of: dma, matrix, "
            r"vector",
        ),
        (
            "  bus:\n    kind: dma\n    bandwidth: 1 GB/s\n",
            "",
            r":8: units: no dma unit; a machine needs at least one of each kind \(dma, matrix, "
            r"vector\)",
        ),
    ],
)
def test_bad_units_are_reported_with_line_and_field(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    text = VALID.replace(old, new, 1)
    assert text != VALID
    with pytest.raises(ConfigError, match=f"^{re.escape(str(tmp_path / 'hw.yaml'))}{message}$"):
        _load(tmp_path, text)


def test_units_of_one_kind_must_be_identical(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r":8: units: mxu0 and mxu1 differ; units of one kind "):
        _load(tmp_path, NEW_LAYOUT)


def test_old_and_new_layout_cannot_mix(tmp_path: Path) -> None:
    text = VALID.replace("sram:\n", "bus:\n  bandwidth: 1 GB/s\nsram:\n")
    with pytest.raises(ConfigError, match=r":6: bus: the old layout .* cannot be mixed"):
        _load(tmp_path, text)


def test_ddr_slower_than_the_channels_together_is_accepted(tmp_path: Path) -> None:
    # DDR is shared in the simulation: two 1 GB/s channels over 1 GB/s DDR split it
    two = VALID.replace("  mxu0:", "  dma1:\n    kind: dma\n    bandwidth: 1 GB/s\n  mxu0:")
    hw = _load(tmp_path, two)
    assert hw.units_of("dma") == ("bus", "dma1")
    assert (hw.ddr.bandwidth, hw.ddr.timing, hw.units["dma1"].depth) == (1e9, "rate", 1)
