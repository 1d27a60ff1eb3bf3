"""Two small pure rules of the planner against references written here from their docstrings:
the wait-set union `planner._Merge` and the split choice `tiling._choose`.

Each is compared on every case of small grids whose values sit on the rules' edges (task 0, a
tie between kinds, compute exactly SLACK over the least, times exactly SLACK or TIE apart), so
an off-by-one, a dropped margin or a swapped comparison changes some case's answer.
"""

from __future__ import annotations

import itertools
import random
from types import SimpleNamespace

from accelsim.memory.planner import _Merge
from accelsim.memory.tiling import BUFFERINGS, SLACK, TIE, _choose

# -- _Merge ------------------------------------------------------------------------------------

# Tasks 0..7: kinds by id. "dma" and "vector" have one unit each, "matrix" two.
_KINDS = ["dma", "matrix", "vector", "dma", "matrix", "dma", "vector", "matrix"]
_SINGLE = {"dma": True, "matrix": False, "vector": True}


def _merge_by_hand(a: frozenset[int], b: frozenset[int]) -> frozenset[int]:
    """One unit runs its tasks in plan order: of a single-unit kind only the highest id is
    needed; of a kind with several units every task is."""
    union = a | b
    kept = {t for t in union if not _SINGLE[_KINDS[t]]}
    for kind, single in _SINGLE.items():
        of_kind = [t for t in union if _KINDS[t] == kind]
        if single and of_kind:
            kept.add(max(of_kind))
    return frozenset(kept)


def _merge() -> _Merge:
    return _Merge(SimpleNamespace(unit_kind=_KINDS), _SINGLE)  # type: ignore[arg-type]


def test_task_zero_alone_is_kept():
    # task 0 is the only dma task: it is the latest of its kind and must stay
    assert _merge()(frozenset({0}), frozenset()) == {0}
    assert _merge()(frozenset(), frozenset({0})) == {0}
    # beside a matrix task (kept as is on two units) task 0 is still the latest dma task
    assert _merge()(frozenset({0}), frozenset({1})) == {0, 1}
    assert _merge()(frozenset({0, 2}), frozenset()) == {0, 2}


def test_an_earlier_task_of_a_single_unit_kind_is_implied_by_a_later_one():
    # dma 0, 3 and 5: only 5; vector 2 and 6: only 6; matrix 1, 4 on two units: both
    assert _merge()(frozenset({0, 3, 1}), frozenset({5, 4})) == {5, 1, 4}
    assert _merge()(frozenset({6}), frozenset({2, 0})) == {6, 0}
    assert _merge()(frozenset({5}), frozenset({3})) == {5}


def test_every_union_of_small_sets_matches_the_rule():
    sets = [frozenset(c) for n in range(4) for c in itertools.combinations(range(8), n)]
    rng = random.Random(19)
    merge = _merge()
    for a, b in itertools.chain(
        ((s, frozenset()) for s in sets), (tuple(rng.sample(sets, 2)) for _ in range(3000))
    ):
        assert merge(a, b) == _merge_by_hand(a, b), (a, b)


def test_with_every_kind_on_one_unit_only_the_latest_of_each_stays():
    merge = _Merge(SimpleNamespace(unit_kind=_KINDS), dict.fromkeys(_SINGLE, True))  # type: ignore[arg-type]
    # dma 0, 3: 3; matrix 1, 4, 7: 7; vector 2: 2
    assert merge(frozenset({0, 1, 2}), frozenset({3, 4, 7})) == {3, 7, 2}
    assert merge(frozenset({0}), frozenset({1})) == {0, 1}  # one each of two kinds


# -- _choose -----------------------------------------------------------------------------------


def _choose_by_hand(keys: list[tuple[float, int, int, int]]) -> int:
    """`_choose`'s docstring, written out: the index of the split taken. A key is (cycles,
    bytes moved, tiles, compute cycles); "fastest" orders by the whole key."""
    fastest = min(range(len(keys)), key=lambda i: keys[i])
    least = min(k[3] for k in keys)
    chosen = fastest
    if keys[fastest][3] > least * (1 + SLACK):  # computes more than 5 % over the least
        lean = [i for i in range(len(keys)) if keys[i][3] <= least * (1 + SLACK)]
        best = min(lean, key=lambda i: keys[i])
        if keys[best][0] <= keys[fastest][0] * (1 + SLACK):
            chosen = best
    cycles, moved, _, compute = keys[chosen]
    ties = [
        i for i, (c, m, _, w) in enumerate(keys)
        if c <= cycles * (1 + TIE) and m <= moved and w <= compute
    ]  # fmt: skip
    return min(ties, key=lambda i: (keys[i][2], keys[i]))


def _chosen(keys: list[tuple[float, int, int, int]]) -> int:
    scored = [(key, i, BUFFERINGS[0]) for i, key in enumerate(keys)]
    return _choose(scored)[1]  # type: ignore[arg-type, return-value]


def test_a_split_computing_a_little_over_the_least_is_still_lean():
    # s0 the fastest computes 120 (20 % over the least, 100). s1 computes 105, exactly 5 %
    # over: lean, and at 104 cycles within 5 % of s0's 100, the fastest lean one. s2 computes
    # the least but takes 104.5 cycles: slower than s1. So s1.
    assert _chosen([(100.0, 10, 2, 120), (104.0, 10, 2, 105), (104.5, 10, 2, 100)]) == 1
    # s1 computing 106 (6 % over) is not lean: s2 is taken
    assert _chosen([(100.0, 10, 2, 120), (104.0, 10, 2, 106), (104.5, 10, 2, 100)]) == 2


def test_a_lean_split_exactly_slack_slower_is_taken_and_one_cycle_more_is_not():
    # the lean s1 at 105 cycles is exactly 5 % over the fastest's 100: taken
    assert _chosen([(100.0, 10, 2, 120), (105.0, 10, 2, 100)]) == 1
    assert _chosen([(100.0, 10, 2, 120), (105.5, 10, 2, 100)]) == 0


def test_the_tie_margin_and_its_byte_and_compute_limits():
    # chosen s0: 1000 cycles. s1 at 1002 (exactly 0.2 % over), moving and computing no
    # more, in fewer tiles: taken. At 1002.5 it is out.
    assert _chosen([(1000.0, 10, 4, 50), (1002.0, 10, 2, 50)]) == 1
    assert _chosen([(1000.0, 10, 4, 50), (1002.5, 10, 2, 50)]) == 0
    # s1 moving one byte more, or computing one cycle more: out
    assert _chosen([(1000.0, 10, 4, 50), (1001.0, 11, 2, 50)]) == 0
    assert _chosen([(1000.0, 10, 4, 50), (1001.0, 10, 2, 51)]) == 0


def test_every_small_menu_matches_the_rule():
    cycles = (100.0, 100.2, 100.3, 104.0, 105.0, 106.0)
    moved = (10, 11)
    tiles = (1, 2, 3)
    compute = (100, 104, 105, 106, 120)
    grid = list(itertools.product(cycles, moved, tiles, compute))
    rng = random.Random(5)
    for _ in range(4000):
        keys = rng.sample(grid, rng.randint(1, 5))
        assert _chosen(keys) == _choose_by_hand(keys), keys
