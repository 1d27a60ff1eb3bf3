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
