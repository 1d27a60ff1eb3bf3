"""Unit parsing and formatting: every unit against its definition, every error message exactly."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accelsim.errors import ConfigError
from accelsim.units import (
    UnitError,
    format_bytes,
    format_energy,
    format_rate,
    format_seconds,
    format_si,
    is_binary_size,
    parse_bandwidth,
    parse_compute_rate,
    parse_energy,
    parse_frequency,
    parse_power,
    parse_size,
    parse_time,
    unit_pattern,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 MB", 10**6),  # SI prefix: M = 10^6
        ("1 MiB", 2**20),  # IEC prefix: Mi = 2^20 = 1,048,576
        ("512 KiB", 512 * 1024),  # 524,288
        ("1048576 B", 1_048_576),
        ("64 kB", 64_000),
        ("64 KB", 64_000),  # K is accepted as k, still 10^3
        ("1 GB", 10**9),
        ("1 GiB", 2**30),
        ("2 TiB", 2 * 2**40),
        ("1.5 KiB", 1536),  # 1.5 * 1024
        (
            "1.1 MB",
            1_100_000,
        ),  # exact thanks to Decimal (1.1 * 1e6 in floats is 1100000.0000000002)
        ("8 Mbit", 10**6),  # 8e6 bits / 8
        ("65536 bits", 8192),
        ("3 bytes", 3),
        ("1 byte", 1),
        ("1MiB", 2**20),  # the space is optional
        ("  1 MiB  ", 2**20),
        ("1e6 B", 10**6),
        ("1e6", 10**6),  # bare numeric string: base unit (YAML 1.1 reads 1e6 as a string)
        (4096, 4096),  # plain YAML int: bytes
        (4096.0, 4096),
    ],
)
def test_parse_size_units(text: object, expected: int) -> None:
    value = parse_size(text)
    assert value == expected
    assert isinstance(value, int)


@pytest.mark.parametrize(
    ("parse", "text", "expected"),
    [
        (parse_bandwidth, "1 GB/s", 1e9),
        (parse_bandwidth, "1 GiB/s", 2.0**30),
        (parse_bandwidth, "0.5 GB/s", 5e8),
        (parse_bandwidth, "256 MB/s", 2.56e8),
        (parse_bandwidth, "8 Gbit/s", 1e9),  # 8e9 bits/s / 8
        (parse_bandwidth, "100 B/s", 100.0),
        (parse_bandwidth, 1e9, 1e9),
        (parse_compute_rate, "1 TFLOPS", 1e12),
        (parse_compute_rate, "10 GFLOPS", 1e10),
        (parse_compute_rate, "10 GOPS", 1e10),
        (parse_compute_rate, "4 TOPS", 4e12),
        (parse_compute_rate, "1e12 FLOP/s", 1e12),
        (parse_compute_rate, "2.5 GOP/s", 2.5e9),
        (parse_compute_rate, "1 PFLOPS", 1e15),
        (parse_compute_rate, "1e12", 1e12),
        (parse_frequency, "1 GHz", 1e9),
        (parse_frequency, "800 MHz", 8e8),
        (parse_frequency, "32 kHz", 3.2e4),
        (parse_frequency, "50 Hz", 50.0),
        (parse_time, "100 ns", 1e-7),
        (parse_time, "0 s", 0.0),
        (parse_time, "1.5 us", 1.5e-6),
        (parse_time, "1.5 \u00b5s", 1.5e-6),  # micro sign
        (parse_time, "1.5 \u03bcs", 1.5e-6),  # Greek mu
        (parse_time, "2 ms", 2e-3),
        (parse_time, "10 ps", 1e-11),
        (parse_time, 0, 0.0),
        (parse_energy, "0.2 pJ", 2e-13),
        (parse_energy, "1.3 nJ", 1.3e-9),
        (parse_energy, "5 fJ", 5e-15),
        (parse_energy, "1 uJ", 1e-6),
        (parse_energy, "3 mJ", 3e-3),
        (parse_energy, "1 J", 1.0),
        (parse_power, "8 nW", 8e-9),
        (parse_power, "2 mW", 2e-3),
    ],
)
def test_parse_quantity_units(parse: object, text: object, expected: float) -> None:
    assert callable(parse)
    value = parse(text)
    assert isinstance(value, float)
    # Decimal parsing then one float conversion: correctly rounded, so equal to the literal.
    assert value == expected


@pytest.mark.parametrize(
    ("parse", "value", "message"),
    [
        (parse_size, "1 MiBB", '"1 MiBB" is not a size; expected e.g. "1 MiB" or "1048576 B"'),
        (parse_size, "1 GB/z", '"1 GB/z" is not a size; expected e.g. "1 MiB" or "1048576 B"'),
        # a lone "b" is refused rather than guessed (bit or byte?): spell "Mbit" or "MB"
        (parse_size, "8 Mb", '"8 Mb" is not a size; expected e.g. "1 MiB" or "1048576 B"'),
        (parse_size, "1 mB", '"1 mB" is not a size; expected e.g. "1 MiB" or "1048576 B"'),
        (parse_size, "MB", '"MB" is not a size; expected e.g. "1 MiB" or "1048576 B"'),
        (parse_size, "", '"" is not a size; expected e.g. "1 MiB" or "1048576 B"'),
        (parse_size, "1 GB/s", '"1 GB/s" is not a size; expected e.g. "1 MiB" or "1048576 B"'),
        (
            parse_size,
            "0.5 B",
            '"0.5 B" is not a whole number of bytes; expected e.g. "1 MiB" or "1048576 B"',
        ),
        (
            parse_size,
            "3 bit",
            '"3 bit" is not a whole number of bytes; expected e.g. "1 MiB" or "1048576 B"',
        ),
        (parse_size, True, 'true is not a size; expected e.g. "1 MiB" or "1048576 B"'),
        (parse_size, None, 'null is not a size; expected e.g. "1 MiB" or "1048576 B"'),
        (parse_size, [1], '[1] is not a size; expected e.g. "1 MiB" or "1048576 B"'),
        (parse_size, math.inf, 'inf is not a size; expected e.g. "1 MiB" or "1048576 B"'),
        (parse_bandwidth, "1 GB", '"1 GB" is not a bandwidth; expected e.g. "1 GB/s" or "1 GiB/s"'),
        (
            parse_bandwidth,
            "1 Gbps",
            '"1 Gbps" is not a bandwidth; expected e.g. "1 GB/s" or "1 GiB/s"',
        ),
        (
            parse_compute_rate,
            "1 TFLOP",
            '"1 TFLOP" is not a compute rate; expected e.g. "1 TFLOPS" or "10 GOPS"',
        ),
        (
            parse_compute_rate,
            "1 TiFLOPS",  # binary prefixes make no sense for rates
            '"1 TiFLOPS" is not a compute rate; expected e.g. "1 TFLOPS" or "10 GOPS"',
        ),
        (
            parse_frequency,
            "1 GHZ",
            '"1 GHZ" is not a frequency; expected e.g. "1 GHz" or "800 MHz"',
        ),
        (parse_time, "100 nsec", '"100 nsec" is not a time; expected e.g. "100 ns" or "1.5 us"'),
        (parse_time, "1 Ms", '"1 Ms" is not a time; expected e.g. "100 ns" or "1.5 us"'),
        (parse_energy, "0.2 pj", '"0.2 pj" is not an energy; expected e.g. "0.2 pJ" or "1.3 nJ"'),
        (parse_energy, "1 eV", '"1 eV" is not an energy; expected e.g. "0.2 pJ" or "1.3 nJ"'),
    ],
)
def test_parse_rejects_with_example(parse: object, value: object, message: str) -> None:
    assert callable(parse)
    with pytest.raises(UnitError, match=f"^{re.escape(message)}$"):
        parse(value)


def test_unit_error_is_config_error_and_value_error() -> None:
    # ConfigError: the CLI reports a user error (exit 2); ValueError: pydantic reports the field
    assert issubclass(UnitError, ConfigError)
    assert issubclass(UnitError, ValueError)


def test_parse_keeps_sign_for_the_caller_to_judge() -> None:
    # units only parses; positivity is a schema rule (hardware.py), where the field is known
    assert parse_size("-1 KiB") == -1024
    assert parse_time("-5 ns") == -5e-9


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        ("size", ["1 MiB", "64 kB", "1e6", "8 Mbit", "+2 GB"], ["1 MiBB", "-1 MB", "1 Mb", "MB"]),
        ("bandwidth", ["1 GB/s", "0.5GB/s"], ["1 GB", "1 Gbps"]),
        ("compute_rate", ["1 TFLOPS", "10 GOPS", "1e12 FLOP/s"], ["1 TFLOP"]),
        ("frequency", ["1 GHz", "800 MHz"], ["1 GHZ"]),
        ("time", ["0 s", "1.5 \u00b5s", "100 ns"], ["100 nsec"]),
        ("energy", ["0.2 pJ", "1.3 nJ"], ["0.2 pj"]),
    ],
)
def test_unit_pattern_agrees_with_parser(kind: str, good: list[str], bad: list[str]) -> None:
    pattern = re.compile(unit_pattern(kind))
    assert all(pattern.match(text) for text in good)
    assert not any(pattern.match(text) for text in bad)


@pytest.mark.parametrize(
    ("nbytes", "binary", "expected"),
    [
        (512, False, "512 B"),
        (999, False, "999 B"),
        (1000, False, "1 kB"),
        (996_424, False, "996.4 kB"),  # Table 3 layer 24, 4 significant digits
        (1_000_000, False, "1 MB"),
        (1_017_160, False, "1.017 MB"),
        (999_999_999, False, "1 GB"),  # rounds to 1000 MB, so promoted to 1 GB
        (1023, True, "1023 B"),
        (1024, True, "1 KiB"),
        (1_048_576, True, "1 MiB"),
        (1_000_000, True, "976.6 KiB"),  # 10^6 / 1024 = 976.5625
        (0, False, "0 B"),
    ],
)
def test_format_bytes(nbytes: int, binary: bool, expected: str) -> None:
    assert format_bytes(nbytes, binary=binary) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (2.568e-6, "2.568 \u00b5s"),  # Table 4: 2,568 bytes at 1 GB/s
        (565e-6, "565 \u00b5s"),
        (0.0015, "1.5 ms"),
        (1e-9, "1 ns"),
        (0.0, "0 s"),
        (2.5, "2.5 s"),
        (120.0, "120 s"),  # seconds never become "ks"
    ],
)
def test_format_seconds(seconds: float, expected: str) -> None:
    assert format_seconds(seconds) == expected


def test_format_rate_energy_and_si() -> None:
    assert format_rate(1e9) == "1 GB/s"
    assert format_rate(1e12, "FLOPS") == "1 TFLOPS"
    assert format_rate(1e10, "FLOPS") == "10 GFLOPS"
    assert format_rate(1.5e9, "Hz") == "1.5 GHz"
    assert format_energy(2.3e-13) == "230 fJ"  # 0.23 pJ = 230 fJ
    assert format_energy(1.3e-9) == "1.3 nJ"
    assert format_si(-2e-6, "s") == "-2 \u00b5s"
    assert format_si(999_999.9, "Hz") == "1 MHz"  # 999.9999 kHz rounds to 1000 kHz -> 1 MHz


@given(st.integers(min_value=1, max_value=10**14))
def test_format_bytes_round_trips_within_display_precision(nbytes: int) -> None:
    # 4 significant digits of a value >= 1000 scaled by 10^3k is a whole byte count, so it parses;
    # rounding to the 4th digit is off by at most 5e-4 relative
    parsed = parse_size(format_bytes(nbytes))
    assert abs(parsed - nbytes) <= 5e-4 * nbytes


@given(st.floats(min_value=1e-15, max_value=1e3, allow_nan=False))
def test_format_seconds_round_trips(seconds: float) -> None:
    assert math.isclose(parse_time(format_seconds(seconds)), seconds, rel_tol=5e-4)


@pytest.mark.parametrize(
    ("nbytes", "binary"),
    [
        (256 * 1024, True),  # "256 KiB" = 262,144 B, not "262.1 kB"
        (2**20, True),  # "1 MiB"
        (10**6, False),  # "1 MB"
        (1000 * 1024, False),  # both a KiB and a kB multiple: decimal, "1.024 MB"
        (512, False),  # under 1 KiB: bytes either way
        (0, False),
    ],
)
def test_is_binary_size_reads_back_the_unit_family_written(nbytes: int, binary: bool) -> None:
    assert is_binary_size(nbytes) is binary
