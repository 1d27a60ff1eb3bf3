"""`tiling._choose` on hand-made scores (estimated cycles, bus bytes, tiles, compute cycles):
each rule of its docstring, one case apiece, with the SLACK (5 %) and TIE (0.2 %) margins."""

from __future__ import annotations

from accelsim.memory.tiling import BUFFERINGS, SLACK, TIE, _choose


def _pick(*keys: tuple[float, int, int, int]) -> str:
    scored = [(key, f"s{i}", BUFFERINGS[1]) for i, key in enumerate(keys)]
    return _choose(scored)[1]  # type: ignore[arg-type]


def test_the_margins_are_the_documented_ones():
    assert (SLACK, TIE) == (0.05, 0.002)


def test_the_fastest_split_is_taken_when_its_compute_is_within_slack():
    # s1 computes 104 against the least 100 (4 % over): the fastest stands
    assert _pick((120.0, 10, 2, 100), (110.0, 10, 2, 104)) == "s1"


def test_a_fastest_split_computing_over_slack_gives_way_to_the_fastest_lean_one():
    # s0 computes 120 (20 % over the least, 100): the lean ones are s1 (100) and s2 (104,
    # within 5 %); the faster of those, s2 at 103 cycles, is within 5 % of s0's 100: taken
    assert _pick((100.0, 10, 2, 120), (104.0, 10, 2, 100), (103.0, 10, 2, 104)) == "s2"


def test_a_lean_split_more_than_slack_slower_leaves_the_fastest():
    # the only lean split takes 106 cycles, 6 % over the fastest's 100: the fastest stands
    assert _pick((100.0, 10, 2, 120), (106.0, 10, 2, 100)) == "s0"


def test_within_the_tie_fewest_tiles_wins_among_splits_moving_and_computing_no_more():
    # the chosen s0 (100 cycles, 50 B, 8 tiles, compute 40); s1 within 0.2 % moving as much,
    # computing less, in 2 tiles: taken. s2 has 1 tile but moves more; s3 1 tile, computes
    # more; s4 1 tile, 0.3 % slower.
    keys = [(100.0, 50, 8, 40), (100.15, 50, 2, 39), (100.1, 51, 1, 40), (100.1, 50, 1, 41),
            (100.3, 50, 1, 40)]  # fmt: skip
    assert _pick(*keys) == "s1"


def test_a_tie_on_tiles_goes_to_the_faster_key():
    # s0 is within the tie, moves less and has as many tiles, but is slower than s1
    assert _pick((100.1, 40, 4, 40), (100.0, 50, 4, 40)) == "s1"
    # equal times: the one moving fewer bytes (the key's next field)
    assert _pick((100.0, 50, 4, 40), (100.0, 40, 4, 40)) == "s1"
