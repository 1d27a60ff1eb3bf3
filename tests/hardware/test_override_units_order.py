"""Overriding `units` keeps the order given (units are in file order: reports list them so),
even after the same units were validated in another order."""

from __future__ import annotations

from pathlib import Path

from accelsim.hardware_file import load_hardware, with_overrides

EDGE1 = Path(__file__).resolve().parents[2] / "hardware" / "edge1.yaml"


def test_units_overridden_in_two_orders_keep_each_order() -> None:
    hw = load_hardware(EDGE1)
    units = hw.model_dump()["units"]
    assert list(units) == ["bus", "matrix", "vector"]
    forward = with_overrides(hw, {"units": dict(units)})
    backward = with_overrides(hw, {"units": dict(reversed(list(units.items())))})
    assert list(forward.units) == ["bus", "matrix", "vector"]
    assert list(backward.units) == ["vector", "matrix", "bus"]
    assert backward.units_of("dma") == ("bus",)
