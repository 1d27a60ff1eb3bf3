"""Arc elasticities worked out by hand: ln(1 + relative change of the figure) over
ln(1 + relative change of the knob), for latency and energy alike."""

from __future__ import annotations

import math

import pytest

from accelsim.sweep.explain import Elasticity


def test_quadrupling_a_knob_that_halves_latency_and_doubles_energy() -> None:
    # x4 on the knob (+300 %): latency x0.5 -> ln 0.5 / ln 4 = -0.5; energy x2 -> ln 2 / ln 4 = 0.5
    step = Elasticity(around="best", axis="bus.bandwidth", start="1 GB/s", end="4 GB/s",
                      change=3.0, latency=-0.5, energy=1.0)  # fmt: skip
    assert step.latency_elasticity == pytest.approx(-0.5)
    assert step.energy_elasticity == pytest.approx(0.5)
    # a knob halved (-50 %) that adds 10 % energy: ln 1.1 / ln 0.5
    down = Elasticity(around="base", axis="sram.capacity", start="2 MB", end="1 MB",
                      change=-0.5, latency=0.0, energy=0.1)  # fmt: skip
    assert down.energy_elasticity == pytest.approx(math.log(1.1) / math.log(0.5))
    assert down.latency_elasticity == 0


def test_neighbours_follow_the_knobs_values_not_their_labels(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from accelsim.sweep.explain import elasticities
    from tests.explain.test_sweep_explain import _outcome
    from tests.sim.toy import toy_machine

    # SRAM 5000, 10000 and 20000 B: as text "10000B" < "20000B" < "5000B", but by value the
    # base (the toy's 10,000 B, 1 GB/s: 1000 cycles, 11 uJ) sits between its two neighbours
    sizes = ("5000B", "10000B", "20000B")
    table = {("5000B", "1GB/s"): (1200, 9.0, "bus"), ("10000B", "1GB/s"): (1000, 11.0, "bus"),
             ("20000B", "1GB/s"): (950, 12.0, "bus")}  # fmt: skip
    outcome = _outcome(tmp_path, table, first=("sram.capacity", sizes))
    steps = {e.end: e for e in elasticities(outcome, toy_machine())
             if (e.around, e.axis) == ("base", "sram.capacity")}  # fmt: skip
    assert sorted(steps) == ["20000B", "5000B"]
    assert (steps["5000B"].change, steps["5000B"].latency) == pytest.approx((-0.5, 0.2))
    assert (steps["20000B"].change, steps["20000B"].latency) == pytest.approx((1.0, -0.05))
