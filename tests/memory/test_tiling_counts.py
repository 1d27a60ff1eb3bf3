"""Counts a tiling derives from its split and tiles, by hand: K-split chunks (the last one may
be short), tiles, and the slots partial sums and weights cycle through."""

from __future__ import annotations

import pytest

from accelsim.memory.tiling import Buffering, Tile, Tiling, _Split
from accelsim.work import Vector


def test_a_reduction_of_five_in_chunks_of_two_is_three_chunks():
    split = _Split(channels=6, rows=5, per_group=4, per_band=2, reduction=5, per_chunk=2)
    # groups ceil(6/4) = 2, bands ceil(5/2) = 3, chunks ceil(5/2) = 3
    assert (split.chunks, split.tiles) == (3, 2 * 3 * 3)
    assert _Split(channels=1, rows=1, per_group=1, per_band=1).chunks == 1


def _tiling(last_group: int, last_band: int, buffering: Buffering) -> Tiling:
    tile = Tile(group=last_group, band=last_band, reads=(), weights=(), write=("y", 1),
                work=Vector(ops=1, elements=1))  # fmt: skip
    return Tiling(tiles=(tile,), slot_bytes=1, weight_bytes=1, buffering=buffering, psum_bytes=4)


@pytest.mark.parametrize(
    ("group", "band", "buffering", "psum", "weights"),
    [
        (0, 0, Buffering(2, 2), 1, 1),  # one (group, band): nothing to overlap
        (0, 1, Buffering(2, 2), 2, 1),  # several bands of one group: two partial-sum slots
        (1, 0, Buffering(2, 2), 2, 2),
        (1, 1, Buffering(2, 1), 1, 1),  # the stationary data keeps one slot
        (1, 1, Buffering(1, 1), 1, 1),
        (1, 0, Buffering(3, 2), 2, 2),
    ],
)
def test_partial_sum_and_weight_slots(group, band, buffering, psum, weights):
    tiling = _tiling(group, band, buffering)
    assert (tiling.psum_slots, tiling.weight_slots, tiling.slots) == (psum, weights,
                                                                       buffering.tiles)



def test_double_buffered_weight_groups_load_under_the_compute_before():
    # x (1, 4, 4, 4) 3x3 conv to 16 channels at 400 B on a 10 GFLOPS engine (5 MACs a cycle):
    # 16 groups of one output channel, each 576 MACs = 116 cycles; the next group's 36 B of
    # weights and the last group's 16 B store hide under them: x 64 + W0 36 + 16 x 116 + 16
    from accelsim.api import simulate_graph
    from accelsim.check import plan_violations
    from tests.sim.toy import GraphBuilder, toy_machine

    g = GraphBuilder()
    y = g.conv("c", g.input("x", (1, 4, 4, 4)), 16, 3, pad=1)
    hw = toy_machine(sram=400, matrix="10 GFLOPS")
    result = simulate_graph(g.build(y), hw, name="t")
    assert result.plan.tiles == (16,)
    assert result.latency_cycles == 64 + 36 + 16 * 116 + 16
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
