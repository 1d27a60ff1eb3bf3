"""Formatting at edges the tables can reach: non-finite values, negative sizes (a difference of
two runs), a fraction of a byte. Each expected string is written out by hand."""

from __future__ import annotations

import pytest

from accelsim.units import format_bytes, format_seconds, format_si


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [(float("inf"), "s", "inf s"), (float("-inf"), "W", "-inf W"), (float("nan"), "J", "nan J")],
)
def test_a_non_finite_value_takes_no_prefix(value: float, unit: str, text: str) -> None:
    assert format_si(value, unit) == text


def test_a_negative_size_takes_the_prefix_of_its_magnitude() -> None:
    assert format_bytes(-2_000_000) == "-2 MB"
    assert format_bytes(-1500) == "-1.5 kB"
    assert format_bytes(-2_000_000, binary=True) == "-1.907 MiB"  # 2e6 / 2^20 = 1.9073...
    assert format_bytes(-512) == "-512 B"


def test_a_fraction_of_a_byte_keeps_its_significant_digits() -> None:
    assert format_bytes(0.00001) == "1e-05 B"
    assert format_bytes(0.5) == "0.5 B"


def test_a_duration_of_a_second_or_more_is_in_seconds_either_sign() -> None:
    assert format_seconds(5000.0) == "5000 s"
    assert format_seconds(-5000.0) == "-5000 s"  # a difference of two runs: not "-5 ks"
    assert format_seconds(-0.002) == "-2 ms"
