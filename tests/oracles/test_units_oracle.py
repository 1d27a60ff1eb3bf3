"""Quantities against a table written here: every unit of every kind, with its prefix, times
random mantissas; the schema's pattern accepts exactly what the parser accepts; and what the
formatters print reads back as the value, to their digits, with a mantissa in [1, 1000)."""

from __future__ import annotations

import random
import re
from decimal import Decimal

import pytest

from accelsim import units

DECIMAL = {"": 1, "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
SMALL = {
    "": "1",
    "m": "1e-3",
    "u": "1e-6",
    "\u00b5": "1e-6",
    "\u03bc": "1e-6",
    "n": "1e-9",
    "p": "1e-12",
    "f": "1e-15",
}


def _table() -> dict[str, dict[str, Decimal]]:
    """kind -> unit -> its size in the kind's base unit (B, B/s, OP/s, Hz, s, J, W)."""
    size = {p + "B": Decimal(m) for p, m in {**DECIMAL, **BINARY}.items()}
    size |= {p + "bit": Decimal(m) / 8 for p, m in {**DECIMAL, **BINARY}.items()}
    size |= {"byte": Decimal(1), "bytes": Decimal(1), "bits": Decimal(1) / 8}
    bandwidth = {p + "B/s": Decimal(m) for p, m in {**DECIMAL, **BINARY}.items()}
    bandwidth |= {p + "bit/s": Decimal(m) / 8 for p, m in {**DECIMAL, **BINARY}.items()}
    compute = {
        p + u: Decimal(m)
        for p, m in {**DECIMAL, "P": 10**15}.items()
        for u in ("FLOPS", "FLOP/s", "OPS", "OP/s")
    }
    frequency = {
        p + "Hz": Decimal(m) for p, m in {"": 1, "k": 10**3, "M": 10**6, "G": 10**9}.items()
    }
    small = {
        kind: {p + u: Decimal(m) for p, m in SMALL.items()}
        for kind, u in (("time", "s"), ("energy", "J"), ("power", "W"))
    }
    return {
        "size": size,
        "bandwidth": bandwidth,
        "compute_rate": compute,
        "frequency": frequency,
        **small,
    }


TABLE = _table()
PARSERS = {
    "size": units.parse_size,
    "bandwidth": units.parse_bandwidth,
    "compute_rate": units.parse_compute_rate,
    "frequency": units.parse_frequency,
    "time": units.parse_time,
    "energy": units.parse_energy,
    "power": units.parse_power,
}
RANGES = {
    "size": (1, 2**50),
    "bandwidth": (1, Decimal("1e18")),
    "compute_rate": (1, Decimal("1e21")),
    "frequency": (1, Decimal("1e12")),
    "time": (Decimal("1e-15"), Decimal("1e6")),
    "energy": (Decimal("1e-21"), 1),
    "power": (Decimal("1e-21"), Decimal("1e6")),
}


@pytest.mark.parametrize("kind", list(TABLE))
def test_every_unit_times_random_numbers(kind: str) -> None:
    rng = random.Random(kind)
    parse, (low, high) = PARSERS[kind], RANGES[kind]
    pattern = re.compile(units.unit_pattern(kind))
    for unit, scale in TABLE[kind].items():
        for _ in range(12):
            number = Decimal(rng.choice(["1", "8", "0.5", "2.25", "1e3", "3e-2", "1024", ".5"]))
            text = f"{number}{rng.choice(['', ' '])}{unit}"
            value = number * scale
            ok = value == 0 or low <= value <= high
            if kind == "size":
                ok = ok and value == value.to_integral_value()
            assert pattern.fullmatch(text), text
            if ok:
                want = int(value) if kind == "size" else float(value)
                assert parse(text) == want, text
            else:
                with pytest.raises(units.UnitError):
                    parse(text)


@pytest.mark.parametrize("kind", list(TABLE))
def test_the_pattern_refuses_what_the_parser_refuses(kind: str) -> None:
    pattern = re.compile(units.unit_pattern(kind))
    unit = next(iter(TABLE[kind]))
    for text in (f"1 {unit}x", f"x{unit}", f"1 {unit} {unit}", "1 parsecs", "--1", "1..2"):
        assert not pattern.fullmatch(text), text
        with pytest.raises(units.UnitError):
            PARSERS[kind](text)


def test_formatted_values_read_back_with_a_mantissa_in_1_to_1000() -> None:
    rng = random.Random(0)
    prefixes = {
        "P": 1e15,
        "T": 1e12,
        "G": 1e9,
        "M": 1e6,
        "k": 1e3,
        "": 1.0,
        "m": 1e-3,
        "\u00b5": 1e-6,
        "n": 1e-9,
        "p": 1e-12,
        "f": 1e-15,
    }
    edges = [999.99996 * 10.0**e for e in range(-15, 13, 3)]  # print as "1 <next prefix>"
    for i in range(2000 + len(edges)):
        value = edges[i - 2000] if i >= 2000 else rng.choice([1, -1]) * 10 ** rng.uniform(-14, 16)
        text = units.format_si(value, "J")
        number, unit = text.split(" ")
        scale = prefixes[unit[:-1]]
        assert 1 <= abs(float(number)) < 1000 or unit == "PJ" or unit == "fJ", text
        assert float(number) * scale == pytest.approx(value, rel=5e-4), text
        nbytes = rng.choice([rng.randint(0, 10**15), 999_999_999, 1024**3 - 1, 999_999])
        for binary, base, names in (
            (False, 1000, ["", "k", "M", "G", "T", "P"]),
            (True, 1024, ["", "Ki", "Mi", "Gi", "Ti", "Pi"]),
        ):
            shown = units.format_bytes(nbytes, binary=binary)
            number, unit = shown.split(" ")
            power = names.index(unit[:-1])
            assert float(number) * base**power == pytest.approx(nbytes, rel=5e-4, abs=0.5), shown
            assert float(number) < base or unit[:-1] == names[-1], shown
            assert power == 0 or float(number) >= 1, shown
    assert units.is_binary_size(256 * 1024) and not units.is_binary_size(10**6)
    assert not units.is_binary_size(1024 * 1000) and not units.is_binary_size(0)
