"""The judge's bound on a layer's tiles (`check._check_sum`): n tiles each rounded up to whole
cycles take between the layer's whole cycles and n - 1 more, every edge by hand."""

from __future__ import annotations

from accelsim.check import _check_sum


def _lines(tiles: list[int], least: int) -> list[str]:
    problems: list[str] = []
    _check_sum("c", tiles, least, "compute(s)", problems)
    return problems


def test_one_tile_takes_exactly_the_layers_cycles():
    assert _lines([10], 10) == []
    assert _lines([11], 10) == ["layer c: 1 compute(s) took 11 cycles; its work takes 10"]
    assert _lines([9], 10) == ["layer c: 1 compute(s) took 9 cycles; its work takes 10"]


def test_three_tiles_may_take_up_to_two_cycles_more_and_never_less():
    # 10 cycles of work in 3 tiles: each rounds up by under a cycle, so 10 to 12 in all
    assert _lines([4, 4, 2], 10) == []
    assert _lines([4, 4, 4], 10) == []
    assert _lines([4, 4, 5], 10) == [
        "layer c: 3 compute(s) took 13 cycles; its work takes 10 to 12"
    ]
    assert _lines([3, 3, 3], 10) == ["layer c: 3 compute(s) took 9 cycles; its work takes 10 to 12"]
