"""The sweep's maths against formulas written here, over random grids of made-up results.

Each grid has two or three numeric axes with random values (listed in random order, so label
order is not value order), random latencies, energies, SRAM sizes and bounds, some points
invalid, and a random base machine (on or off the grid). Independently of accelsim's code:
ranking sorts by (latency, energy, index); both Pareto fronts are found by checking every pair;
the base point takes each axis's value nearest in ratio to the machine's; neighbours are the
next value up and down in value order; changes are x1/x0 - 1 and elasticities ln ratios; the
regime map holds the other axes at the best point.
"""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path

import pytest

from accelsim.hardware_file import with_overrides
from accelsim.sweep.explain import elasticities, references, regime_map
from accelsim.sweep.grid import parse_set
from accelsim.sweep.outputs import rank
from accelsim.sweep.results import Metrics, PointResult
from accelsim.sweep.runner import SweepOutcome
from accelsim.sweep.spec import SweepSpec
from tests.sim.toy import toy_machine

AXES = {"sram.capacity": ("B", 1.0), "bus.bandwidth": ("GB/s", 1e9), "ddr.bandwidth": ("GB/s", 1e9)}
"""Axis path -> (unit written in its labels, its value per unit number)."""
BASE = {"sram.capacity": 10_000.0, "bus.bandwidth": 1e9, "ddr.bandwidth": 100e9}
"""The toy machine's own values."""


def _grid(seed: int, tmp_path: Path):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    paths = rng.sample(list(AXES), rng.choice([2, 3]))
    numbers: dict[str, dict[str, float]] = {}
    for path in paths:
        unit, scale = AXES[path]
        base = BASE[path] / scale
        picks = rng.sample(
            [0.25, 0.5, 1, 1.5, 2, 3, 4, 8], rng.randint(1 if path != paths[0] else 2, 5)
        )
        values = sorted({round(base * p, 3) for p in picks}, key=lambda _: rng.random())
        numbers[path] = {f"{v:g}{unit}": v * scale for v in values}
    axes = tuple(parse_set(f"{path}=" + ",".join(numbers[path])) for path in paths)
    results, table = [], {}
    for index, labels in enumerate(itertools.product(*(list(numbers[p]) for p in paths))):
        settings = tuple(zip(paths, labels, strict=True))
        if rng.random() < 0.15:
            results.append(PointResult("k", index, settings, "invalid", "made up"))
            continue
        values = dict.fromkeys(Metrics.__dataclass_fields__, 0)
        cycles = rng.choice([rng.randint(500, 5000), 1000])  # ties on latency happen
        metrics = {"latency_cycles": cycles, "latency_s": cycles * 1e-9,
                   "energy_j": rng.choice([rng.uniform(1, 20), 5.0]) * 1e-6,
                   "sram_capacity_bytes": rng.choice([4096, 8192, 16384]), "floor_bound": "bus",
                   "bound": rng.choice(["bus", "matrix", "vector"])}  # fmt: skip
        values.update(metrics)
        results.append(PointResult("k", index, settings, "ok", metrics=Metrics(**values)))
        table[settings] = metrics
    outcome = SweepOutcome(name="t", folder=tmp_path, spec=SweepSpec(), axes=axes,
                           results=tuple(results), computed=len(results), reused=0)  # fmt: skip
    base_values = dict(BASE)
    overrides = {}
    for path in paths:
        if rng.random() < 0.5:  # move the base machine off (or onto) the grid
            unit, scale = AXES[path]
            value = round(BASE[path] / scale * rng.choice([0.3, 0.7, 1.2, 2.5, 5]), 3)
            overrides[path] = f"{value:g}{unit}"
            base_values[path] = value * scale
    machine = with_overrides(toy_machine(), overrides) if overrides else toy_machine()
    return outcome, machine, paths, numbers, table, base_values


def _dominated(a: tuple[float, float], points: list[tuple[float, float]]) -> bool:
    return any(p[0] <= a[0] and p[1] <= a[1] and p != a for p in points)


SEEDS = range(40)


@pytest.mark.parametrize("seed", SEEDS)
def test_ranking_and_both_fronts(seed: int, tmp_path: Path) -> None:
    outcome, _, _, _, _, _ = _grid(seed, tmp_path)
    ok = [r for r in outcome.results if r.metrics is not None]
    ranked = rank(outcome.results)
    want = sorted(ok, key=lambda r: (r.metrics.latency_cycles, r.metrics.energy_j, r.index))  # type: ignore[union-attr]
    assert [p.result.index for p in ranked] == [r.index for r in want]
    energy = [(r.metrics.latency_cycles, r.metrics.energy_j) for r in ok]  # type: ignore[union-attr]
    sram = [(r.metrics.latency_cycles, r.metrics.sram_capacity_bytes) for r in ok]  # type: ignore[union-attr]
    fronts = {r.index: (not _dominated(e, energy), not _dominated(s, sram))
              for r, e, s in zip(ok, energy, sram, strict=True)}  # fmt: skip
    got = {p.result.index: (p.front_energy, p.front_sram) for p in ranked}
    assert got == fronts


def _nearest(values: dict[str, float], own: float) -> str:
    return min(values, key=lambda label: (abs(math.log(values[label] / own)), label))


@pytest.mark.parametrize("seed", SEEDS)
def test_references_neighbours_and_elasticities(seed: int, tmp_path: Path) -> None:
    outcome, machine, paths, numbers, table, base = _grid(seed, tmp_path)
    ok = {r.settings: r for r in outcome.results if r.metrics is not None}
    if not ok:
        return
    best = min(ok.values(), key=lambda r: (r.metrics.latency_cycles, r.metrics.energy_j, r.index))  # type: ignore[union-attr]
    want_refs = [("best", best.index, True)]
    chosen = tuple((p, _nearest(numbers[p], base[p])) for p in paths)
    exact = all(numbers[p][label] == base[p] for p, label in chosen)
    if chosen in ok:
        want_refs.append(("base", ok[chosen].index, exact))
    got_refs = references(outcome, machine)
    assert [(r.name, r.index, r.exact) for r in got_refs] == want_refs
    want = []
    for name, settings in [("best", best.settings), *([("base", chosen)] if chosen in ok else [])]:
        here = table[settings]
        for number, path in enumerate(paths):
            values = numbers[path]
            if len(values) < 2:
                continue
            order = sorted(values, key=values.__getitem__)
            at = order.index(settings[number][1])
            for step in (at + 1, at - 1):
                if not 0 <= step < len(order):
                    continue
                moved = list(settings)
                moved[number] = (path, order[step])
                there = table.get(tuple(moved))
                if there is None:
                    continue
                x0, x1 = values[order[at]], values[order[step]]
                l0, l1 = here["latency_cycles"], there["latency_cycles"]
                e0, e1 = here["energy_j"], there["energy_j"]
                want.append((name, path, order[at], order[step], x1 / x0 - 1, l1 / l0 - 1,
                             e1 / e0 - 1, math.log(l1 / l0) / math.log(x1 / x0),
                             math.log(e1 / e0) / math.log(x1 / x0)))  # fmt: skip
    got = [(e.around, e.axis, e.start, e.end, e.change, e.latency, e.energy,
            e.latency_elasticity, e.energy_elasticity)
           for e in elasticities(outcome, machine)]  # fmt: skip
    assert [g[:4] for g in got] == [w[:4] for w in want]
    assert [g[4:] for g in got] == [pytest.approx(w[4:], rel=1e-9, abs=1e-12) for w in want]


@pytest.mark.parametrize("seed", SEEDS)
def test_the_regime_map_holds_the_other_axes_at_the_best_point(seed: int, tmp_path: Path) -> None:
    outcome, _, paths, numbers, table, _ = _grid(seed, tmp_path)
    varied = [p for p in paths if len(numbers[p]) > 1]
    ok = [r for r in outcome.results if r.metrics is not None]
    found = regime_map(outcome)
    if len(varied) < 2 or not ok:
        assert found is None
        return
    best = min(ok, key=lambda r: (r.metrics.latency_cycles, r.metrics.energy_j, r.index))  # type: ignore[union-attr]
    held = {p: label for p, label in best.settings if p not in varied[:2]}
    assert found is not None
    assert (found.rows.path, found.columns.path) == tuple(varied[:2])
    assert dict(found.held) == held
    cells = []
    for row in numbers[varied[0]]:
        line = []
        for column in numbers[varied[1]]:
            labels = {**held, varied[0]: row, varied[1]: column}
            point = table.get(tuple((p, labels[p]) for p in paths))
            line.append(point["bound"] if point else "")
        cells.append(tuple(line))
    assert found.cells == tuple(cells)
