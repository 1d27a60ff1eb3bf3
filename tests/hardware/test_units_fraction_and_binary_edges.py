"""Quantities written with a leading decimal point (".5 kB") parse, in values and in the schema's
pattern; binary sizes from 1000 to 1023 of a unit stay in that unit, written out whole."""

from __future__ import annotations

import re

import pytest

from accelsim import units


@pytest.mark.parametrize(
    ("parse", "text", "value"),
    [
        (units.parse_size, ".5 kB", 500),
        (units.parse_bandwidth, ".5 GB/s", 5e8),
        (units.parse_time, ".25 us", 2.5e-7),
    ],
)
def test_a_leading_decimal_point_parses(parse, text: str, value: float) -> None:
    assert parse(text) == value


def test_the_schema_pattern_takes_a_leading_decimal_point() -> None:
    assert re.fullmatch(units.unit_pattern("size"), ".5 kB")
    assert re.fullmatch(units.unit_pattern("bandwidth"), ".5 GB/s")


@pytest.mark.parametrize(
    ("nbytes", "digits", "shown"),
    [
        (1000 * 1024, 4, "1000 KiB"),  # 1000 < 1024: still KiB, not 0.9766 MiB
        (1023 * 1024, 3, "1023 KiB"),  # whole, not 1.02e+03
        (1023 * 1024**2, 3, "1023 MiB"),
        (1024 * 1024, 3, "1 MiB"),
    ],
)
def test_binary_sizes_up_to_1023_of_a_unit(nbytes: int, digits: int, shown: str) -> None:
    assert units.format_bytes(nbytes, binary=True, digits=digits) == shown
