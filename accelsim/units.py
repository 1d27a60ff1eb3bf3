"""Parse and format physical quantities the way people write them ("1 MiB", "1 GB/s", "1 TFLOPS").

Every parser returns a plain SI number (bytes, bytes/s, ops/s, Hz, s, J). A plain YAML number
(int or float) or a bare numeric string ("1e12", which YAML 1.1 reads as a string) means the base
unit. Prefixes are strict on purpose: `k`/`K`, `M`, `G`, `T` are powers of 1000 and `Ki`, `Mi`,
`Gi`, `Ti` powers of 1024, so "1 MB" is 10^6 bytes and "1 MiB" is 2^20 bytes. Bits are only
accepted spelled out ("8 Mbit", "1 Gbit/s"): a lone lower-case "b" is too easily a typo for "B".
Numbers are parsed with `Decimal`, so "1.1 MB" is exactly 1,100,000 bytes.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from accelsim.errors import ConfigError

__all__ = [
    "SANE_RANGES",
    "UnitError",
    "format_bytes",
    "format_energy",
    "format_rate",
    "format_seconds",
    "format_si",
    "is_binary_size",
    "parse_bandwidth",
    "parse_compute_rate",
    "parse_energy",
    "parse_frequency",
    "parse_power",
    "parse_size",
    "parse_time",
    "show_value",
    "unit_pattern",
]


class UnitError(ConfigError, ValueError):
    """A value is not a quantity of the expected kind.

    Also a `ValueError` so pydantic validators can raise it and report the field; the message
    carries no file or field, the caller adds them.
    """


_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_QUANTITY = re.compile(rf"^\s*(?P<number>{_NUMBER})\s*(?P<unit>\S*?)\s*$")

_DECIMAL_PREFIXES = {"": 1, "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_BINARY_PREFIXES = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
_BYTE_PREFIXES = {**_DECIMAL_PREFIXES, **_BINARY_PREFIXES}
_SMALL_PREFIXES = {
    "": Decimal(1),
    "m": Decimal("1e-3"),
    "u": Decimal("1e-6"),
    "\u00b5": Decimal("1e-6"),  # micro sign
    "\u03bc": Decimal("1e-6"),  # Greek mu
    "n": Decimal("1e-9"),
    "p": Decimal("1e-12"),
    "f": Decimal("1e-15"),
}


def _with_prefixes(
    prefixes: dict[str, int] | dict[str, Decimal], *units: str
) -> dict[str, Decimal]:
    return {p + u: Decimal(m) for p, m in prefixes.items() for u in units}


_SIZE_UNITS = {
    **_with_prefixes(_BYTE_PREFIXES, "B"),
    "byte": Decimal(1),
    "bytes": Decimal(1),
    **{k: v / 8 for k, v in _with_prefixes(_BYTE_PREFIXES, "bit").items()},
    "bits": Decimal(1) / 8,
}
_BANDWIDTH_UNITS = {
    **_with_prefixes(_BYTE_PREFIXES, "B/s"),
    **{k: v / 8 for k, v in _with_prefixes(_BYTE_PREFIXES, "bit/s").items()},
}
_COMPUTE_UNITS = _with_prefixes(
    {**_DECIMAL_PREFIXES, "P": 10**15}, "FLOPS", "FLOP/s", "OPS", "OP/s"
)
_FREQUENCY_UNITS = _with_prefixes({"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}, "Hz")
_TIME_UNITS = _with_prefixes(_SMALL_PREFIXES, "s")
_ENERGY_UNITS = _with_prefixes(_SMALL_PREFIXES, "J")
_POWER_UNITS = _with_prefixes(_SMALL_PREFIXES, "W")


SANE_RANGES: dict[str, tuple[Decimal, Decimal, str]] = {
    "size": (Decimal(1), Decimal(2**50), "1 B to 1024 TiB"),
    "bandwidth": (Decimal(1), Decimal("1e18"), "1 B/s to 1 EB/s"),
    "compute_rate": (Decimal(1), Decimal("1e21"), "1 OP/s to 1e21 OP/s"),
    "frequency": (Decimal(1), Decimal("1e12"), "1 Hz to 1 THz"),
    "time": (Decimal("1e-15"), Decimal("1e6"), "1 fs to 1e6 s"),
    "energy": (Decimal("1e-21"), Decimal(1), "1e-21 J to 1 J"),
    "power": (Decimal("1e-21"), Decimal("1e6"), "1e-21 W to 1 MW"),
}
"""Per kind, the smallest non-zero and the largest magnitude a parser accepts, and how to say it.

Zero stays allowed here (callers decide whether a field may be 0). Outside these a value is a
typo or an attack (`1e-320 GB/s`, `1e999999 B`): it would underflow to 0, overflow to infinity,
or give a machine whose latencies round to 0 or never end.
"""


def show_value(value: object) -> str:
    """Show a value as the user wrote it in YAML: strings quoted, `true`, `null`."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, int) and value.bit_length() > 100:  # repr of 10**5000 would fail
        digits = int((value.bit_length() - 1) * math.log10(2)) + 1  # exact or one short
        return f"a {digits + (abs(value) >= 10**digits)}-digit number"
    return repr(value)


def _parse(value: object, kind: str, what: str, examples: str) -> Decimal:
    """`value` in the base unit as an exact Decimal within SANE_RANGES[kind] (or 0).

    Raises:
        UnitError: not a quantity of `kind` (named `what` in the message), or out of range.
    """
    return _in_range(
        _parse_unchecked(value, _UNITS_BY_KIND[kind], what, examples), value, kind, what
    )


def _in_range(number: Decimal, value: object, kind: str, what: str) -> Decimal:
    low, high, span = SANE_RANGES[kind]
    if number and not low <= abs(number) <= high:
        raise UnitError(
            f"{show_value(value)} is out of range for {what}; expected 0 or a value from {span}"
        )
    return number


def _parse_unchecked(value: object, units: dict[str, Decimal], what: str, examples: str) -> Decimal:
    """Return `value` in the base unit as an exact Decimal, or raise UnitError naming `what`."""
    problem = f"{show_value(value)} is not {what}; expected e.g. {examples}"
    if isinstance(value, bool):  # bool is an int subclass; `true` is never a quantity
        raise UnitError(problem)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UnitError(problem)
        return Decimal(repr(value))
    if not isinstance(value, str):
        raise UnitError(problem)
    match = _QUANTITY.match(value)
    if match is None or match["unit"] not in {**units, "": Decimal(1)}:
        raise UnitError(problem)
    try:
        return Decimal(match["number"]) * units.get(match["unit"], Decimal(1))
    except ArithmeticError:  # an exponent beyond Decimal's range ("1e9999999999 GB")
        raise UnitError(f"{show_value(value)} is out of range for {what}") from None


def parse_size(value: object) -> int:
    """Parse a size to whole bytes: "1 MB" = 10**6, "1 MiB" = 2**20, "8 Mbit" = 10**6.

    Raises:
        UnitError: not a size, or not a whole number of bytes ("0.5 B", "3 bit").
    """
    examples = '"1 MiB" or "1048576 B"'
    nbytes = _parse_unchecked(value, _SIZE_UNITS, "a size", examples)
    if nbytes != nbytes.to_integral_value():
        raise UnitError(
            f"{show_value(value)} is not a whole number of bytes; expected e.g. {examples}"
        )
    return int(_in_range(nbytes, value, "size", "a size"))


def parse_bandwidth(value: object) -> float:
    """Parse a bandwidth to bytes/s: "1 GB/s" = 1e9, "1 GiB/s" = 2**30, "8 Gbit/s" = 1e9."""
    return float(_parse(value, "bandwidth", "a bandwidth", '"1 GB/s" or "1 GiB/s"'))


def parse_compute_rate(value: object) -> float:
    """Parse a compute rate to operations/s: "1 TFLOPS" = 1e12, "10 GOPS", "1e12 FLOP/s"."""
    return float(_parse(value, "compute_rate", "a compute rate", '"1 TFLOPS" or "10 GOPS"'))


def parse_frequency(value: object) -> float:
    """Parse a frequency to Hz: "1 GHz" = 1e9, "800 MHz" = 8e8."""
    return float(_parse(value, "frequency", "a frequency", '"1 GHz" or "800 MHz"'))


def parse_time(value: object) -> float:
    """Parse a duration to seconds: "100 ns" = 1e-7, "1.5 us" (or "1.5 µs") = 1.5e-6."""
    return float(_parse(value, "time", "a time", '"100 ns" or "1.5 us"'))


def parse_energy(value: object) -> float:
    """Parse an energy to joules: "0.2 pJ" = 2e-13, "1.3 nJ" = 1.3e-9."""
    return float(_parse(value, "energy", "an energy", '"0.2 pJ" or "1.3 nJ"'))


def parse_power(value: object) -> float:
    """Parse a power to watts: "8 nW" = 8e-9, "2 mW" = 2e-3."""
    return float(_parse(value, "power", "a power", '"8 nW" or "2 mW"'))


def unit_pattern(kind: str) -> str:
    """A regular expression (JSON Schema `pattern`) matching the strings `parse_<kind>` accepts.

    `kind` is one of size, bandwidth, compute_rate, frequency, time, energy, power. Signs are
    left out: every quantity in a hardware file is non-negative.
    """
    units = _UNITS_BY_KIND[kind]
    alternatives = "|".join(re.escape(u) for u in sorted(units, key=lambda u: (-len(u), u)))
    number = _NUMBER.removeprefix("[+-]?")
    return rf"^\s*\+?{number}\s*(?:{alternatives})?\s*$"


_UNITS_BY_KIND = {
    "size": _SIZE_UNITS,
    "bandwidth": _BANDWIDTH_UNITS,
    "compute_rate": _COMPUTE_UNITS,
    "frequency": _FREQUENCY_UNITS,
    "time": _TIME_UNITS,
    "energy": _ENERGY_UNITS,
    "power": _POWER_UNITS,
}

_SI_PREFIXES = [
    (1e15, "P"),
    (1e12, "T"),
    (1e9, "G"),
    (1e6, "M"),
    (1e3, "k"),
    (1.0, ""),
    (1e-3, "m"),
    (1e-6, "\u00b5"),
    (1e-9, "n"),
    (1e-12, "p"),
    (1e-15, "f"),
]


def format_si(value: float, unit: str, *, digits: int = 4) -> str:
    """Format `value` with the SI prefix giving a mantissa in [1, 1000): (2.5e-6, "s") -> "2.5 µs".

    `digits` significant digits, trailing zeros dropped. Zero prints as "0 <unit>".
    """
    if value == 0 or not math.isfinite(value):
        return f"{value:g} {unit}"
    magnitude = abs(value)
    for scale, prefix in _SI_PREFIXES:
        # NOTE: compare after rounding so 999.99995e3 prints as "1 M", not "1000 k".
        if float(f"{magnitude / scale:.{digits}g}") >= 1:
            return f"{value / scale:.{digits}g} {prefix}{unit}"
    scale, prefix = _SI_PREFIXES[-1]
    return f"{value / scale:.{digits}g} {prefix}{unit}"


def format_bytes(nbytes: float, *, binary: bool = False, digits: int = 4) -> str:
    """Format a byte count: 1_000_000 -> "1 MB"; with `binary`, 1_048_576 -> "1 MiB".

    Counts under 1000 (1024 for binary) print as whole bytes ("512 B").
    """
    base = 1024 if binary else 1000
    if abs(nbytes) < base:
        return f"{_significant(nbytes, digits)} B"
    prefixes = ["Ki", "Mi", "Gi", "Ti", "Pi"] if binary else ["k", "M", "G", "T", "P"]
    value = float(nbytes)
    for prefix in prefixes:
        value /= base
        text = _significant(value, digits)
        if abs(float(text)) < base or prefix == prefixes[-1]:
            return f"{text} {prefix}B"
    raise AssertionError("unreachable")  # pragma: no cover


def _significant(value: float, digits: int) -> str:
    """`value` to `digits` significant digits, or whole where that needs more (1000 to 1023
    of a binary unit at 3 digits: "1023", not "1.02e+03")."""
    text = f"{value:.{digits}g}"
    return f"{value:.0f}" if "e+" in text else text


def is_binary_size(nbytes: int) -> bool:
    """Whether a size was most likely written in binary units: 256 KiB yes, 1 MB and 1000 B no.

    Sizes are stored in bytes, so the unit family is read back from the number: a multiple of
    1024 that is not a multiple of 1000 reads as "256 KiB", not "262.1 kB".
    """
    return nbytes != 0 and nbytes % 1024 == 0 and nbytes % 1000 != 0


def format_seconds(seconds: float, *, digits: int = 4) -> str:
    """Format a duration with an automatic unit: 2.568e-6 -> "2.568 µs", 0.000565 -> "565 µs"."""
    if abs(seconds) >= 1:
        return f"{seconds:.{digits}g} s"
    return format_si(seconds, "s", digits=digits)


def format_rate(value: float, unit: str = "B/s", *, digits: int = 4) -> str:
    """Format a rate with an SI prefix: (1e9, "B/s") -> "1 GB/s", (1e12, "FLOPS") -> "1 TFLOPS"."""
    return format_si(value, unit, digits=digits)


def format_energy(joules: float, *, digits: int = 4) -> str:
    """Format an energy with an SI prefix: 2.3e-13 -> "230 fJ", 1.3e-9 -> "1.3 nJ"."""
    return format_si(joules, "J", digits=digits)
