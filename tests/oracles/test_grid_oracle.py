"""Sweep ranges and grids against sequences worked out here, over random ranges: geometric
START..STOP:xF is start·F^k up to STOP, arithmetic START..STOP:+S is start + k·S, both inclusive
of a STOP a step lands on; each label reads back as its value in the field's unit; a grid is
every combination, the last axis fastest, indexed in that order."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

import pytest

from accelsim import units
from accelsim.sweep.grid import expand, parse_set

FIELDS = {
    "sram.capacity": ("size", "B", units.parse_size),
    "bus.bandwidth": ("bandwidth", "GB/s", units.parse_bandwidth),
    "ddr.latency": ("time", "ns", units.parse_time),
}


def _expected(start: Fraction, stop: Fraction, step: Fraction, geometric: bool) -> list[Fraction]:
    values, k = [], 0
    while True:
        value = start * step**k if geometric else start + k * step
        if value > stop:
            return values
        values.append(value)
        k += 1


@pytest.mark.parametrize("seed", range(60))
def test_ranges_expand_to_their_sequences(seed: int) -> None:
    rng = random.Random(seed)
    path = rng.choice(list(FIELDS))
    kind, unit, parse = FIELDS[path]
    geometric = rng.random() < 0.5
    if kind == "size":
        binary = rng.random() < 0.5
        unit = "KiB" if binary else "kB"
        scale = 1024 if binary else 1000
    else:
        scale = 10**9 if unit == "GB/s" else Fraction(1, 10**9)
    start = Fraction(rng.choice([1, 2, 3, 4, 8, 16]))
    step = Fraction(rng.choice([2, 3, 4])) if geometric else Fraction(rng.choice([1, 2, 4, 8]))
    stop = start * step ** rng.randint(0, 4) if geometric else start + step * rng.randint(0, 6)
    if rng.random() < 0.4:
        stop += Fraction(1, 2)  # a STOP no step lands on
    text = f"{start}{unit}..{float(stop):g}{unit}:{'x' if geometric else '+'}"
    text += f"{step}" if geometric else f"{step}{unit}"
    axis = parse_set(f"{path}={text}")
    want = [v * scale for v in _expected(start, Fraction(f"{float(stop):g}"), step, geometric)]
    got = [s.value for s in axis.settings]
    assert got == pytest.approx([float(v) for v in want], rel=1e-9), text
    assert all(isinstance(v, int) for v in got) if kind == "size" else True
    for setting in axis.settings:  # labels read back as the values, to four digits
        assert parse(setting.label) == pytest.approx(setting.value, rel=5e-4), setting
        if kind == "size":  # in the unit family the range was written in
            assert ("iB" in setting.label) == (binary and setting.value >= 1024), setting


@pytest.mark.parametrize("seed", range(20))
def test_grids_are_every_combination_last_axis_fastest(seed: int) -> None:
    rng = random.Random(seed)
    paths = rng.sample(list(FIELDS), rng.randint(1, 3))
    axes = []
    for path in paths:
        labels = [f"{rng.randint(1, 64)}{FIELDS[path][1]}" for _ in range(rng.randint(1, 4))]
        axes.append(parse_set(f"{path}=" + ",".join(dict.fromkeys(labels))))
    points = expand(axes)
    combos = list(itertools.product(*(axis.settings for axis in axes)))
    assert [p.index for p in points] == list(range(len(combos)))
    assert [p.settings for p in points] == combos
    assert len({p.key for p in points}) == len(points)
