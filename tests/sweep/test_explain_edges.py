"""The sweep explanation at its edges, on made-up results (no simulation): a base machine
exactly between two grid values, and neighbours found in value order whatever order the values
were given in. Expected points and changes are worked out by hand in the comments."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from accelsim.sweep.explain import elasticities, references
from accelsim.sweep.grid import parse_set
from accelsim.sweep.results import Metrics, PointResult
from accelsim.sweep.runner import SweepOutcome
from accelsim.sweep.spec import SweepSpec
from tests.sim.toy import toy_machine

# toy machine: bus 1 GB/s, SRAM 10,000 B. Latency (cycles), energy (uJ) per bus label.
CYCLES = {"0.5GB/s": 2000, "1GB/s": 1000, "2GB/s": 600, "4GB/s": 500}
ENERGY = {"0.5GB/s": 8.0, "1GB/s": 10.0, "2GB/s": 15.0, "4GB/s": 20.0}


def _outcome(tmp_path: Path, bus: tuple[str, ...], invalid: str = "") -> SweepOutcome:
    """One point per bus label (in the order given), SRAM fixed at the toy's 10000B; the point
    at label `invalid` did not run."""
    axes = (parse_set("sram.capacity=10000B"), parse_set("bus.bandwidth=" + ",".join(bus)))
    results = []
    for index, (sram, label) in enumerate(itertools.product(["10000B"], bus)):
        values = dict.fromkeys(Metrics.__dataclass_fields__, 0)
        values.update(latency_cycles=CYCLES[label], latency_s=CYCLES[label] * 1e-9,
                      energy_j=ENERGY[label] * 1e-6, floor_bound="bus", bound="bus")  # fmt: skip
        settings = (("sram.capacity", sram), ("bus.bandwidth", label))
        if label == invalid:
            results.append(PointResult("k", index, settings, "invalid", "made up"))
            continue
        results.append(PointResult("k", index, settings, "ok", metrics=Metrics(**values)))
    return SweepOutcome(name="t", folder=tmp_path, spec=SweepSpec(), axes=axes,
                        results=tuple(results), computed=len(results), reused=0)  # fmt: skip


@pytest.mark.parametrize("bus", [("0.5GB/s", "2GB/s"), ("2GB/s", "0.5GB/s")])
def test_a_base_value_exactly_between_two_grid_values_picks_the_same_one_either_order(
    tmp_path, bus
):
    # the toy's 1 GB/s is 2x from both 0.5 GB/s and 2 GB/s: a tie in ratio, broken by the label
    # ("0.5GB/s" < "2GB/s"), never by the order the values were listed in
    found = {r.name: r for r in references(_outcome(tmp_path, bus), toy_machine())}
    assert dict(found["base"].settings)["bus.bandwidth"] == "0.5GB/s"
    assert found["base"].exact is False
    assert dict(found["best"].settings)["bus.bandwidth"] == "2GB/s"  # 600 cycles


def test_neighbours_are_taken_in_value_order_not_in_the_order_given(tmp_path):
    # listed 4, 0.5, 2, 1 GB/s; in value order 0.5 < 1 < 2 < 4. Around the base (1 GB/s:
    # 1000 cycles, 10 uJ) the steps are to 2 GB/s (600 cycles, 15 uJ) and 0.5 GB/s (2000, 8)
    outcome = _outcome(tmp_path, ("4GB/s", "0.5GB/s", "2GB/s", "1GB/s"))
    steps = {(e.around, e.end): e for e in elasticities(outcome, toy_machine())}
    base = {end for around, end in steps if around == "base"}
    assert base == {"2GB/s", "0.5GB/s"}
    up, down = steps[("base", "2GB/s")], steps[("base", "0.5GB/s")]
    assert (up.start, up.change, up.latency, up.energy) == pytest.approx(
        ("1GB/s", 1.0, -0.4, 0.5))  # fmt: skip
    assert (down.change, down.latency, down.energy) == pytest.approx((-0.5, 1.0, -0.2))
    # around the best (4 GB/s: 500 cycles, 20 uJ) only a step down, to 2 GB/s
    best = [(e.end, e.change, e.latency) for e in steps.values() if e.around == "best"]
    assert best == [("2GB/s", pytest.approx(-0.5), pytest.approx(0.2))]


def test_a_base_point_that_did_not_run_is_no_reference(tmp_path):
    # the toy's own 1 GB/s is in the grid but its point is invalid: only the best (2 GB/s,
    # 600 cycles) is a reference, and its one neighbour (1 GB/s) has nothing to compare with
    outcome = _outcome(tmp_path, ("0.5GB/s", "1GB/s", "2GB/s"), invalid="1GB/s")
    assert [r.name for r in references(outcome, toy_machine())] == ["best"]
    assert elasticities(outcome, toy_machine()) == []
