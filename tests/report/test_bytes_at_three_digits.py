"""Byte counts in the tables' narrow columns (3 significant digits): a count that needs a 4th
digit below its unit's 1,024 is written whole, never in scientific notation."""

from __future__ import annotations

import pytest

from accelsim.units import format_bytes


@pytest.mark.parametrize(
    ("nbytes", "binary", "shown"),
    [
        (999, True, "999 B"),
        (1000, True, "1000 B"),  # was "1e+03 B"
        (1023, True, "1023 B"),  # was "1.02e+03 B"
        (1024, True, "1 KiB"),
        (1023 * 1024, True, "1023 KiB"),  # was "1.02e+03 KiB"
        (1024 * 1024 - 1, True, "1 MiB"),  # 1023.999 KiB rounds to 1024: the next unit
        (1000, False, "1 kB"),
        (999_999, False, "1 MB"),
        (10**18, False, "1000 PB"),  # past the last prefix: whole, not "1e+03 PB"
    ],
)
def test_three_digits_never_turn_scientific(nbytes, binary, shown):
    assert format_bytes(nbytes, binary=binary, digits=3) == shown

