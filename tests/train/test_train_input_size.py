"""The resolution multiplier gives the nearest whole input side: rho = k/28 written as a decimal
(as `--rho` takes it) is k pixels, not k - 1 when the product falls a hair below k (4 pixels
is the least the network takes)."""

from __future__ import annotations

import pytest

from accelsim.train.model import MobileNetSpec


@pytest.mark.parametrize("side", range(4, 29))
def test_rho_written_to_ten_places_gives_its_side(side):
    rho = float(f"{side / 28:.10f}")  # 8/28 -> 0.2857142857: 28 x rho = 7.9999999996
    assert MobileNetSpec(alpha=1.0, rho=rho).input_size == side


def test_a_rho_between_sides_takes_the_nearest():
    # 28 x 0.6 = 16.8 -> 17; 28 x 0.3 = 8.4 -> 8
    assert MobileNetSpec(alpha=1.0, rho=0.6).input_size == 17
    assert MobileNetSpec(alpha=1.0, rho=0.3).input_size == 8
