"""Bounds the loader and the JSON Schema must agree on, at the bound: jsonschema is an
independent validator, so a bound changed on one side only fails here."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from accelsim.errors import ConfigError
from accelsim.hardware_file import hardware_from_mapping, hardware_json_schema

EDGE1 = Path(__file__).resolve().parents[2] / "hardware" / "edge1.yaml"


def _edge1() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(EDGE1.read_text(encoding="utf-8"))


@pytest.mark.parametrize("bits", [1, 64])
def test_a_bit_count_from_1_to_64_is_accepted_by_both(bits: int) -> None:
    data = _edge1()
    data["dtypes"]["weights"] = bits
    jsonschema.validate(data, hardware_json_schema())
    assert hardware_from_mapping(data, source="x").dtypes.weights == bits


@pytest.mark.parametrize("bits", [0, 65])
def test_a_bit_count_past_the_range_is_refused_by_both(bits: int) -> None:
    data = _edge1()
    data["dtypes"]["activations"] = bits
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, hardware_json_schema())
    with pytest.raises(ConfigError, match=rf"^x: dtypes\.activations: {bits} is not a data type"):
        hardware_from_mapping(data, source="x")


def test_an_empty_machine_name_is_refused_by_both() -> None:
    data = _edge1()
    data["name"] = ""
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, hardware_json_schema())
    with pytest.raises(ConfigError, match=r"^x: name: String should have at least 1 character"):
        hardware_from_mapping(data, source="x")
