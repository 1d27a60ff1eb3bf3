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
