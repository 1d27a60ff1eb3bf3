"""A K-split of a single (group, band) keeps its partial sums in one slot, however its tiles
are buffered (nothing overlaps a next (group, band)'s sums), so the SRAM a split needs counts
them once: a split that fits exactly with one slot is taken.

Toy machine (tests/sim/toy.py) at 2 GFLOPS: 1 byte a cycle on the bus, 1 MAC a cycle, int8.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.memory.judged import judged_run
from tests.sim.toy import GraphBuilder, toy_machine


@pytest.mark.parametrize(("sram", "chunk"), [(176, 16), (336, 32)])
def test_double_buffered_chunks_fill_the_sram_beside_one_partial_sum_slot(sram, chunk):
    # x (1, 1, 256) x W (256, 4) -> y (1, 1, 4): all 4 columns are one group, one row one band,
    # so a K-split has one (group, band). Bus-bound (80 B in per 64 MACs at kc 16), so two tile
    # slots win: each holds kc B of x and 4 kc B of W, beside the 4 int32 sums (16 B, one slot):
    # 2 x 5 kc + 16 = 176 B at kc 16, 336 B at kc 32 -- all the SRAM. (Two sum slots would make
    # that 192 / 352 B: too much.) 256 / kc tiles, x and W read once, y stored once.
    g = GraphBuilder()
    x, w = g.input("x", (1, 1, 256)), g.weight("w", (256, 4))
    y = g.op("fc", "MatMul", [x, w], "y", (1, 1, 4), macs=1024)
    hw = toy_machine(sram=sram, matrix="2 GFLOPS")
    result, moved = judged_run(g.build(y), hw)
    tiles = 256 // chunk
    assert result.plan.tiles == (tiles,)
    assert result.trace.sram_peak == sram
    assert moved == Counter(
        {("load", "x", chunk): tiles, ("load", "w", 4 * chunk): tiles, ("store", "y", 4): 1}
    )
