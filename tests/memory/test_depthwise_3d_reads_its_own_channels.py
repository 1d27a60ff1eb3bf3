"""A depthwise 3-D conv (NCDHW, weight (C, 1, kd, kh, kw)) tiles as a 2-D one does: a tile of
some output channels reads only those channels of its input, not all of them.

Toy machine (tests/sim/toy.py): 1 byte a cycle on the bus, 100 FLOP a cycle on the engine, int8.
"""

from __future__ import annotations

from collections import Counter

from tests.memory.judged import judged_run
from tests.sim.toy import GraphBuilder, toy_machine


def test_a_3d_depthwise_conv_tile_reads_one_channel_of_its_input():
    # x (1, 4, 1, 2, 16): 4 channels of one depth slice, 32 B each; a 1x1x1 depthwise conv
    # (group 4, W (4, 1, 1, 1, 1)) -> y (1, 4, 1, 2, 16), 128 MACs. Whole: 128 + 4 + 128 B, more
    # than the 100 B of SRAM; rows (D = 1) cannot split, so channels do: one channel's tile
    # holds its 32 B of x, its 1 B weight and 32 B of y, 65 B (two slots, 130 B, do not fit).
    # Read as a dense conv, every tile would need all 128 B of x: 161 B, refused.
    # Serial on one slot: 4 x (33 B in + 1 cycle (2 x 32 MACs / 100) + 32 B out).
    g = GraphBuilder()
    x = g.input("x", (1, 4, 1, 2, 16))
    w = g.weight("w", (4, 1, 1, 1, 1))
    y = g.op("dw", "Conv", [x, w], "y", (1, 4, 1, 2, 16), macs=128, kernel_shape=[1, 1, 1],
             strides=[1, 1, 1], pads=[0] * 6, group=4)  # fmt: skip
    hw = toy_machine(sram=100)
    result, moved = judged_run(g.build(y), hw)
    assert result.plan.tiles == (4,)
    assert moved == Counter({("load", "x", 32): 4, ("load", "w", 1): 4, ("store", "y", 32): 4})
    assert result.latency_cycles == 4 * (33 + 1 + 32)
