"""Rarely taken branches of reading a hardware file: an old-layout section mixed with the new
layout's `lowering` alone, two old sections mixed in, a bare old section name as an override or
a sweep axis, a whole section given as one override. Each message is worked out by hand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from accelsim.errors import ConfigError
from accelsim.hardware import Hardware
from accelsim.hardware_file import load_hardware, schema_field, with_overrides
from tests.hardware.test_hardware_errors import VALID as OLD_LAYOUT
from tests.hardware.test_units_file import VALID as NEW_LAYOUT


def _load(tmp_path: Path, text: str):
    path = tmp_path / "hw.yaml"
    path.write_text(text, encoding="utf-8")
    return load_hardware(path)


def test_an_old_layout_file_with_a_lowering_section_is_refused(tmp_path: Path) -> None:
    # OLD_LAYOUT's bus is line 6; a `lowering:` section (no `units:`) is the new layout too
    text = OLD_LAYOUT + "lowering:\n  fold_batchnorm: false\n  fuses: []\n"
    with pytest.raises(ConfigError, match=r"hw\.yaml:6: bus: the old layout .* cannot be mixed"):
        _load(tmp_path, text)


def test_two_old_sections_mixed_in_name_bus_at_its_line(tmp_path: Path) -> None:
    # NEW_LAYOUT with `bus:` at line 8 and `vector_unit:` at line 10, before `units:`
    text = NEW_LAYOUT.replace(
        "units:\n", "bus:\n  bandwidth: 1 GB/s\nvector_unit:\n  peak: 1 GFLOPS\nunits:\n", 1
    )
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, text)
    assert re.search(r"hw\.yaml:8: bus: the old layout", str(caught.value)), caught.value


def test_a_bare_old_section_name_is_an_unknown_field_not_a_crash() -> None:
    hw = load_hardware("hardware/edge1.yaml")
    with pytest.raises(ConfigError, match=r"^--set: bus: unknown field; fields of the top level"):
        with_overrides(hw, {"bus": "1 GB/s"})
    with pytest.raises(ConfigError, match=r"^axis: bus: unknown field; fields of the top level"):
        schema_field("bus", source="axis")


def test_a_whole_section_override_names_the_inner_field() -> None:
    hw = load_hardware("hardware/edge1.yaml")
    bad = {"capacity": "1 GiB", "bandwidth": "fast"}
    with pytest.raises(ConfigError, match=r'^--set: ddr\.bandwidth: "fast" is not a bandwidth'):
        with_overrides(hw, {"ddr": bad})


def test_a_sweep_axis_naming_a_unit_or_all_units() -> None:
    with pytest.raises(ConfigError, match=r"^axis: units\.bus: is a unit; set one of its fields$"):
        schema_field("units.bus", source="axis")
    assert schema_field("units.bus.bandwidth", source="axis").annotation is not None
    # `units` alone is the whole table of units (a field, not a section of fields)
    assert schema_field("units", source="axis") is Hardware.model_fields["units"]


def test_a_misspelt_old_layout_axis_names_its_old_section() -> None:
    # bus.bandwidht is units.bus.bandwidht: the section the user wrote is `bus`
    with pytest.raises(ConfigError, match=r"^axis: bus\.bandwidht: unknown field; fields of bus: "):
        schema_field("bus.bandwidht", source="axis")
    with pytest.raises(ConfigError, match=r"^axis: sram\.capacty: unknown field; fields of sram: "):
        schema_field("sram.capacty", source="axis")
