"""A systolic matrix unit needs rows, cols and dataflow; group_mapping is optional."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from accelsim.errors import ConfigError
from accelsim.hardware_file import load_hardware

SYSTOLIC = Path(__file__).resolve().parents[2] / "hardware" / "edge1-systolic.yaml"


def _without(line: str, tmp_path: Path) -> Path:
    text = SYSTOLIC.read_text()
    kept = [row for row in text.splitlines(keepends=True) if not row.lstrip().startswith(line)]
    assert len(kept) == len(text.splitlines()) - 1
    path = tmp_path / "hw.yaml"
    path.write_text("".join(kept))
    return path


@pytest.mark.parametrize("field", ["rows", "cols", "dataflow"])
def test_each_array_field_is_required(tmp_path: Path, field: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"units.matrix: {field} is required by "
                                                    "timing systolic")):  # fmt: skip
        load_hardware(_without(f"{field}:", tmp_path))


def test_group_mapping_may_be_left_out(tmp_path: Path) -> None:
    unit = load_hardware(_without("group_mapping:", tmp_path)).matrix
    assert (unit.rows, unit.cols, unit.dataflow, unit.group_mapping) == (32, 16, "ws", None)


RATE = Path(__file__).resolve().parents[2] / "hardware" / "edge1.yaml"


@pytest.mark.parametrize(
    ("source", "after", "added", "message"),
    [
        (RATE, "peak: 1 TFLOPS", "rows: 32", "units.matrix: rows is for timing systolic, not rate"),
        (RATE, "peak: 1 TFLOPS", "group_mapping: packed",
         "units.matrix: group_mapping is for timing systolic, not rate"),
        (SYSTOLIC, "dataflow:", "peak: 1 TFLOPS",
         "units.matrix: peak is for timing rate, not systolic"),
    ],
)  # fmt: skip
def test_a_field_of_the_other_timing_is_refused(
    tmp_path: Path, source: Path, after: str, added: str, message: str
) -> None:
    # the matrix unit's `after` line is followed by a field of the other timing model
    rows = source.read_text().splitlines(keepends=True)
    (at,) = [i for i, row in enumerate(rows) if row.startswith(f"    {after}")]
    rows.insert(at + 1, f"    {added}\n")
    path = tmp_path / "hw.yaml"
    path.write_text("".join(rows))
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_hardware(path)
