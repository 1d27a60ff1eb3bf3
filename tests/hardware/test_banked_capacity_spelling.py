"""A banked DDR capacity the device cannot hold is named as the file spells it: decimal units
("10 GB") stay decimal, binary ones ("16 GiB") binary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from accelsim.errors import ConfigError
from accelsim.hardware_file import load_hardware

DDR4 = Path(__file__).resolve().parents[2] / "hardware" / "edge1-ddr4.yaml"


@pytest.mark.parametrize(
    ("capacity", "reason"),
    [
        ("10 GB", "10 GB needs address bits the mapping does not have: ddr4-3200's channels, "
                  "ranks, banks, rows and columns hold 8 GiB"),
        ("16 GiB", "16 GiB needs address bits the mapping does not have: ddr4-3200's channels, "
                   "ranks, banks, rows and columns hold 8 GiB"),
        ("4 kB", "4 kB is smaller than one DRAM row (8192 B) of ddr4-3200"),
        ("4 KiB", "4 KiB is smaller than one DRAM row (8192 B) of ddr4-3200"),
    ],
)  # fmt: skip
def test_a_capacity_is_named_in_its_own_units(tmp_path: Path, capacity: str, reason: str) -> None:
    text = DDR4.read_text()
    assert text.count("  capacity: 1 GiB ") == 1
    path = tmp_path / "hw.yaml"
    path.write_text(text.replace("  capacity: 1 GiB ", f"  capacity: {capacity} "))
    with pytest.raises(ConfigError, match=re.escape(f"ddr.capacity: {reason}")):
        load_hardware(path)
